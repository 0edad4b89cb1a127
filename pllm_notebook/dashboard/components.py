"""The dashboard's custom front-end part: a Panel ``JSComponent`` and its ES module.

The module ships inside the package (``frontend/dashboard.js``, so a wheel carries it); ``js/dashboard.js``
at the top of the source tree links to it, beside its ``node --test`` tests.

Python sets a part's data (feed rows, chart values, headline figures, table rows); Panel pushes the change
to the browser, where the module redraws. The browser never asks for data.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param

from . import ES_MODULE
from .details import DetailSource, detail_reply
from .formatting import encode

KINDS = ("live", "table", "text")


class Part(pn.custom.JSComponent):
    """One part of the dashboard drawn by ``js/dashboard.js``: ``kind`` says which, ``data`` what it shows.

    ``live`` is everything that moves with events (headline cards, charts, feed, per-cell table): one part,
    so one message per batch. ``data`` is one JSON string rather than nested lists and dicts: Bokeh walks
    nested values one by one on every change (about 15 ms for 200 feed rows, taken from the cell being
    watched), a string costs nothing, and an unchanged string is not sent at all.
    """

    kind = param.Selector(objects=list(KINDS), constant=True)
    data = param.String(default="{}", doc="What the part shows, as JSON (see js/dashboard.js).")

    _esm = ES_MODULE
    _details: DetailSource | None = None

    def answer_details(self, source: DetailSource) -> None:
        """Answer the page's clicks on feed rows with the row's detail from ``source``."""
        self._details = source

    def _handle_msg(self, data: Any) -> None:
        reply = detail_reply(data, self._details) if self._details is not None else None
        if reply is not None:
            self._send_msg(reply)

    def show(self, **payload: Any) -> None:
        """Push ``payload`` to the page (nothing is sent if it did not change)."""
        self.data = encode(payload)
