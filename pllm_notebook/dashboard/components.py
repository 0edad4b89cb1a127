"""The dashboard's custom front-end parts: Panel ``JSComponent`` classes whose ES modules live in ``js/``.

Python sets the parameters (the feed rows, the chart values); Panel pushes the change to the browser,
where the module redraws. The browser never asks for data.
"""

from __future__ import annotations

from pathlib import Path

import panel as pn
import param

JS_DIR = Path(__file__).resolve().parents[2] / "js"
"""Where the ES module is: ``js/`` at the top of the source tree (tested there with ``node --test js/``)."""


def _module(name: str) -> Path:
    path = JS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"the dashboard's front-end module {path} is missing; install pllm_notebook from its source tree "
            "(pip install -e .) so that js/ is next to the package"
        )
    return path


class _DashboardComponent(pn.custom.JSComponent):
    """A part of the dashboard drawn by ``js/dashboard.js``; ``kind`` says which part."""

    kind = param.String(constant=True)

    _esm = _module("dashboard.js")


class ActivityFeed(_DashboardComponent):
    """The activity feed: one row per event, newest first; in-flight calls change kind when they end."""

    kind = param.String(default="feed", constant=True)
    rows = param.List(default=[], doc="Feed rows (FeedRow.as_dict()), newest first.")
    limit = param.Integer(default=200, bounds=(1, None), doc="How many rows the table shows.")


class Chart(_DashboardComponent):
    """A small SVG chart: the hit-rate ``sparkline`` or the similarity ``histogram`` with its threshold."""

    kind = param.Selector(default="sparkline", objects=["sparkline", "histogram"], constant=True)
    values = param.List(default=[], doc="Sparkline points in [0, 1], or the similarities of semantic hits.")
    other_values = param.List(default=[], doc="Histogram only: best similarities of lookups that missed.")
    threshold = param.Number(default=None, allow_None=True, doc="Histogram only: the cache's threshold.")
    caption = param.String(default="")


class Block(_DashboardComponent):
    """Headline ``cards``, a ``table`` or preformatted ``text``, redrawn from data (never from HTML)."""

    kind = param.Selector(default="table", objects=["cards", "table", "text"], constant=True)
    items = param.List(default=[], doc="cards: dicts with key, caption and value.")
    columns = param.List(default=[], doc="table: column titles.")
    rows = param.List(default=[], doc="table: rows, each a list of cell strings.")
    empty = param.String(default="nothing yet", doc="table: shown when there are no rows.")
    text = param.String(default="", doc="text: shown preformatted.")
