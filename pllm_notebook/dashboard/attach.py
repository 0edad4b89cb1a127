"""``attach_dashboard(orch)``: show the live dashboard where the code runs.

- In a Jupyter kernel (JupyterLab, Notebook 7, VS Code): the live figures as a widget (``LiveWidget``, live
  during Run All), and the Panel cache browser when the orchestrator has a semantic cache.
- In a kernel whose front end cannot show Panel widgets (VS Code without ``jupyter_bokeh``, Panel not
  installed, or ``PLLM_DASHBOARD=static``): a static HTML table, redrawn in place as events arrive.
- Anywhere else (a script in a terminal): a one-line ``[DASH]`` status on stderr.

One :class:`DashboardModel` is kept per orchestrator, so showing the dashboard twice shows the same
figures. Its totals are the orchestrator's own counters (read once per batch, not counted twice).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import ConfigError
from ..settings import setting
from . import MODES
from .details import detail_source
from .formatting import live_payload, static_html
from .model import DashboardModel, Snapshot
from .status_line import StatusLine

Mode = Literal["widget", "static", "terminal"]
_models: weakref.WeakKeyDictionary[Any, DashboardModel] = weakref.WeakKeyDictionary()
_models_lock = threading.Lock()


@dataclass
class Dashboard:
    """A shown dashboard: its model, how it is shown, and (widget mode) the live widget."""

    model: DashboardModel
    mode: str
    view: Any = None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """A dashboard left as a cell's last value shows itself (already shown: nothing more)."""
        return {"text/plain": f"pllm dashboard ({self.mode}) for {self.model.directory}"}


def _kernel() -> Any:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def detect_mode() -> str:
    """Where we run: ``widget``, ``static`` or ``terminal`` (``PLLM_DASHBOARD`` overrides)."""
    forced = setting("dashboard_mode")
    if forced:
        if forced not in MODES:
            raise ConfigError(f"PLLM_DASHBOARD must be one of {', '.join(MODES)}, not {forced!r}")
        return forced
    if _kernel() is None:
        return "terminal"
    if importlib.util.find_spec("panel") is None or importlib.util.find_spec("anywidget") is None:
        return "static"
    in_vscode = "VSCODE_PID" in os.environ or "VSCODE_CWD" in os.environ
    if in_vscode and importlib.util.find_spec("jupyter_bokeh") is None:
        return "static"
    return "widget"


def new_model(orch: Any) -> DashboardModel:
    """A dashboard model (not started) for ``orch``'s events, with ``orch``'s own counters as totals."""
    return DashboardModel(
        str(orch.directory), event_bus=orch.bus, stats_source=lambda: (orch.stats(), orch.stats_by_label())
    )


def model_for(orch: Any) -> DashboardModel:
    """The running dashboard model of ``orch``, created on first use."""
    with _models_lock:
        model = _models.get(orch)
        if model is None:
            model = _models[orch] = new_model(orch).start()
        return model


def attach_dashboard(orch: Any, mode: str | None = None) -> Dashboard:
    """Show the live dashboard of ``orch`` (see the module docstring for where and how)."""
    mode = mode or detect_mode()
    if mode not in MODES:
        raise ConfigError(f"dashboard mode must be one of {', '.join(MODES)}, not {mode!r}")
    model = model_for(orch)
    if mode == "terminal":
        line = StatusLine()
        model.add_listener(line)
        orch.on_close(lambda: line.finish(model.flush()))
        return Dashboard(model, mode)
    from IPython.display import HTML, display

    if mode == "static":
        handle = display(HTML(static_html(model.snapshot)), display_id=True)
        model.add_listener(lambda snap: handle.update(HTML(static_html(snap))))
        return Dashboard(model, mode)
    from .live_widget import LiveWidget

    live = LiveWidget()
    threshold = float(orch.cache.threshold) if orch.cache is not None else None

    def draw(snap: Snapshot) -> None:
        live.show(**live_payload(snap, threshold, model.directory))

    draw(model.snapshot)
    model.add_listener(draw)
    live.answer_details(detail_source(model, orch.store))
    _snapshot_until_seen(live, model)
    if orch.cache is not None:
        _cache_browser_when_seen(orch, model, live)
    return Dashboard(model, mode, live)


def _snapshot_until_seen(live: Any, model: DashboardModel) -> None:
    """Show ``live`` with a static snapshot of the figures beside it, redrawn after every cell until a
    front end draws the widget: a headless run (nbconvert, nbclient) saves the final figures in a few
    kilobytes of HTML, which a reopened notebook shows instead of a widget it can no longer reach."""
    from IPython.display import display

    from .live_widget import mimebundle

    shell = _kernel()
    handle = display(mimebundle(live, static_html(model.snapshot)), raw=True, display_id=True)

    def after_cell(_result: Any = None) -> None:
        handle.update(mimebundle(live, static_html(model.flush())), raw=True)

    shell.events.register("post_run_cell", after_cell)
    live.on_first_render(lambda: shell.events.unregister("post_run_cell", after_cell))


def _cache_browser_when_seen(orch: Any, model: DashboardModel, live: Any) -> None:
    """Show the Panel cache browser below the live figures once a front end has drawn them.

    Panel's output carries its whole JavaScript (megabytes, inlined to work offline): a headless run
    (nbconvert, nbclient), which never draws the widget, then saves only the live figures' compact state.
    """
    from IPython.display import display
    from ipywidgets import Output

    from .live_widget import mimebundle

    slot = Output()

    def show() -> None:
        from .cache_browser import CacheBrowser
        from .view import DashboardView, load_into_page

        with slot:
            load_into_page()
            view = DashboardView(model, CacheBrowser(orch.cache), live=False)
            view.follow()
            display(view.panel())

    live.on_first_render(show)
    display(mimebundle(slot, ""), raw=True)  # where it cannot be drawn, it shows nothing
