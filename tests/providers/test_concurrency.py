"""The concurrent strategy against a real SDK and a fake server: order, replay, errors, throttle, streams."""

from __future__ import annotations

import time

import pytest

from pllm_notebook.engine import Orchestrator
from pllm_notebook.errors import ProviderError

from .conftest import FAST_RETRY


def open_concurrent(path, fake, **options):
    return Orchestrator(
        path,
        provider="openai-chat",
        strategy="concurrent",
        provider_options={"base_url": fake.url, **FAST_RETRY},
        **options,
    )


def test_calls_run_in_parallel_and_resolve_on_read(resume_dir, fake_factory, vendor_env):
    fake = fake_factory("openai-chat", latency_s=0.3)
    with open_concurrent(resume_dir, fake, max_concurrent=8) as orch:
        answers = [orch.agent(f"a{i}").get_msg_state().ask_llm(f"question {i}") for i in range(8)]
        assert not all(a.done for a in answers)
        orch.resolve_all()
        assert all(a.done for a in answers)
        for i, answer in enumerate(answers):
            assert f"question {i}" in answer.final_answer
    assert fake.count == 8


def test_recording_keeps_message_order_and_replays_it(resume_dir, fake_factory, vendor_env):
    fake = fake_factory("openai-chat", latency_s=0.05)
    with open_concurrent(resume_dir, fake) as orch, orch.recording() as log:
        for i in range(6):
            conv = orch.agent(f"w{i % 2}").get_msg_state()
            conv.ask_llm(f"step {i}")
        orch.resolve_all()
        ops = list(log.ops)
        first = {name: [str(x) for x in orch.agent(name).get_msg_state()] for name in ("w0", "w1")}
    assert first["w0"][0] == "step 0" and first["w0"][2] == "step 2" and "step 2" in first["w0"][3]
    with Orchestrator(resume_dir / "elsewhere") as other:
        other.replay(ops)
        assert {n: [str(x) for x in other.agent(n).get_msg_state()] for n in ("w0", "w1")} == first
    with open_concurrent(resume_dir, fake) as orch:
        again = [orch.agent(f"w{i % 2}").get_msg_state().ask_llm(f"step {i}") for i in range(6)]
        assert [a.source for a in again] == ["memo"] * 6
        assert {n: [str(x) for x in orch.agent(n).get_msg_state()] for n in ("w0", "w1")} == first
    assert fake.count == 6


def test_memo_block_with_concurrent_calls_replays_in_order(resume_dir, fake_factory, vendor_env):
    fake = fake_factory("openai-chat", latency_s=0.05)

    def run() -> list[str]:
        with open_concurrent(resume_dir, fake) as orch, orch.agent("a") as agt:
            conv = agt.get_msg_state()
            with agt.memoize("s") as mem:
                mem.begin()
                for i in range(3):
                    conv.ask_llm(f"part {i}")
            return [str(x) for x in conv]

    first = run()
    assert run() == first and fake.count == 3


def test_errors_surface_when_the_answer_is_read(resume_dir, fake_factory, vendor_env):
    fake = fake_factory("openai-chat")
    fake.script = [400, 400]
    orch = open_concurrent(resume_dir, fake)
    bad = [orch.agent(f"a{i}").get_msg_state().ask_llm("hello") for i in range(2)]
    with pytest.raises(ProviderError, match="400"):
        bad[0].final_answer  # noqa: B018
    with pytest.raises(ProviderError, match="400"):
        orch.resolve_all()
    orch.close()
    with open_concurrent(resume_dir, fake) as orch:
        assert orch.agent("a0").get_msg_state().ask_llm("hello").source == "live"
    assert fake.count == 3


def test_requests_per_minute_spaces_live_calls(resume_dir, fake_factory, vendor_env):
    fake = fake_factory("openai-chat")
    started = time.monotonic()
    with open_concurrent(resume_dir, fake, requests_per_minute=600) as orch:
        for i in range(4):
            orch.agent(f"a{i}").get_msg_state().ask_llm("hi")
    assert fake.count == 4
    assert time.monotonic() - started >= 3 * 0.1 - 0.01, "4 calls at 600/min need at least 0.3 s"


def test_concurrent_stream_yields_while_other_calls_run(resume_dir, fake_factory, vendor_env):
    fake = fake_factory("openai-chat", latency_s=0.05)
    with open_concurrent(resume_dir, fake) as orch:
        streams = [orch.agent(f"s{i}").get_msg_state().ask_llm(f"story {i}", stream=True) for i in range(3)]
        for i, stream in enumerate(streams):
            assert "".join(stream) == stream.final_answer and f"story {i}" in stream.final_answer
    with open_concurrent(resume_dir, fake) as orch:
        replayed = [orch.agent(f"s{i}").get_msg_state().ask_llm(f"story {i}", stream=True) for i in range(3)]
        assert [list(r) for r in replayed] == [list(s.chunks) for s in streams]
    assert fake.count == 3


def test_bad_throttle_setting_is_refused(resume_dir):
    from pllm_notebook.errors import ConfigError

    with pytest.raises(ConfigError, match="requests_per_minute"):
        Orchestrator(resume_dir, requests_per_minute=0)
