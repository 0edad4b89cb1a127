"""The extension's per-kernel state: which cell is running (its stable label) and notebook-wide settings."""

from __future__ import annotations

from typing import Any

from traitlets import Bool, HasTraits

from .run_log import RunLog

__all__ = ["NotebookSession"]


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
        self.run_log.start_cell(self.label, getattr(info, "raw_cell", "") or "")

    def post_run_cell(self, result: Any) -> None:
        """IPython's hook after each cell: save the run log (what the cell used, for export)."""
        self.run_log.finish_cell()

    def current_label(self) -> str:
        return self.label or f"In[{self.shell.execution_count}]"

    def remember_title(self, label: str, source: str) -> str:
        """A short human name for a cell (its first line of code past imports), shown by ``%pllm_stats``."""
        lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        code = [ln for ln in lines if not ln.startswith(("import ", "from "))]
        title = (code or lines or [label])[0]
        title = title if len(title) <= 60 else title[:57] + "..."
        self.titles[label] = title
        return title
