"""Keeps this kernel's run log (see :mod:`pllm_notebook.store.runs`) up to date, cell by cell."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..events import Event

__all__ = ["RunLog"]


class RunLog:
    """Notes, for each cell, its source digest and the memo keys and call ids its events name."""

    def __init__(self) -> None:
        self.run_id = uuid.uuid4().hex
        self.started = time.time()
        self.cells: list[dict[str, Any]] = []
        self.directory = ""
        self._current: dict[str, Any] | None = None

    def start_cell(self, label: str, source: str) -> None:
        from ..store.runs import source_digest  # on first use: ``%load_ext`` stays fast

        self._current = {"label": label, "source": source_digest(source), "memos": [], "calls": []}
        self.cells.append(self._current)

    def __call__(self, event: Event) -> None:
        """A bus subscriber: attribute the event to the running cell."""
        from ..events import LLMCallFinished, MemoHit, MemoStored

        cell = self._current
        if cell is None:
            return
        if isinstance(event, MemoHit | MemoStored):
            cell["memos"].append(event.key)
        elif isinstance(event, LLMCallFinished) and not event.error:
            cell["calls"].append(event.call_id)
        else:
            return
        self.directory = event.directory

    def record(self) -> dict[str, Any]:
        """The run log as it is written to disk."""
        return {"run": self.run_id, "started": self.started, "updated": time.time(), "cells": self.cells}

    def finish_cell(self) -> None:
        """Write the log once a cell has ended (only once the notebook has used a resume directory)."""
        from ..store.runs import write_run

        self._current = None
        if self.directory:
            write_run(Path(self.directory), self.run_id, self.record())
