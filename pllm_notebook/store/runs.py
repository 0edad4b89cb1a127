"""Run logs: which cells one kernel ran, and which memo entries and calls each of them used.

A notebook run in a headless tool (``jupyter nbconvert --execute``, papermill) carries no cell ids, so
labels alone cannot tell two notebooks sharing a resume directory apart. Each kernel therefore keeps one
small JSON file, ``runs/<run id>.json``, listing for every cell it ran the SHA-256 of the cell's source, the
memo entries it stored or replayed and the calls it made or resumed. ``pllm-notebook export`` finds the
newest run that ran all of a notebook's code cells and exports exactly what that run used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["RUNS_DIR", "read_runs", "source_digest", "write_run"]

RUNS_DIR = "runs"


def source_digest(source: str) -> str:
    """How a run log names a cell's source."""
    return hashlib.sha256(source.encode()).hexdigest()


def write_run(directory: Path, run_id: str, record: dict[str, Any]) -> None:
    """Write (replace) one kernel's run log atomically; a failure to write is not the user's problem."""
    folder = directory / RUNS_DIR
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".run-")
        with os.fdopen(fd, "w") as fh:
            json.dump(record, fh)
        os.replace(tmp, folder / f"{run_id}.json")


def read_runs(directory: Path) -> list[dict[str, Any]]:
    """Every readable run log of ``directory``, newest first."""
    runs = []
    for path in (directory / RUNS_DIR).glob("*.json"):
        with contextlib.suppress(OSError, ValueError):
            record = json.loads(path.read_text())
            if isinstance(record, dict) and isinstance(record.get("cells"), list):
                runs.append(record)
    return sorted(runs, key=lambda r: float(r.get("updated", 0)), reverse=True)
