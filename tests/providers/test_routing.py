"""Choosing a provider: ``multi`` routing by model name, ``register_provider``, OpenAI-compatible servers."""

from __future__ import annotations

import pytest

import pllm_notebook as pllm
from pllm_notebook.errors import ConfigError, MissingAPIKeyError, UnknownProviderError
from pllm_notebook.providers import LLMRequest, Provider, ProviderReply, provider_names
from pllm_notebook.providers.multi import route

from .conftest import FAST_RETRY, assert_no_secret


def test_route_by_model_name():
    assert route("gpt-4o-mini") == ("openai", "gpt-4o-mini")
    assert route("o4-mini") == ("openai", "o4-mini")
    assert route("claude-sonnet-4-5") == ("anthropic", "claude-sonnet-4-5")
    assert route("gemini-2.5-flash") == ("google", "gemini-2.5-flash")
    assert route("openai-chat/gpt-4o") == ("openai-chat", "gpt-4o")
    assert route("openai-compatible/qwen2.5:7b") == ("openai-compatible", "qwen2.5:7b")
    with pytest.raises(ConfigError, match="provider/model"):
        route("llama3.2")


def test_multi_sends_each_model_to_its_vendor(resume_dir, fake_factory, vendor_env):
    openai, anthropic, chat = fake_factory("openai"), fake_factory("anthropic"), fake_factory("openai-chat")
    vendors = {"openai": {"base_url": openai.url}, "anthropic": {"base_url": anthropic.url}}
    vendors["openai-chat"] = {"base_url": chat.url}
    with pllm.resume_directory(resume_dir, provider="multi", providers=vendors, **FAST_RETRY) as orch:
        conv = orch.agent("a").get_msg_state()
        first = conv.ask_llm("hi gpt")
        second = conv.ask_llm("hi claude", llm="claude-haiku-4-5")
        third = conv.ask_llm("hi chat", llm="openai-chat/gpt-4.1-mini")
        assert (first.provider, first.model) == ("openai", "gpt-4o-mini")
        assert (second.provider, second.model) == ("anthropic", "claude-haiku-4-5")
        assert (third.provider, third.model) == ("openai-chat", "gpt-4.1-mini")
        assert third.cost_usd > 0
    assert (openai.count, anthropic.count, chat.count) == (1, 1, 1)
    assert anthropic.seen[0].body["messages"][1] == {"role": "assistant", "content": first.final_answer}
    assert_no_secret(resume_dir)


def test_multi_checks_a_vendor_key_before_its_first_call(resume_dir, fake_factory, vendor_env, monkeypatch):
    anthropic = fake_factory("anthropic")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with (
        pllm.resume_directory(
            resume_dir, provider="multi", providers={"anthropic": {"base_url": anthropic.url}}
        ) as orch,
        pytest.raises(MissingAPIKeyError, match="ANTHROPIC_API_KEY"),
    ):
        orch.agent("a").get_msg_state().ask_llm("hi", llm="claude-haiku-4-5")
    assert anthropic.count == 0


class ShoutProvider(Provider):
    """A custom provider: answers in capitals."""

    name = "shout"
    default_model = "shout-1"

    def __init__(self, suffix: str = "!") -> None:
        self.suffix = suffix

    def complete(self, request: LLMRequest) -> ProviderReply:
        text = request.last_user_text.upper() + self.suffix
        return ProviderReply(text=text, model=request.model, input_tokens=3, output_tokens=2)


def test_register_provider_builds_it_with_the_options(resume_dir):
    pllm.register_provider("shout", ShoutProvider)
    try:
        assert "shout" in provider_names()
        with pllm.resume_directory(resume_dir, provider="shout", suffix="!!") as orch:
            answer = orch.agent("a").get_msg_state().ask_llm("hello")
            assert answer.final_answer == "HELLO!!" and answer.provider == "shout"
            streamed = orch.agent("b").get_msg_state().ask_llm("hey", stream=True)
            assert list(streamed) == ["HEY!!"]
        with pllm.resume_directory(resume_dir, provider="multi", default_model="shout/shout-1") as orch:
            assert orch.agent("c").get_msg_state().ask_llm("multi").final_answer == "MULTI!"
    finally:
        pllm.unregister_provider("shout")
    with pytest.raises(UnknownProviderError, match="register_provider"):
        pllm.resume_directory(resume_dir, provider="shout")


def test_openai_compatible_server_needs_no_key(resume_dir, fake_factory, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    local = fake_factory("openai-chat")
    with pllm.resume_directory(
        resume_dir, provider="openai-compatible", base_url=local.url, llm="llama3.2"
    ) as orch:
        conv = orch.agent("a").get_msg_state()
        answer = conv.ask_llm("hello local model")
        assert answer.model == "llama3.2" and answer.cost_usd == 0.0
        assert "".join(conv.ask_llm("and stream", stream=True)) == conv[-1].final_answer
    assert local.count == 2 and local.seen[0].body["model"] == "llama3.2"


def test_openai_compatible_says_what_is_missing(resume_dir, monkeypatch):
    monkeypatch.delenv("OPENAI_COMPATIBLE_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_COMPATIBLE_MODEL", raising=False)
    with pytest.raises(ConfigError, match="base_url"):
        pllm.resume_directory(resume_dir, provider="openai-compatible")
    with pytest.raises(ConfigError, match="llm="):
        pllm.resume_directory(resume_dir, provider="openai-compatible", base_url="http://127.0.0.1:9/v1")


def test_multi_checks_the_key_of_the_model_asked_for_at_its_first_live_call(
    resume_dir, fake_factory, vendor_env, monkeypatch
):
    anthropic = fake_factory("anthropic")
    monkeypatch.delenv("OPENAI_API_KEY")
    options = {"providers": {"anthropic": {"base_url": anthropic.url}}}
    with pllm.resume_directory(resume_dir, provider="multi", llm="claude-haiku-4-5", **options) as orch:
        assert orch.agent("a").get_msg_state().ask_llm("hi").provider == "anthropic"
    with (
        pllm.resume_directory(resume_dir / "other", provider="multi", llm="gpt-4.1", **options) as orch,
        pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"),
    ):
        orch.agent("a").get_msg_state().ask_llm("hi")
    with pytest.raises(ConfigError, match="cannot tell who serves"):
        pllm.resume_directory(resume_dir / "third", provider="multi", llm="mystery-model", **options)
