"""The dashboard's Panel layout: headline figures, charts, activity feed, per-cell table, cache browser.

A :class:`DashboardView` draws :class:`~pllm_notebook.dashboard.model.Snapshot` objects. In a notebook it
is updated straight from the model's thread (Panel sends the change over the kernel's comm, so the page
moves while a cell runs); under ``panel serve`` each session's view is updated on its own document's
event loop. Panel's resources are inlined: nothing is fetched from a CDN.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import panel as pn

from .cache_browser import CacheBrowser
from .components import ActivityFeed, Chart
from .formatting import CELL_COLUMNS, cell_rows, headlines
from .model import DashboardModel, Snapshot

_extension_lock = threading.Lock()
_extension_loaded = False

CACHE_REFRESH_S = 1.0
"""The cache browser's namespace table is re-read at most this often."""

_STYLE = """
.pllm-cards { display: grid; grid-template-columns: repeat(6, minmax(110px, 1fr)); gap: 6px; font-family: system-ui, sans-serif; }
.pllm-card { background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 8px; }
.pllm-card .v { font-size: 18px; font-weight: 600; color: #111827; }
.pllm-card .c { font-size: 11px; color: #6b7280; }
table.pllm-table { border-collapse: collapse; font: 12px system-ui, sans-serif; width: 100%; }
table.pllm-table th { background: #f3f4f6; text-align: left; padding: 3px 6px; }
table.pllm-table td { border-top: 1px solid #e5e7eb; padding: 2px 6px; }
pre.pllm-entry { font-size: 11px; white-space: pre-wrap; max-height: 300px; overflow: auto; }
"""


def ensure_extension() -> None:
    """Load Panel's extension once per process, with its JavaScript inlined (works offline)."""
    global _extension_loaded
    with _extension_lock:
        if not _extension_loaded:
            pn.extension(inline=True)
            _extension_loaded = True


def html_table(
    headers: list[str] | tuple[str, ...], rows: list[list[Any]], empty: str = "nothing yet"
) -> str:
    """An escaped HTML table; ``empty`` is shown when there are no rows."""
    if not rows:
        return f"<i>{html.escape(empty)}</i>"
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="pllm-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def headline_html(snap: Snapshot) -> str:
    """The headline figures as cards; each value carries ``data-metric`` so tests and users can find it."""
    cards = "".join(
        f'<div class="pllm-card"><div class="v" data-metric="{h.key}">{html.escape(h.value)}</div>'
        f'<div class="c">{html.escape(h.caption)}</div></div>'
        for h in headlines(snap)
    )
    return f'<div class="pllm-cards">{cards}</div>'


class DashboardView:
    """One rendering of the dashboard; keep one per notebook output or server session."""

    def __init__(self, model: DashboardModel, browser: CacheBrowser | None = None, title: str = "") -> None:
        ensure_extension()
        self.model = model
        self.browser = browser
        snap = model.snapshot
        self.headlines = pn.pane.HTML(headline_html(snap), stylesheets=[_STYLE], sizing_mode="stretch_width")
        self.sparkline = Chart(kind="sparkline", caption="hit rate over time", width=260, height=80)
        self.histogram = Chart(
            kind="histogram", caption="similarity of semantic hits (red: threshold)", width=260, height=90
        )
        self.feed = ActivityFeed(sizing_mode="stretch_width", min_height=120)
        self.cells = pn.pane.HTML("", stylesheets=[_STYLE], sizing_mode="stretch_width")
        self._last_cache_refresh = 0.0
        sections: list[Any] = [
            pn.pane.HTML(f"<b>pllm dashboard</b> <small>{html.escape(title or model.directory)}</small>"),
            self.headlines,
            pn.Row(self.sparkline, self.histogram),
            pn.pane.HTML("<b>Activity</b>"),
            self.feed,
            pn.pane.HTML("<b>Memoized cells and blocks</b>"),
            self.cells,
        ]
        if browser is not None:
            sections += [pn.pane.HTML("<b>Cache browser</b>"), self._cache_section()]
        self.layout = pn.Column(*sections, sizing_mode="stretch_width", css_classes=["pllm-dashboard"])
        self.update(snap)

    # -- live figures ----------------------------------------------------------------------------

    def update(self, snap: Snapshot) -> None:
        """Show ``snap``; called from the model's thread (notebook) or the session's loop (server)."""
        self.headlines.object = headline_html(snap)
        self.sparkline.values = list(snap.hit_rate_series)
        self.histogram.param.update(
            values=list(snap.semantic_similarities),
            other_values=list(snap.miss_similarities),
            threshold=snap.threshold if snap.threshold is not None or self.browser is None else self.browser.threshold,
        )
        self.feed.rows = [r.as_dict() for r in snap.feed]
        self.cells.object = html_table(
            CELL_COLUMNS,
            [list(r.values()) for r in cell_rows(snap)],
            "no memoized cell has run yet",
        )
        if self.browser is not None and time.monotonic() - self._last_cache_refresh >= CACHE_REFRESH_S:
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
        self.namespaces = pn.pane.HTML("", stylesheets=[_STYLE], sizing_mode="stretch_width")
        self.namespace_select = pn.widgets.Select(name="namespace", options=[], width=220)
        self.invalidate_namespace_button = pn.widgets.Button(
            name="Invalidate namespace", button_type="danger", width=180
        )
        self.entries = pn.pane.HTML("", stylesheets=[_STYLE], sizing_mode="stretch_width")
        self.search_input = pn.widgets.TextInput(
            name="search the cache by meaning", placeholder="text", width=360
        )
        self.search_button = pn.widgets.Button(name="Search", button_type="primary", width=90)
        self.search_results = pn.pane.HTML("", stylesheets=[_STYLE], sizing_mode="stretch_width")
        self.entry_input = pn.widgets.TextInput(
            name="entry id", placeholder="id from a table above", width=360
        )
        self.inspect_button = pn.widgets.Button(name="Inspect", width=90)
        self.invalidate_entry_button = pn.widgets.Button(
            name="Invalidate entry", button_type="danger", width=140
        )
        self.entry_detail = pn.pane.HTML("", stylesheets=[_STYLE], sizing_mode="stretch_width")
        self.cache_message = pn.pane.HTML("", css_classes=["pllm-cache-message"])
        self.namespace_select.param.watch(lambda _e: self._show_entries(), "value")
        self.invalidate_namespace_button.on_click(lambda _e: self._invalidate_namespace())
        self.search_button.on_click(lambda _e: self._search())
        self.search_input.param.watch(lambda _e: self._search(), "enter_pressed")
        self.inspect_button.on_click(lambda _e: self._inspect())
        self.invalidate_entry_button.on_click(lambda _e: self._invalidate_entry())
        return pn.Column(
            self.namespaces,
            pn.Row(self.namespace_select, self.invalidate_namespace_button, align="end"),
            self.entries,
            pn.Row(self.search_input, self.search_button, align="end"),
            self.search_results,
            pn.Row(self.entry_input, self.inspect_button, self.invalidate_entry_button, align="end"),
            self.entry_detail,
            self.cache_message,
            sizing_mode="stretch_width",
        )

    def refresh_cache(self) -> None:
        """Re-read the namespaces (and the selected namespace's entries) from the cache."""
        assert self.browser is not None
        self._last_cache_refresh = time.monotonic()
        infos = self.browser.namespaces()
        self.namespaces.object = html_table(
            ["namespace", "entries"],
            [[i.name, i.entries] for i in infos],
            "the cache is empty",
        )
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
        self.entries.object = html_table(
            ["id", "created", "hits", "last hit", "model", "prompt"],
            [[r.entry_id, r.created, r.hits, r.last_hit, r.model, r.prompt] for r in rows],
            "no entries in this namespace" if namespace else "pick a namespace",
        )

    def _report(self, text: str) -> None:
        self.cache_message.object = f"<i>{html.escape(text)}</i>"

    def _guarded(self, action: Callable[[], None]) -> None:
        assert self.browser is not None
        try:
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
            self.refresh_cache()

        self._guarded(run)

    def _search(self) -> None:
        def run() -> None:
            text = self.search_input.value_input or self.search_input.value
            if not text.strip():
                self._report("type some text to search for")
                return
            hits = self.browser.search(text, namespace=self.namespace_select.value or None)
            self.search_results.object = html_table(
                ["similarity", "id", "namespace", "prompt", "response"],
                [[f"{h.similarity:.3f}", h.entry_id, h.namespace, h.prompt, h.response] for h in hits],
                "no similar entry",
            )

        self._guarded(run)

    def _inspect(self) -> None:
        def run() -> None:
            entry_id = (self.entry_input.value_input or self.entry_input.value).strip()
            detail = self.browser.inspect(entry_id)
            if detail is None:
                self.entry_detail.object = f"<i>no entry {html.escape(entry_id)!s}</i>"
                return
            text = json.dumps(detail, indent=2, default=str, ensure_ascii=False)
            self.entry_detail.object = f'<pre class="pllm-entry">{html.escape(text)}</pre>'

        self._guarded(run)

    def _invalidate_entry(self) -> None:
        def run() -> None:
            entry_id = (self.entry_input.value_input or self.entry_input.value).strip()
            removed = self.browser.invalidate_entry(entry_id)
            self._report(f"entry {entry_id}: {'removed' if removed else 'not found'}")
            self.entry_detail.object = ""
            self.refresh_cache()

        self._guarded(run)

    def panel(self) -> pn.viewable.Viewable:
        """The Panel object to display or serve."""
        return self.layout
