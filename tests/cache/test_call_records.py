"""One record of a call: the finished-call event carries the record the call log keeps, on disk as in memory."""

from __future__ import annotations

import pllm_notebook as pllm
from pllm_notebook.call_codec import ROW_FIELDS, call_from_columns, call_from_row, call_to_row
from pllm_notebook.events import LLMCallFinished


def run(directory, agent: str, prompt: str, events):
    """One script run that asks once; the LLMCallFinished it emitted, and the run's resume store."""
    start = len(events)
    with pllm.resume_directory(directory, semantic_cache=True) as orch:
        answer = orch.agent(agent).get_msg_state().ask_llm(prompt)
        [finished] = [e for e in events[start:] if isinstance(e, LLMCallFinished)]
        if finished.source != "memo":
            assert orch.store.call(answer.call_id) is finished.call is answer.resolve()
        store = orch.store
    store.flush()
    return finished, store


def on_disk(store, call_id: str):
    with store.db.connect() as con:
        [row] = con.execute(
            f"SELECT {', '.join(ROW_FIELDS)} FROM calls WHERE call_id = ?", [call_id]
        ).fetchall()
    return call_from_columns(row)


def test_the_finished_event_carries_the_record_the_store_keeps(resume_dir, events):
    live, _ = run(resume_dir, "a", "What is the capital of France?", events)
    hit, _ = run(resume_dir, "b", "What is the capital of France?", events)
    replay, store = run(resume_dir, "a", "What is the capital of France?", events)

    for event in (live, hit):
        assert call_to_row(on_disk(store, event.call_id)) == call_to_row(event.call)
        assert (event.source, event.input_tokens, event.cost_usd) == (
            event.call.source,
            event.call.input_tokens,
            event.call.cost_usd,
        )
    assert live.call.source == "live" and live.call.text
    assert (hit.call.source, hit.call.similarity, hit.call.text) == ("exact", 1.0, live.call.text)
    assert hit.call.entry_id and hit.call.request == live.call.request
    assert (replay.source, replay.call_id, replay.call.text) == ("memo", live.call_id, live.call.text)


def test_a_row_in_the_stored_format_reads_back_unchanged():
    row = {
        "call_id": "c1",
        "resume_key": "rk",
        "agent": "judge",
        "provider": "openai-chat",
        "model": "gpt-4o-mini",
        "request": {"messages": [{"role": "user", "content": "Is it positive?"}]},
        "response_text": '{"label": "positive"}',
        "response": {
            "source": "semantic",
            "similarity": 0.93,
            "entry_id": "e1",
            "parsed": {"label": "positive"},
            "parsed_type": "reviews:Verdict",
            "chunks": ['{"label": ', '"positive"}'],
            "tool_calls": [{"type": "tool_call", "name": "lookup"}],
            "cached_input_tokens": 4,
            "cell": "cell:a",
            "batch_id": "b1",
        },
        "input_tokens": 12,
        "output_tokens": 7,
        "latency_s": 1.25,
        "cost_usd": 0.002,
        "created": 1700000000.0,
    }
    call = call_from_row(row)
    assert (call.source, call.similarity, call.usage.cached_input_tokens) == ("semantic", 0.93, 4)
    assert call.extras == {"parsed_type": "reviews:Verdict", "cell": "cell:a", "batch_id": "b1"}
    assert call_to_row(call) == row
