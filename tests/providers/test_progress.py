"""The notebook progress bar for concurrent calls: counts from real engine events, drawn in place."""

from __future__ import annotations

import pytest

from pllm_notebook.engine import Orchestrator
from pllm_notebook.events import EventBus
from pllm_notebook.notebook.progress import CallProgress, ProgressDisplay


class Sink:
    """Where a display would draw: keeps every state shown and updated."""

    def __init__(self) -> None:
        self.shown: list[CallProgress] = []

    def __call__(self, obj: CallProgress) -> Sink:
        self.shown.append(obj)
        return self

    def update(self, obj: CallProgress) -> None:
        self.shown.append(obj)


@pytest.fixture
def offline_latency(monkeypatch):
    monkeypatch.setenv("PLLM_OFFLINE_LATENCY", "0.05")


def test_bar_counts_live_then_cached_calls(resume_dir, offline_latency):
    events = EventBus()
    sink = Sink()
    events.subscribe(ProgressDisplay(min_calls=2, refresh_s=0.0, show=sink))
    with Orchestrator(resume_dir, strategy="concurrent", event_bus=events) as orch:
        for i in range(6):
            orch.agent(f"a{i}").get_msg_state().ask_llm(f"q{i}")
    final = sink.shown[-1]
    assert (final.done, final.total, final.live, final.cached, final.errors) == (6, 6, 6, 0, 0)
    assert "6/6 calls done" in final._repr_html_() and "<progress" in final._repr_html_()
    assert [s.done for s in sink.shown] == sorted(s.done for s in sink.shown)


def test_no_bar_for_one_call_at_a_time(resume_dir, offline_latency):
    events = EventBus()
    sink = Sink()
    events.subscribe(ProgressDisplay(min_calls=2, show=sink))
    with Orchestrator(resume_dir, event_bus=events) as orch:
        for i in range(3):
            orch.agent("a").get_msg_state().ask_llm(f"q{i}")
    assert sink.shown == []


def test_cached_and_failed_calls_are_counted_apart():
    from pllm_notebook.events import LLMCallFinished, LLMCallStarted

    progress = CallProgress()
    for i in range(4):
        progress.count(LLMCallStarted(call_id=str(i)))
    progress.count(LLMCallFinished(call_id="0", source="live"))
    progress.count(LLMCallFinished(call_id="1", source="exact"))
    progress.count(LLMCallFinished(call_id="2", error="ProviderError: 500"))
    progress.count(LLMCallFinished(call_id="memo-1", source="memo"))
    assert (progress.done, progress.total, progress.live, progress.cached, progress.errors) == (4, 5, 1, 2, 1)
    assert not progress.finished
    progress.count(LLMCallFinished(call_id="3", source="semantic"))
    assert progress.finished and progress.text() == "5/5 calls done · 1 live · 3 cached · 1 errors"


@pytest.mark.slow
def test_bar_is_drawn_and_updated_in_a_real_kernel(resume_dir, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    code = f"""
import os
os.environ["PLLM_OFFLINE_LATENCY"] = "0.05"
from pllm_notebook.notebook.progress import enable_progress
import pllm_notebook as pllm
enable_progress(refresh_s=0.0)
orch = pllm.resume_directory({str(resume_dir)!r}, strategy="concurrent")
answers = [orch.agent(f"a{{i}}").get_msg_state().ask_llm(f"q{{i}}") for i in range(5)]
orch.resolve_all()
"""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = nb.cells[0].outputs
    bars = [o for o in outputs if o.get("output_type") == "display_data"]
    assert len(bars) == 1, outputs
    assert "5/5 calls done · 5 live" in bars[0]["data"]["text/html"]
