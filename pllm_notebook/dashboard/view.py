"""The dashboard's Panel layout: headline figures, charts, activity feed, per-cell table, cache browser.

A :class:`DashboardView` draws :class:`~pllm_notebook.dashboard.model.Snapshot` objects; given the resume
directory's store, a click on a feed row opens the row's detail (see ``details.py``). Under ``panel
serve`` each session's view is updated on its own document's event loop. In a notebook only its cache
browser is shown (the live figures are a ``LiveWidget``, which moves during Run All where Panel cannot). Panel's resources are inlined: nothing is fetched from a CDN. Every part that changes is a
:class:`~pllm_notebook.dashboard.components.Part` fed with data, never an HTML pane (a Panel HTML pane
re-sends its stylesheets on each change, and those point at a CDN).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import panel as pn

from .cache_browser import CacheBrowser
from .components import Part
from .details import detail_source
from .formatting import live_payload
from .model import DashboardModel, Snapshot

_extension_lock = threading.Lock()
_extension_loaded = False

CACHE_REFRESH_S = 1.0
"""The cache browser's tables are re-read at most this often."""


def ensure_extension() -> None:
    """Load Panel's extension once per process, with its JavaScript inlined (works offline)."""
    global _extension_loaded
    with _extension_lock:
        if not _extension_loaded:
            pn.extension(inline=True)
            _extension_loaded = True


def load_into_page() -> None:
    """Send Panel's JavaScript (inlined) with the current notebook output, even if this kernel sent it
    before: a reloaded page has lost what an earlier output loaded, and would draw nothing."""
    from panel.io.notebook import load_notebook

    ensure_extension()
    load_notebook(inline=True)


class _Table:
    """A table part: fixed columns, rows pushed as they change."""

    def __init__(self, columns: list[str], empty: str, css_class: str) -> None:
        self.columns = columns
        self.part = Part(kind="table", css_classes=[css_class], sizing_mode="stretch_width")
        self.show([], empty)

    def show(self, rows: list[list[Any]], empty: str) -> None:
        self.part.show(columns=self.columns, rows=[[str(c) for c in row] for row in rows], empty=empty)


def _danger(name: str, width: int, action: Callable[[], None]) -> pn.widgets.Button:
    button = pn.widgets.Button(name=name, button_type="danger", width=width)
    button.on_click(lambda _e: action())
    return button


class DashboardView:
    """One rendering of the dashboard; keep one per notebook output or server session."""

    def __init__(
        self,
        model: DashboardModel,
        browser: CacheBrowser | None = None,
        title: str = "",
        live: bool = True,
        store: Any = None,
    ) -> None:
        ensure_extension()
        self.model = model
        self.browser = browser
        self.title = title or model.directory
        self.live = (
            Part(kind="live", css_classes=["pllm-live"], sizing_mode="stretch_width", min_height=300)
            if live
            else None
        )
        if self.live is not None and store is not None:  # a click on a feed row opens its detail
            self.live.answer_details(detail_source(model, store))
        self._last_cache_refresh = 0.0
        self._cache_version_shown = -1
        self._lock = threading.RLock()  # the model's thread and the page's callbacks both change the view
        sections: list[Any] = [self.live] if self.live is not None else []
        if browser is not None:
            sections += [pn.pane.HTML("<b>Cache browser</b>"), self._cache_section()]
        self.layout = pn.Column(*sections, sizing_mode="stretch_width", css_classes=["pllm-dashboard"])
        self.update(model.snapshot)

    # -- live figures ----------------------------------------------------------------------------

    def update(self, snap: Snapshot) -> None:
        """Show ``snap``; called from the model's thread (notebook) or the session's loop (server)."""
        with self._lock:
            self._update(snap)

    def _update(self, snap: Snapshot) -> None:
        if self.live is not None:  # the similarity chart shows once the directory's events show lookups
            self.live.show(**live_payload(snap, None, self.title))
        if (
            self.browser is not None
            and snap.cache_version != self._cache_version_shown
            and time.monotonic() - self._last_cache_refresh >= CACHE_REFRESH_S
        ):
            self._cache_version_shown = snap.cache_version
            self.refresh_cache()

    def follow(self, schedule: Callable[[Callable[[], None]], None] | None = None) -> Callable[[], None]:
        """Redraw on every model update; ``schedule`` runs the redraw elsewhere (a server session's loop).

        Returns a function that stops following.
        """
        if schedule is None:
            return self.model.add_listener(self.update)
        return self.model.add_listener(lambda snap: schedule(lambda: self.update(snap)))

    # -- cache browser ---------------------------------------------------------------------------

    def _cache_section(self) -> pn.Column:
        self.namespaces = _Table(["namespace", "entries"], "the cache is empty", "pllm-namespaces")
        self.namespace_select = pn.widgets.Select(name="namespace", options=[], width=220)
        self.entries = _Table(
            ["id", "created", "hits", "last hit", "model", "prompt"], "pick a namespace", "pllm-entries"
        )
        self.search_input = pn.widgets.TextInput(
            name="search the cache by meaning", placeholder="text", width=360
        )
        self.search_button = pn.widgets.Button(name="Search", button_type="primary", width=90)
        self.search_results = _Table(
            ["similarity", "id", "namespace", "prompt", "response"], "no search yet", "pllm-search"
        )
        self.entry_input = pn.widgets.TextInput(
            name="entry id", placeholder="id from a table above", width=360
        )
        self.inspect_button = pn.widgets.Button(name="Inspect", width=90)
        self.entry_detail = Part(kind="text", css_classes=["pllm-entry"], sizing_mode="stretch_width")
        self.cache_message = Part(
            kind="text", css_classes=["pllm-cache-message"], sizing_mode="stretch_width"
        )
        self.namespace_select.param.watch(lambda _e: self._show_entries(), "value")
        self.search_button.on_click(lambda _e: self._search())
        self.search_input.param.watch(lambda _e: self._search(), "enter_pressed")
        self.inspect_button.on_click(lambda _e: self._inspect())
        namespace_row: list[Any] = [self.namespace_select]
        entry_row: list[Any] = [self.entry_input, self.inspect_button]
        if not self.browser.read_only:  # a read-only page has no destructive button at all
            namespace_row.append(_danger("Invalidate namespace", 180, self._invalidate_namespace))
            entry_row.append(_danger("Invalidate entry", 140, self._invalidate_entry))
        return pn.Column(
            self.namespaces.part,
            pn.Row(*namespace_row, align="end"),
            self.entries.part,
            pn.Row(self.search_input, self.search_button, align="end"),
            self.search_results.part,
            pn.Row(*entry_row, align="end"),
            self.entry_detail,
            self.cache_message,
            sizing_mode="stretch_width",
        )

    def refresh_cache(self) -> None:
        """Re-read the namespaces (and the selected namespace's entries) from the cache."""
        assert self.browser is not None
        with self._lock:
            self._refresh_cache()

    def _refresh_cache(self) -> None:
        self._last_cache_refresh = time.monotonic()
        infos = self.browser.namespaces()
        self.namespaces.show([[i.name, i.entries] for i in infos], "the cache is empty")
        names = [i.name for i in infos]
        current = self.namespace_select.value
        if names != self.namespace_select.options:
            self.namespace_select.options = names
        self.namespace_select.value = current if current in names else (names[0] if names else None)
        self._show_entries()

    def _show_entries(self) -> None:
        assert self.browser is not None
        namespace = self.namespace_select.value
        rows = self.browser.entries(namespace) if namespace else []
        self.entries.show(
            [[r.entry_id, r.created, r.hits, r.last_hit, r.model, r.prompt] for r in rows],
            "no entries in this namespace" if namespace else "pick a namespace",
        )

    def _report(self, text: str) -> None:
        self.cache_message.show(text=text)

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            with self._lock:
                action()
        except Exception as exc:  # shown on the page: the user clicked, the user should see why it failed
            self._report(f"{type(exc).__name__}: {exc}")

    def _invalidate_namespace(self) -> None:
        def run() -> None:
            namespace = self.namespace_select.value
            if not namespace:
                self._report("pick a namespace first")
                return
            removed = self.browser.invalidate_namespace(namespace)
            self._report(f"namespace {namespace!r}: {removed} entries removed")
            self._cache_changed()

        self._guarded(run)

    def _cache_changed(self) -> None:
        self.search_results.show([], "the cache changed: search again")
        self._refresh_cache()

    def _search(self) -> None:
        def run() -> None:
            text = self.search_input.value_input or self.search_input.value
            if not text.strip():
                self._report("type some text to search for")
                return
            hits = self.browser.search(text)  # every namespace: the results say which
            self.search_results.show(
                [[f"{h.similarity:.3f}", h.entry_id, h.namespace, h.prompt, h.response] for h in hits],
                "no similar entry",
            )

        self._guarded(run)

    def _entry_id(self) -> str:
        return (self.entry_input.value_input or self.entry_input.value).strip()

    def _inspect(self) -> None:
        def run() -> None:
            entry_id = self._entry_id()
            detail = self.browser.inspect(entry_id)
            text = (
                f"no entry {entry_id}" if detail is None else json.dumps(detail, indent=2, ensure_ascii=False)
            )
            self.entry_detail.show(text=text)

        self._guarded(run)

    def _invalidate_entry(self) -> None:
        def run() -> None:
            entry_id = self._entry_id()
            removed = self.browser.invalidate_entry(entry_id)
            self._report(f"entry {entry_id}: {'removed' if removed else 'not found'}")
            self.entry_detail.show(text="")
            self._cache_changed()

        self._guarded(run)

    def panel(self) -> pn.viewable.Viewable:
        """The Panel object to display or serve."""
        return self.layout
