"""The dashboard's custom front-end parts: Panel ``JSComponent`` classes whose ES modules live in ``js/``.

Python sets the parameters (the feed rows, the chart values); Panel pushes the change to the browser,
where the module redraws. The browser never asks for data.
"""

from __future__ import annotations

from pathlib import Path

import panel as pn
import param

JS_DIR = Path(__file__).resolve().parents[2] / "js"
"""Where the ES modules are: ``js/`` at the top of the source tree (tested there with ``node --test js/``)."""


def _module(name: str) -> Path:
    path = JS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"the dashboard's front-end module {path} is missing; install pllm_notebook from its source tree "
            "(pip install -e .) so that js/ is next to the package"
        )
    return path


class ActivityFeed(pn.custom.JSComponent):
    """The activity feed: one row per event, newest first; in-flight calls change kind when they end."""

    rows = param.List(default=[], doc="Feed rows (FeedRow.as_dict()), newest first.")
    limit = param.Integer(default=200, bounds=(1, None), doc="How many rows the table shows.")

    _esm = _module("activity_feed.js")


class Chart(pn.custom.JSComponent):
    """A small SVG chart: the hit-rate ``sparkline`` or the similarity ``histogram`` with its threshold."""

    kind = param.Selector(default="sparkline", objects=["sparkline", "histogram"])
    values = param.List(default=[], doc="Sparkline points in [0, 1], or the similarities of semantic hits.")
    other_values = param.List(default=[], doc="Histogram only: best similarities of lookups that missed.")
    threshold = param.Number(default=None, allow_None=True, doc="Histogram only: the cache's threshold.")
    caption = param.String(default="")

    _esm = _module("charts.js")
