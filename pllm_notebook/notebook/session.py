"""The extension's per-kernel state: which cell is running (its stable label) and notebook-wide settings."""

from __future__ import annotations

import time
from typing import Any

from traitlets import Bool, HasTraits

from .run_log import RunLog

__all__ = ["NotebookSession", "cell_title"]

TITLE_LENGTH = 60


def cell_title(source: str) -> str:
    """A short name for a cell: its first comment (``# load the data`` -> ``load the data``) when a comment
    comes before its first line of code, else that first line (past magics and imports)."""
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("%")]
    title = ""
    for line in lines:
        if not line.startswith("#"):
            break
        title = title or line.lstrip("#").strip()
    if not title:
        code = [ln for ln in lines if not ln.startswith("#")]
        plain = [ln for ln in code if not ln.startswith(("import ", "from "))]
        title = (plain or code or [""])[0]
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 3] + "..."


class NotebookSession(HasTraits):
    """Tracks the running cell for one IPython shell and holds the settings ``%pllm_config`` changes.

    A cell's label is ``cell:<id>`` from the cell id Jupyter sends with each execution (stable across
    kernel restarts, and kept in the .ipynb file); where there is none (a terminal), it is ``In[<n>]``.
    ``restore_vars`` and ``notes`` follow the configurable traits of the same names of ``MemoizeMagics``
    (linked when the extension loads).
    """

    restore_vars = Bool(True, help="%%memoize stores and restores the variables a cell sets")
    notes = Bool(True, help="the one-line [pllm] hit/miss note of each memoized cell")

    def __init__(self, shell: Any) -> None:
        super().__init__()
        self.shell = shell
        self.label = ""
        self._cell_announced = True
        self._cell_started = 0.0
        self._cell_title = ""
        self._cell_count: int | None = None
        self.titles: dict[str, str] = {}
        self.run_log = RunLog()
        """What each cell this kernel ran used (``%pllm_export`` without a notebook exports it)."""

    def start(self) -> None:
        from ..events import bus

        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)
        self._unsubscribe = bus.subscribe(self.run_log)
        history = getattr(getattr(self.shell, "history_manager", None), "input_hist_raw", None)
        if history:  # the cell running %load_ext: its pre_run_cell came before we listened
            self.run_log.start_cell(self.current_label(), history[-1])

    def stop(self) -> None:
        self.shell.events.unregister("pre_run_cell", self.pre_run_cell)
        self.shell.events.unregister("post_run_cell", self.post_run_cell)
        self._unsubscribe()

    def pre_run_cell(self, info: Any) -> None:
        """IPython's hook before each cell: remember the cell's label."""
        cell_id = getattr(info, "cell_id", None)
        from ..api import set_cell_label

        self.label = f"cell:{cell_id}" if cell_id else f"In[{self.shell.execution_count}]"
        set_cell_label(self.label)
        raw = getattr(info, "raw_cell", "") or ""
        self.run_log.start_cell(self.label, raw)
        self._cell_started = time.time()
        self._cell_title = cell_title(raw)
        self._cell_count = self._execution_count() if getattr(info, "store_history", True) else None
        self._cell_announced = False
        self._announce_cell()

    def post_run_cell(self, result: Any) -> None:
        """IPython's hook after each cell: save the run log (what the cell used, for export)."""
        self._announce_cell()  # a cell that built the orchestrator is named now
        self.run_log.finish_cell()

    def _execution_count(self) -> int:
        """The ``In [n]`` of the cell starting now: IPython 9 counts it before ``pre_run_cell``, 8 after."""
        import IPython

        return self.shell.execution_count - (IPython.version_info[0] >= 9)

    def _announce_cell(self) -> None:
        """Tell the orchestrator's watchers (the dashboard) which cell runs: ``In [7]`` and its title."""
        from ..api import existing_orchestrator
        from ..events import CellStarted

        orch = existing_orchestrator()
        if self._cell_announced or orch is None or orch.closed:
            return
        self._cell_announced = True
        orch.emit(
            CellStarted(
                label=self.label,
                title=self._cell_title,
                execution_count=self._cell_count,
                ts=self._cell_started,
            )
        )

    def current_label(self) -> str:
        return self.label or f"In[{self.shell.execution_count}]"

    def remember_title(self, label: str, source: str) -> str:
        """A short human name for a cell (see :func:`cell_title`), shown by ``%pllm_stats``."""
        title = self.titles[label] = cell_title(source) or label
        return title
