"""``%pllm_stats``: what memoized cells and the LLM cache saved, per cell and in total."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .session import NotebookSession

if TYPE_CHECKING:
    from ..engine import Stats

__all__ = ["StatsMagics", "StatsTable"]

_COLUMNS = (
    "cell",
    "memo hits",
    "memo misses",
    "live calls",
    "cached calls",
    "time saved (s)",
    "tokens saved",
    "saved ($)",
)


def _row(name: str, stats: Stats) -> tuple[str, ...]:
    return (
        name,
        str(stats.memo_hits),
        str(stats.memo_misses),
        str(stats.llm_calls),
        str(stats.calls_replayed + stats.cache_hits),
        f"{stats.time_saved_s:.2f}",
        str(stats.tokens_saved),
        f"{stats.cost_saved_usd:.4f}",
    )


class StatsTable:
    """Rows of counters; shown as an HTML table in a notebook and as aligned text in a terminal."""

    def __init__(self, rows: list[tuple[str, ...]], total: tuple[str, ...]) -> None:
        self.rows = rows
        self.total = total

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in _COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in self.rows
        )
        total = "".join(f"<td><b>{html.escape(v)}</b></td>" for v in self.total)
        return (
            f'<table class="pllm-stats"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}<tr>{total}</tr></tbody></table>"
        )

    def __repr__(self) -> str:
        table = [_COLUMNS, *self.rows, self.total]
        widths = [max(len(r[i]) for r in table) for i in range(len(_COLUMNS))]

        def line(row: tuple[str, ...]) -> str:
            first = row[0].ljust(widths[0])
            return "  ".join([first, *(v.rjust(w) for v, w in zip(row[1:], widths[1:], strict=True))])

        rule = "-" * len(line(_COLUMNS))
        return "\n".join([line(_COLUMNS), rule, *map(line, self.rows), rule, line(self.total)])


@magics_class
class StatsMagics(Magics):
    """The ``%pllm_stats`` line magic."""

    def __init__(self, shell: Any, session: NotebookSession) -> None:
        super().__init__(shell)
        self.session = session

    @line_magic
    @magic_arguments()
    @argument("--total", action="store_true", help="show only the totals row")
    def pllm_stats(self, line: str = "") -> StatsTable:
        """Show what this kernel's memoized cells and LLM calls did and saved, per cell and in total.

        There is a row for each ``%%memoize`` cell (and each Python ``agt.memoize()`` block); calls made
        outside them count in the total.

        Columns: memo hits and misses, live LLM calls (made and paid for), cached calls (answered from
        a stored run or the semantic cache), and the time, tokens and money the cached ones saved.
        The table is HTML in a notebook and text in a terminal; ``pllm.stats()`` gives the totals as
        a dataclass.
        """
        from ..api import default_orchestrator

        args = parse_argstring(self.pllm_stats, line)
        orch = default_orchestrator()
        rows = (
            []
            if args.total
            else [
                _row(self.session.titles.get(label, label), stats)
                for label, stats in orch.stats_by_label().items()
            ]
        )
        return StatsTable(rows, _row("total", orch.stats()))
