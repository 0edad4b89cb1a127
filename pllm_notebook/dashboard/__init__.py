"""Faces layer: the live dashboard (Panel view, terminal status line, static table, standalone server).

``attach_dashboard(orch)`` shows it where the code runs; ``pllm-notebook dashboard DIR`` serves it for a
resume directory; ``%pllm_dashboard`` shows it in a notebook. Panel is imported only when a view is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["MODES", "attach_dashboard"]

ES_MODULE = Path(__file__).resolve().parent / "frontend" / "dashboard.js"
"""The front end's one ES module: the Panel ``Part`` and the notebook's ``LiveWidget`` both run it."""

MODES: tuple[str, ...] = ("widget", "static", "terminal")
"""Where a dashboard can be shown: a Panel widget, a static HTML table, or a terminal status line."""


def attach_dashboard(orch: Any, mode: str | None = None) -> Any:
    """Show the live dashboard of ``orch``: inline in a notebook, a ``[DASH]`` line in a terminal.

    ``mode`` forces ``"widget"``, ``"static"`` (HTML table) or ``"terminal"``; returns a ``Dashboard``.
    """
    from .attach import attach_dashboard as attach

    return attach(orch, mode)
