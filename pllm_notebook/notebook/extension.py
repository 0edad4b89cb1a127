"""``%load_ext pllm_notebook``: register the magics (the orchestrator is only created when first used)."""

from __future__ import annotations

from typing import Any

from IPython.core.magic import Magics

from .config_magics import PllmConfigMagics
from .export_magics import ExportMagics
from .memoize_magics import AwaitingCells, MemoizeMagics
from .progress import disable_progress, enable_progress
from .session import NotebookSession
from .stats_magics import StatsMagics

__all__ = ["load", "unload"]

_loaded: dict[int, tuple[NotebookSession, list[Magics], AwaitingCells]] = {}


def _dashboard_magics() -> type[Magics] | None:
    """The dashboard's magics, if that part of the package is present (it is written separately)."""
    try:
        from ..dashboard.magics import DashboardMagics
    except ModuleNotFoundError as exc:
        if exc.name in ("pllm_notebook.dashboard", "pllm_notebook.dashboard.magics"):
            return None
        raise
    return DashboardMagics


def load(ipython: Any) -> None:
    """Register the magics on ``ipython`` (the dashboard's too, if present) and turn on progress bars.

    Progress bars appear in cells that make several LLM calls at once (concurrent strategy).
    """
    if id(ipython) in _loaded:
        return
    session = NotebookSession(ipython)
    magics: list[Magics] = [
        MemoizeMagics(ipython, session),
        StatsMagics(ipython, session),
        PllmConfigMagics(ipython, session),
        ExportMagics(ipython, session),
    ]
    dashboard = _dashboard_magics()
    if dashboard is not None:
        magics.append(dashboard(shell=ipython))
    for instance in magics:
        ipython.register_magics(instance)
    awaiting = AwaitingCells(ipython)
    ipython.input_transformers_post.append(awaiting)
    session.start()
    enable_progress()
    _loaded[id(ipython)] = (session, magics, awaiting)


def unload(ipython: Any) -> None:
    """Remove what :func:`load` registered (``%unload_ext`` / ``%reload_ext``)."""
    entry = _loaded.pop(id(ipython), None)
    if entry is None:
        return
    session, magics, awaiting = entry
    ipython.input_transformers_post.remove(awaiting)
    session.stop()
    if not _loaded:
        disable_progress()
    registered = ipython.magics_manager.magics
    for instance in magics:
        for kind, names in instance.magics.items():
            for name in names:
                registered[kind].pop(name, None)
