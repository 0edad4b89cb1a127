"""The dashboard model follows a stream of events: counts, feed order, in-flight calls that finish."""

from __future__ import annotations

import io
import threading

import pllm_notebook as pllm
from pllm_notebook.dashboard.attach import attach_dashboard
from pllm_notebook.dashboard.formatting import headlines, static_html, status_line
from pllm_notebook.dashboard.model import DashboardModel
from pllm_notebook.dashboard.status_line import StatusLine
from pllm_notebook.events import (
    AgentMessage,
    CacheLookup,
    EventBus,
    LLMCallFinished,
    LLMCallStarted,
    MemoHit,
    MemoMiss,
    MemoStored,
)

DIR = "/tmp/some/.pllm"


def _model(**kw) -> tuple[DashboardModel, EventBus]:
    event_bus = EventBus()
    return DashboardModel(DIR, event_bus=event_bus, **kw).start(), event_bus


def test_counts_feed_order_and_in_flight_to_done() -> None:
    model, event_bus = _model()
    try:
        emit = event_bus.emit
        emit(MemoMiss(key="k1", label="cell 1", agent="writer", reason="new", directory=DIR))
        emit(
            LLMCallStarted(
                call_id="c1", agent="writer", label="cell 1", model="m", prompt="Explain X", directory=DIR
            )
        )
        emit(
            LLMCallStarted(
                call_id="c2", agent="writer", label="cell 1", model="m", prompt="Explain Y", directory=DIR
            )
        )
        snap = model.flush()
        assert snap.in_flight == 2
        assert [r.kind for r in snap.feed] == ["in flight", "in flight", "memo miss"]
        assert snap.feed[0].text == "Explain Y"

        emit(
            LLMCallFinished(
                call_id="c1",
                model="m",
                source="live",
                latency_s=0.5,
                input_tokens=10,
                output_tokens=5,
                cost_usd=0.01,
                label="cell 1",
                directory=DIR,
            )
        )
        emit(
            LLMCallFinished(
                call_id="c2", model="m", error="TimeoutError: slow", label="cell 1", directory=DIR
            )
        )
        emit(MemoStored(key="k1", label="cell 1", agent="writer", duration_s=1.5, directory=DIR))
        emit(
            MemoHit(
                key="k1", label="cell 1", agent="writer", time_saved_s=1.5, tokens_saved=15, directory=DIR
            )
        )
        emit(AgentMessage(agent="writer", text="all done", directory=DIR))
        emit(MemoHit(key="other", label="cell 9", directory="/elsewhere"))
        snap = model.flush()
    finally:
        model.close()
    assert snap.in_flight == 0
    assert [r.kind for r in snap.feed] == ["message", "memo hit", "error", "done", "memo miss"]
    done = snap.feed[3]
    assert (done.text, done.tokens, done.latency_s) == ("Explain X", 15, 0.5)
    assert "TimeoutError" in snap.feed[2].text
    assert snap.feed[4].text == "new; ran and stored"
    t = snap.totals
    assert (t.llm_calls, t.memo_hits, t.memo_misses, t.errors, t.tokens_spent) == (1, 1, 1, 1, 15)
    assert snap.hit_rate == 1 / 3
    assert [(c.label, c.hits, c.misses, c.last_miss_reason) for c in snap.cells] == [("cell 1", 1, 1, "new")]


def test_semantic_hits_feed_the_histogram_and_show_their_similarity() -> None:
    model, event_bus = _model()
    try:
        event_bus.emit(LLMCallStarted(call_id="c1", model="m", prompt="What is DuckDB?", directory=DIR))
        event_bus.emit(
            CacheLookup(outcome="semantic", similarity=0.93, threshold=0.9, model="m", directory=DIR)
        )
        event_bus.emit(
            LLMCallFinished(call_id="c1", model="m", source="semantic", similarity=0.93, directory=DIR)
        )
        event_bus.emit(
            CacheLookup(outcome="miss", similarity=0.71, threshold=0.9, prompt="unrelated", directory=DIR)
        )
        event_bus.emit(
            CacheLookup(outcome="exact", similarity=1.0, threshold=0.9, prompt="again", directory=DIR)
        )
        snap = model.flush()
    finally:
        model.close()
    assert [r.kind for r in snap.feed] == ["exact hit", "cache miss", "semantic hit"]
    assert snap.feed[2].similarity == 0.93
    assert snap.semantic_similarities == (0.93,)
    assert snap.miss_similarities == (0.71, 1.0) or snap.miss_similarities == (0.71,)
    assert snap.threshold == 0.9
    assert (snap.totals.semantic_hits, snap.totals.exact_hits, snap.totals.cache_misses) == (1, 1, 1)


def test_the_bus_never_waits_for_a_slow_listener() -> None:
    model, event_bus = _model(interval_s=0.01)
    entered, release = threading.Event(), threading.Event()
    threads: list[str] = []

    def stuck_listener(snap) -> None:
        threads.append(threading.current_thread().name)
        entered.set()
        release.wait(60)

    model.add_listener(stuck_listener)
    try:
        event_bus.emit(MemoHit(key="first", label="cell", directory=DIR))
        assert entered.wait(30), "the model thread never delivered the first batch"
        for i in range(2000):  # the listener is stuck: each emit only queues and returns
            event_bus.emit(MemoHit(key=str(i), label="cell", directory=DIR))
    finally:
        release.set()
        model.close()
    assert threads[0] == "pllm-dashboard"
    assert model.snapshot.totals.memo_hits == 2001


def test_feed_is_bounded_and_secrets_never_shown() -> None:
    model, event_bus = _model(feed_size=5)
    try:
        for i in range(20):
            event_bus.emit(
                LLMCallStarted(call_id=str(i), prompt=f"use key sk-{'a' * 40} please {i}", directory=DIR)
            )
        snap = model.flush()
    finally:
        model.close()
    assert len(snap.feed) == 5
    assert snap.feed[0].text.endswith("please 19")
    assert all("aaaaaaaaaaaa" not in r.text for r in snap.feed)
    assert "aaaaaaaaaaaa" not in static_html(snap)


def test_real_engine_memo_hits_reach_the_dashboard_and_the_status_line(resume_dir) -> None:
    def run() -> None:
        orch = pllm.resume_directory(resume_dir)
        with orch:
            dash = attach_dashboard(orch, mode="terminal")
            out = io.StringIO()
            dash.model.add_listener(StatusLine(out))
            agt = orch.agent("writer")
            with agt.memoize(salt="s") as mem:
                mem.begin()
                agt.get_msg_state().ask_llm("Name three prime numbers")
        return dash, out

    first, _ = run()
    second, out = run()
    snap = second.model.flush()
    assert first.model.flush().totals.llm_calls == 1
    assert (snap.totals.memo_hits, snap.totals.llm_calls) == (1, 0)
    assert snap.feed[0].kind == "memo hit"
    assert snap.cells[0].hits == 1
    assert "memo hits 1" in status_line(snap)
    assert out.getvalue().startswith("[DASH]")
    assert "<table" in static_html(snap)


def test_a_burst_keeps_in_flight_calls_right_and_the_newest_rows() -> None:
    model, event_bus = _model(feed_size=10)
    try:
        for i in range(50):
            event_bus.emit(LLMCallStarted(call_id=f"c{i}", prompt=f"q{i}", directory=DIR))
        for i in range(0, 50, 2):
            event_bus.emit(LLMCallFinished(call_id=f"c{i}", source="live", directory=DIR))
        snap = model.flush()
    finally:
        model.close()
    assert snap.in_flight == 25
    assert len(snap.feed) == 10
    assert snap.totals.llm_calls == 25


def test_totals_can_come_from_the_orchestrator_counters(resume_dir) -> None:
    from pllm_notebook.dashboard.attach import new_model

    with pllm.resume_directory(resume_dir) as orch:
        model = new_model(orch).start()
        try:
            orch.agent("writer").get_msg_state().ask_llm("Name a colour")
            snap = model.flush()
        finally:
            model.close()
        assert snap.totals == orch.stats()
    assert [r.kind for r in snap.feed] == ["done"]


def test_a_stale_views_comm_messages_leave_no_text_in_cell_output(caplog) -> None:
    """After a restart, the page's old views message the new kernel; the ``comm`` package's warning
    would reach the running cell's output through Python's last-resort handler."""
    import logging

    from comm.base_comm import CommManager

    from pllm_notebook.dashboard.magics import hide_stale_comm_warnings

    hide_stale_comm_warnings()
    hide_stale_comm_warnings()  # idempotent
    CommManager().comm_msg(None, None, {"content": {"comm_id": "from-the-old-kernel", "data": {}}})
    logging.getLogger("Comm").warning("something else")
    logged = [r.getMessage() for r in caplog.records]
    assert logged == ["something else"]


def test_an_error_budget_shows_its_measured_wrong_hits_bound_and_checks() -> None:
    model, event_bus = _model()
    try:
        lookup = dict(prompt="q", directory=DIR, threshold=0.8)
        event_bus.emit(CacheLookup(outcome="exact", namespace="plain", **lookup))
        assert "wrong_hits" not in [h.key for h in headlines(model.flush())], "no budget, no budget figures"
        event_bus.emit(
            CacheLookup(
                outcome="miss",
                namespace="a",
                verification=True,
                wrong_rate=0.01,
                wrong_rate_upper=0.04,
                checks=31,
                **lookup,
            )
        )
        event_bus.emit(
            CacheLookup(
                outcome="semantic",
                namespace="b",
                similarity=0.9,
                wrong_rate=None,
                wrong_rate_upper=0.09,
                checks=12,
                **lookup,
            )
        )
        shown = {h.key: h.value for h in headlines(model.flush())}
        assert shown["wrong_hits"] == "– (9.0%)", "the partition closest to its budget is the one shown"
        assert shown["budget_checks"] == "12 / 1"
    finally:
        model.close()
