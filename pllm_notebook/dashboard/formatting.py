"""How a dashboard snapshot reads as text: headline figures, the terminal status line, the static table.

The Panel view, the terminal ``[DASH]`` line and the static HTML fallback all take their words and
numbers from here, so they always agree.
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass

from .model import FeedRow, Snapshot


@dataclass(frozen=True)
class Headline:
    """One headline figure: a stable key (the page's ``data-metric``), a caption and the value as shown."""

    key: str
    caption: str
    value: str


def _money(usd: float) -> str:
    return f"${usd:,.4f}" if usd < 1 else f"${usd:,.2f}"


def _seconds(s: float) -> str:
    return f"{s:,.1f} s" if s < 120 else f"{s / 60:,.1f} min"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def headlines(snap: Snapshot) -> list[Headline]:
    """The headline figures, in the order the page shows them."""
    t = snap.totals
    return [
        Headline("live_calls", "live LLM calls", f"{t.llm_calls:,}"),
        Headline("in_flight", "in flight", f"{snap.in_flight:,}"),
        Headline("memo_hits", "memo hits", f"{t.memo_hits:,}"),
        Headline("exact_hits", "exact cache hits", f"{t.exact_hits:,}"),
        Headline("semantic_hits", "semantic cache hits", f"{t.semantic_hits:,}"),
        Headline("misses", "misses", f"{t.memo_misses + t.cache_misses:,}"),
        Headline("hit_rate", "hit rate", percent(snap.hit_rate)),
        Headline("time_saved", "time saved", _seconds(t.time_saved_s)),
        Headline("tokens_spent", "tokens spent", f"{t.tokens_spent:,}"),
        Headline("tokens_saved", "tokens saved", f"{t.tokens_saved:,}"),
        Headline("cost_spent", "money spent", _money(t.cost_spent_usd)),
        Headline("cost_saved", "money saved", _money(t.cost_saved_usd)),
        *_budget_headlines(snap),
    ]


def _budget_headlines(snap: Snapshot) -> list[Headline]:
    """With an error budget: the measured wrong-hit rate, its 95% bound, and the checks behind them."""
    budget = snap.error_budget
    if budget is None:
        return []
    rate = "–" if budget.wrong_rate is None else f"{budget.wrong_rate:.1%}"
    return [
        Headline("wrong_hits", "wrong hits (95% bound)", f"{rate} ({budget.wrong_rate_upper:.1%})"),
        Headline(
            "budget_checks",
            "checks / verification calls",
            f"{budget.checks:,} / {budget.verification_calls:,}",
        ),
    ]


def status_line(snap: Snapshot) -> str:
    """One line for a terminal, like ``[DASH] live 3 (1 in flight) | memo hits 5 | ...``."""
    t = snap.totals
    return (
        f"[DASH] live {t.llm_calls} ({snap.in_flight} in flight) | memo hits {t.memo_hits} | "
        f"cache {t.exact_hits} exact, {t.semantic_hits} semantic | misses {t.memo_misses + t.cache_misses} | "
        f"hit rate {percent(snap.hit_rate)} | saved {_seconds(t.time_saved_s)}, {t.tokens_saved:,} tok, "
        f"{_money(t.cost_saved_usd)} | spent {t.tokens_spent:,} tok, {_money(t.cost_spent_usd)}"
    )


def feed_cells(row: FeedRow) -> dict[str, str]:
    """A feed row as the strings of its columns (the JS feed formats the same fields itself)."""
    kind = row.kind
    if row.similarity is not None and kind == "semantic hit":
        kind = f"{kind} ({row.similarity:.2f})"
    return {
        "time": time.strftime("%H:%M:%S", time.localtime(row.ts)),
        "agent": row.agent,
        "label": row.cell or row.label,
        "kind": kind,
        "model": row.model,
        "latency": "" if row.latency_s is None else f"{row.latency_s:.2f} s",
        "tokens": "" if row.tokens is None else f"{row.tokens:,}",
        "text": row.text,
    }


def _table(headers: list[str], rows: list[list[str]], css_class: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def static_html(snap: Snapshot, feed_rows: int = 20) -> str:
    """The dashboard as plain HTML tables, for front ends that cannot show widgets."""
    figures = _table(
        [h.caption for h in headlines(snap)], [[h.value for h in headlines(snap)]], "pllm-headlines"
    )
    columns = ["time", "agent", "label", "kind", "model", "latency", "tokens", "text"]
    feed = _table(columns, [list(feed_cells(r).values()) for r in snap.feed[:feed_rows]], "pllm-feed")
    cells = _table(list(CELL_COLUMNS), [list(r.values()) for r in cell_rows(snap)], "pllm-cells")
    return f'<div class="pllm-dashboard-static"><b>pllm dashboard</b>{figures}{feed}{cells}</div>'


CELL_COLUMNS = ("cell", "hits", "misses", "last miss reason", "time saved")


def cell_rows(snap: Snapshot) -> list[dict[str, str]]:
    """The per-cell table as strings, one dict per cell or memo block."""
    return [
        {
            "cell": c.label,
            "hits": str(c.hits),
            "misses": str(c.misses),
            "last miss reason": c.last_miss_reason,
            "time saved": _seconds(c.time_saved_s),
        }
        for c in snap.cells
    ]


FEED_SHOWN = 100
"""How many of the newest feed rows are sent to the page."""


def live_payload(snap: Snapshot, threshold: float | None, title: str) -> dict[str, object]:
    """What the page's live part (``js/dashboard.js``, kind ``live``) draws for ``snap``.

    ``threshold`` is the semantic cache's when the caller has one: the similarity histogram is drawn
    only then, or once the events showed a semantic lookup.
    """
    threshold = snap.threshold if snap.threshold is not None else threshold
    return {
        "title": title,
        "headlines": [{"key": h.key, "caption": h.caption, "value": h.value} for h in headlines(snap)],
        "now": time.time(),
        "saved": [[round(t, 3), round(s, 3), u] for t, s, u in snap.saved_series],
        "timeline": [[round(a, 3), None if b is None else round(b, 3), k] for a, b, k in snap.timeline],
        "semantic": threshold is not None or bool(snap.semantic_similarities or snap.miss_similarities),
        "similarities": list(snap.semantic_similarities),
        "miss_similarities": list(snap.miss_similarities),
        "threshold": threshold,
        "feed": [r.as_dict() for r in snap.feed[:FEED_SHOWN]],
        "limit": FEED_SHOWN,
        "cell_columns": list(CELL_COLUMNS),
        "cells": [list(r.values()) for r in cell_rows(snap)],
        "cell_row_ids": [c.row_id for c in snap.cells],
    }


def encode(payload: dict[str, object]) -> str:
    """A part's ``data``: one compact JSON string (an unchanged string is not sent again)."""
    return json.dumps(payload, default=str, separators=(",", ":"))
