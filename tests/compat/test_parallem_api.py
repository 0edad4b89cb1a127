"""parallem's public names and behaviours under ``import pllm_notebook as pllm``."""

from __future__ import annotations

import contextlib
import json

import pytest

import pllm_notebook as pllm


def test_agent_context_is_what_orch_agent_yields(resume_dir):
    with pllm.resume_directory(resume_dir) as orch, orch.agent() as agt:
        assert isinstance(agt, pllm.AgentContext)
        assert pllm.AgentContext is pllm.Agent


def test_unnamed_agents_are_fresh_per_block_and_named_ones_persist(resume_dir):
    with pllm.resume_directory(resume_dir) as orch:
        with orch.agent() as a:
            a.get_msg_state().append("hello")
        with orch.agent() as b:
            assert b is not a and len(b.get_msg_state()) == 0
        assert (a.name, b.name) == ("agent-1", "agent-2")
        with orch.agent("writer") as w:
            w.get_msg_state().append("kept")
        assert orch.agent("writer") is w and len(w.get_msg_state()) == 1


def test_int_names_are_their_string(resume_dir):
    with pllm.resume_directory(resume_dir) as orch:
        assert orch.agent(3) is orch.agent("3")
        with pytest.raises(pllm.ConfigError, match="orch.agent\\(\\)"):
            orch.agent(2.5)


def test_agent_ask_llm_leaves_the_conversation_alone_and_resumes(resume_dir):
    def run():
        with pllm.resume_directory(resume_dir) as orch, orch.agent("a") as agt:
            conv = agt.get_msg_state()
            resp = agt.ask_llm(["Question one", ("assistant", "noted")], "and a follow-up")
            return resp.final_answer, resp.source, len(conv)

    first = run()
    second = run()
    assert first[1:] == ("live", 0)
    assert second == (first[0], "memo", 0)


def test_hash_by_empty_leaves_the_model_out_of_the_key(resume_dir):
    with pllm.resume_directory(resume_dir) as orch, orch.agent("a") as agt:
        agt.ask_llm("Same question", hash_by=[], llm="model-a")
    with pllm.resume_directory(resume_dir) as orch, orch.agent("a") as agt:
        assert agt.ask_llm("Same question", hash_by=[], llm="model-b").source == "memo"
        assert agt.ask_llm("Same question", hash_by=["llm"], llm="model-b").source == "live"
        with pytest.raises(pllm.ConfigError, match="hash_by takes options"):
            agt.ask_llm("x", hash_by=["model"])
        with pytest.raises(pllm.ConfigError, match="hash_by=\\['llm'\\]"):
            agt.ask_llm("x", hash_by="llm")


def test_ignore_cache_calls_again_and_rewrite_cache_is_accepted(resume_dir):
    def ask(**options):
        with pllm.resume_directory(resume_dir, **options) as orch, orch.agent("a") as agt:
            resp = agt.ask_llm("Name a power of 3.")
            return resp.final_answer, resp.source

    first = ask()
    fresh = ask(ignore_cache=True, rewrite_cache=True)
    assert fresh[1] == "live"
    assert ask() == (fresh[0], "memo")  # the fresh answer is the one later runs replay
    assert first[1] == "live"


def test_parallem_only_options_say_what_to_write(resume_dir):
    with pytest.raises(pllm.ConfigError, match="requests_per_minute"):
        pllm.resume_directory(resume_dir, throttler=object())
    with pytest.raises(pllm.ConfigError, match="max_concurrent"):
        pllm.resume_directory(resume_dir, tweaks={"max_concurrent": 4})


def test_agent_ask_params_says_what_to_write(resume_dir):
    with (
        pllm.resume_directory(resume_dir) as orch,
        pytest.raises(pllm.ConfigError, match="llm=... and hash_by"),
    ):
        orch.agent(ask_params={"llm": "gpt-5-nano"})


def test_final_json(resume_dir):
    with pllm.resume_directory(resume_dir) as orch, orch.agent("a") as agt:
        conv = agt.get_msg_state()
        resp = conv.ask_llm("Answer in JSON")
        expected = None
        with contextlib.suppress(json.JSONDecodeError):
            expected = json.loads(resp.final_answer)
        assert resp.final_json == expected
    from pllm_notebook.engine import LLMResponse, ResponseData, Usage

    def answer(text):
        return LLMResponse("x", ResponseData(text, "m", "p", Usage(), 0.0, 0.0, "live"))

    assert answer('{"a": [1, 2]}').final_json == {"a": [1, 2]}
    assert answer("not json").final_json is None


def test_message_state_save_and_load_with_a_path(resume_dir, tmp_path):
    path = tmp_path / "conv.json"
    with pllm.resume_directory(resume_dir) as orch, orch.agent("a") as agt:
        conv = agt.get_msg_state()
        conv.ask_llm("Hello")
        conv.append(("system", "be brief"))
        conv.save(path)
        saved = [str(x) if not isinstance(x, tuple) else x for x in conv]
    with pllm.resume_directory(tmp_path / "other") as orch, orch.agent("b") as agt:
        conv = agt.get_msg_state().load(path)
        assert [str(x) if not isinstance(x, tuple) else x for x in conv] == saved
        assert (
            isinstance(conv[1], pllm.LLMResponse)
            and conv[1].source == "memo"
            and conv[1].usage.input_tokens > 0
        )
        with pytest.raises(pllm.ConfigError, match="cannot keep a bytes item"):
            conv.append(b"\x89PNG")
            conv.save(path)
        with pytest.raises(FileNotFoundError, match="conv.save"):
            conv.load(tmp_path / "missing.json")


def test_userdata_is_restored_by_a_memo_hit(resume_dir):
    def run():
        with pllm.resume_directory(resume_dir) as orch, orch.agent("a") as agt:
            with agt.memoize() as mem:
                mem.begin()
                orch.userdata["best"] = agt.get_msg_state().ask_llm("Pick a number").final_answer
                orch.userdata["tries"] = {"n": 1}
            return dict(orch.userdata), orch.stats().memo_hits

    first, hits1 = run()
    second, hits2 = run()
    assert (hits1, hits2) == (0, 1)
    assert second == first and first["tries"] == {"n": 1}
