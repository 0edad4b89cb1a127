"""A progress bar for many LLM calls in one notebook cell: done/total, and how many were cached or live.

It is an event subscriber (see :mod:`pllm_notebook.events`): when a batch of at least ``min_calls`` calls is
under way it shows one bar in the running cell's output and updates it in place (plain HTML through
IPython's display handles, so no ipywidgets and nothing heavy at ``%load_ext``). Updates are throttled;
the final state is always drawn. Call :func:`enable_progress` once (the extension does) and
:func:`disable_progress` to stop.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..events import Event, EventBus, LLMCallFinished, LLMCallStarted, bus

CACHED_SOURCES = ("memo", "exact", "semantic")


@dataclass
class CallProgress:
    """Counts for one batch of calls (from the first call after an idle moment until all are done)."""

    total: int = 0
    done: int = 0
    live: int = 0
    cached: int = 0
    errors: int = 0
    _open: set[str] = field(default_factory=set, repr=False)

    @property
    def finished(self) -> bool:
        return self.total > 0 and self.done >= self.total

    def count(self, event: Event) -> bool:
        """Update from one event; whether it was about a call."""
        if isinstance(event, LLMCallStarted):
            if event.call_id not in self._open:
                self._open.add(event.call_id)
                self.total += 1
            return True
        if isinstance(event, LLMCallFinished):
            if event.call_id in self._open:
                self._open.discard(event.call_id)
            else:
                self.total += 1
            self.done += 1
            if event.error:
                self.errors += 1
            elif event.source in CACHED_SOURCES:
                self.cached += 1
            else:
                self.live += 1
            return True
        return False

    def text(self) -> str:
        return f"{self.done}/{self.total} calls done · {self.live} live · {self.cached} cached · {self.errors} errors"

    def _repr_html_(self) -> str:
        colour = "#c0392b" if self.errors else "#2e86de"
        return (
            '<div class="pllm-progress" style="font-family:sans-serif;font-size:12px;margin:2px 0">'
            f'<progress max="{self.total}" value="{self.done}" style="width:240px;accent-color:{colour}"></progress>'
            f" <span>{html.escape(self.text())}</span></div>"
        )

    def __repr__(self) -> str:
        return self.text()


def _ipython_display(obj: Any) -> Any:
    """Show ``obj`` in the running cell and return a handle to update it, or None outside a kernel."""
    from IPython import get_ipython
    from IPython.display import display

    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    return display(obj, display_id=True)


class ProgressDisplay:
    """Draws :class:`CallProgress` for each batch of at least ``min_calls`` calls."""

    def __init__(
        self,
        min_calls: int = 2,
        refresh_s: float = 0.2,
        show: Callable[[Any], Any] = _ipython_display,
    ) -> None:
        self.min_calls = min_calls
        self.refresh_s = refresh_s
        self._show = show
        self._lock = threading.Lock()
        self.progress = CallProgress()
        self._handle: Any = None
        self._drawn_at = 0.0

    def __call__(self, event: Event) -> None:
        with self._lock:
            if self.progress.finished:
                self.progress, self._handle = CallProgress(), None
            if not self.progress.count(event):
                return
            snapshot = CallProgress(**{k: v for k, v in vars(self.progress).items() if not k.startswith("_")})
            if self._handle is None:
                if self.progress.total < self.min_calls or self.progress.finished:
                    return
                self._handle = self._show(snapshot) or False
                self._drawn_at = time.monotonic()
                return
            now = time.monotonic()
            if not self._handle or (not snapshot.finished and now - self._drawn_at < self.refresh_s):
                return
            self._drawn_at = now
            self._handle.update(snapshot)


_active: tuple[ProgressDisplay, Callable[[], None]] | None = None
_active_lock = threading.Lock()


def enable_progress(
    min_calls: int = 2, refresh_s: float = 0.2, event_bus: EventBus | None = None
) -> ProgressDisplay:
    """Show a progress bar in the notebook whenever ``min_calls`` or more calls are under way (idempotent)."""
    global _active
    with _active_lock:
        if _active is not None:
            return _active[0]
        display = ProgressDisplay(min_calls=min_calls, refresh_s=refresh_s)
        _active = (display, (event_bus or bus).subscribe(display))
        return display


def disable_progress() -> None:
    """Stop showing progress bars."""
    global _active
    with _active_lock:
        if _active is not None:
            _active[1]()
            _active = None
