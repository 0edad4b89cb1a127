"""What the dashboard's model hands the page: cells named as people know them, a clicked row's redacted
detail, the time and money saved over the session, and one timeline bar per call."""

from __future__ import annotations

import json
from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell

from pllm_notebook.dashboard.attach import new_model
from pllm_notebook.dashboard.details import detail_reply, detail_source
from pllm_notebook.dashboard.follower import DirectoryFollower
from pllm_notebook.dashboard.formatting import live_payload
from pllm_notebook.dashboard.model import SERIES_SIZE, DashboardModel
from pllm_notebook.events import (
    AgentMessage,
    CacheLookup,
    CellStarted,
    EventBus,
    LLMCallFinished,
    LLMCallStarted,
    MemoHit,
    MemoMiss,
)
from pllm_notebook.notebook.session import cell_title
from pllm_notebook.store import CallRecord

SECRET = "sk-proj-planted7f3a9c1e5b2d4e6f"  # shaped like an OpenAI key


def run(shell: InteractiveShell, source: str, cell_id: str | None = None) -> int:
    """Run ``source`` as the next cell (of notebook cell ``cell_id``); returns its ``In [n]``."""
    count = shell.execution_count
    result = shell.run_cell(source, store_history=True, cell_id=cell_id)
    if result.error_in_exec is not None:
        raise result.error_in_exec
    return count


def test_cell_titles_are_the_first_comment_or_first_line() -> None:
    assert cell_title("# load the data\nimport pandas as pd\ndf = pd.read_csv('x')") == "load the data"
    assert cell_title("%%memoize salt=1\nimport os\nrows = load(3)\n# tidy up") == "rows = load(3)"
    assert cell_title("import os") == "import os"
    assert cell_title("x = 1  # set x\n# a note") == "x = 1  # set x"
    assert cell_title("") == ""
    assert len(cell_title("y = '" + "a" * 100 + "'")) == 60


def test_rows_name_their_cell_and_open_a_redacted_detail(shell: InteractiveShell, tmp_path: Path) -> None:
    shell.run_line_magic("pllm_config", f"dir={tmp_path / '.pllm'}")
    from pllm_notebook.api import default_orchestrator

    orch = default_orchestrator()
    model = new_model(orch).start()
    try:
        ask = run(
            shell,
            "# ask about rivers\n"
            f"reply = pllm.agent('w').get_msg_state().ask_llm('Name a river, key {SECRET}',\n"
            f"    extra_headers={{'Authorization': 'Bearer {SECRET}'}})\n"
            "reply.final_answer",
        )
        run(shell, "n = 1")
        first = run(shell, "%%memoize salt=1\n# square it\nsquare = n * n", "square")
        run(shell, "n = 2")
        second = run(shell, "%%memoize salt=1\n# square it\nsquare = n * n", "square")
        snap = model.flush()
    finally:
        model.close()

    call = next(r for r in snap.feed if r.kind == "done")
    assert call.cell == f"In [{ask}] ask about rivers"
    misses = [r for r in snap.feed if r.kind == "memo miss"]
    assert [r.cell for r in misses] == [f"In [{second}] square it", f"In [{first}] square it"]
    assert [c.label for c in snap.cells] == [f"In [{second}] square it"]
    assert snap.cells[0].misses == 2
    assert snap.cells[0].row_id == misses[0].row_id  # a click on the cell opens its newest memo row

    # the standalone view reads the same names from the directory's activity log
    orch.store.flush()
    follower = DirectoryFollower(orch.directory, DashboardModel(str(orch.directory)))
    follower.poll()
    assert [c.label for c in follower.model.snapshot.cells] == [f"In [{second}] square it"]

    details = detail_source(model, orch.store)
    detail = details(call.row_id)
    fields = dict(detail["fields"])
    record = orch.store.call(call.ref)
    assert fields["source"].startswith("live")
    assert fields["provider / model"] == f"offline / {record.model}"
    assert fields["tokens"] == f"{record.input_tokens:,} in, {record.output_tokens:,} out"
    assert fields["cost"] == f"${record.cost_usd:,.6f}" and record.cost_usd > 0
    assert fields["latency"].endswith(" s")
    assert fields["cell / block"] == f"In [{ask}] ask about rivers"
    sections = dict(detail["sections"])
    assert sections["prompt"] == "user: Name a river, key [REDACTED]"
    assert sections["answer"] == record.response_text
    assert "[REDACTED]" in fields["parameters"]

    detail = details(misses[0].row_id)
    fields = dict(detail["fields"])
    assert fields["why it missed"] == "input 'n' changed"
    assert fields["title"] == "square it"
    inputs = dict(detail["inputs"])
    assert len(inputs["input n"]) == 12
    assert inputs["salt"] == "'1'"
    assert dict(details(misses[1].row_id)["fields"])["why it missed"] == "new cell"

    # a call stored raw (before a pattern existed, or by another tool): redacted on the way to the page
    orch.store.put_call(
        CallRecord(
            call_id="raw",
            resume_key=None,
            agent="w",
            provider="offline",
            model="m",
            request={"messages": [{"role": "user", "content": f"use {SECRET}"}], "params": {}},
            text=f"the key was {SECRET}",
        )
    )
    raw = DashboardModel(str(orch.directory), event_bus=EventBus())
    raw.apply([LLMCallFinished(call_id="raw", source="live", directory=str(orch.directory))])
    (row,) = raw.snapshot.feed
    reply = detail_reply({"event": "detail", "row": row.row_id}, detail_source(raw, orch.store))
    assert dict(reply["detail"]["sections"]) == {
        "prompt": "user: use [REDACTED]",
        "answer": "the key was [REDACTED]",
    }
    for shown in (reply, details(call.row_id), details(misses[0].row_id), live_payload(snap, None, "t")):
        assert SECRET not in json.dumps(shown)
    assert detail_reply({"event": "rendered"}, details) is None
    assert detail_reply({"event": "detail", "row": "x"}, details) is None
    assert dict(detail_reply({"event": "detail", "row": 10**9}, details)["detail"]["fields"])[""].startswith(
        "this row is no longer"
    )


def test_saved_series_timeline_and_when_the_similarity_chart_shows() -> None:
    model = DashboardModel("/d", event_bus=EventBus())
    model.apply(
        [
            LLMCallStarted(call_id="a", ts=100.0, directory="/d"),
            LLMCallStarted(call_id="b", ts=100.5, directory="/d"),
            LLMCallFinished(call_id="a", ts=101.0, latency_s=1.0, directory="/d"),
        ]
    )
    assert model.snapshot.timeline == ((100.0, 101.0, "done"), (100.5, None, "in flight"))
    model.apply(
        [
            LLMCallFinished(call_id="b", ts=103.5, latency_s=3.0, source="exact", directory="/d"),
            MemoHit(key="k", label="l", ts=104.0, time_saved_s=2.0, cost_saved_usd=0.01, directory="/d"),
            CellStarted(label="cell:x", title="replay it", execution_count=3, ts=104.5, directory="/d"),
            # a replayed call has no start event: it began its latency before it ended, in the running cell
            LLMCallFinished(call_id="c", ts=105.0, latency_s=0.25, source="memo", directory="/d"),
        ]
    )
    model.apply(
        [MemoHit(key="k", label="l", ts=106.0, time_saved_s=3.0, cost_saved_usd=0.02, directory="/d")]
    )
    snap = model.snapshot
    assert snap.timeline[1:] == ((100.5, 103.5, "exact hit"), (104.75, 105.0, "replayed"))
    assert [(r.kind, r.cell) for r in snap.feed if r.ref in ("a", "b", "c")] == [
        ("replayed", "In [3] replay it"),
        ("exact hit", ""),
        ("done", ""),
    ]
    # one point per saving, however the events were batched: the memo hits and the replayed call
    assert [(t, round(s, 6), round(u, 6)) for t, s, u in snap.saved_series] == [
        (101.0, 0.0, 0.0),
        (104.0, 2.0, 0.01),
        (105.0, 2.25, 0.01),
        (106.0, 5.25, 0.03),
    ]
    payload = live_payload(snap, None, "t")
    assert payload["semantic"] is False and len(payload["timeline"]) == 3
    assert live_payload(snap, 0.9, "t")["semantic"] is True  # the notebook's cache is on
    model.apply([CacheLookup(outcome="miss", similarity=0.7, threshold=0.85, directory="/d")])
    assert live_payload(model.snapshot, None, "t")["semantic"] is True  # the directory's events show one


def test_a_long_session_keeps_the_shape_of_its_whole_saved_series() -> None:
    model = DashboardModel("/d", event_bus=EventBus())
    hits = [
        MemoHit(key="k", label="l", ts=float(i), time_saved_s=1.0, directory="/d") for i in range(1, 1001)
    ]
    series = model.apply(hits).saved_series
    assert len(series) <= SERIES_SIZE
    assert series[0] == (1.0, 1.0, 0.0) and series[-1] == (1000.0, 1000.0, 0.0)
    gaps = {b[0] - a[0] for a, b in zip(series[:-2], series[1:-1], strict=True)}
    assert len(series) > SERIES_SIZE / 2 and max(gaps) <= 2 * min(gaps), gaps  # thinned evenly


def test_a_cells_newest_memo_row_opens_after_it_left_the_feed() -> None:
    model = DashboardModel("/d", event_bus=EventBus(), feed_size=2)
    model.apply([MemoMiss(key="k", label="cell:a", reason="input 'n' changed", directory="/d")])
    model.apply([AgentMessage(agent="w", text=f"note {i}", directory="/d") for i in range(3)])
    (cell,) = model.snapshot.cells
    assert all(r.row_id != cell.row_id for r in model.snapshot.feed)
    assert model.row(cell.row_id).reason == "input 'n' changed"
