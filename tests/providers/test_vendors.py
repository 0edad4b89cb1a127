"""Each vendor adapter, through the real SDK, against a fake server speaking that vendor's wire protocol."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

import pllm_notebook as pllm
from pllm_notebook.errors import MissingAPIKeyError, ProviderError
from pllm_notebook.providers import cost_usd

from .conftest import FAST_RETRY, KEY_ENV, assert_no_secret


class Person(BaseModel):
    name: str
    age: int


def open_dir(path, protocol, fake, **options):
    return pllm.resume_directory(path, provider=protocol, base_url=fake.url, **FAST_RETRY, **options)


def test_live_call_then_rerun_makes_no_request(resume_dir, protocol, fake, vendor_env):
    with open_dir(resume_dir, protocol, fake) as orch:
        conv = orch.agent("writer").get_msg_state()
        answer = conv.ask_llm("Name a prime number", instructions="Answer briefly.")
        assert answer.source == "live"
        assert "Name a prime number" in answer.final_answer
        assert answer.usage.input_tokens == 12 and answer.usage.cached_input_tokens == 4
        assert answer.cost_usd == pytest.approx(
            cost_usd(answer.model, 12, answer.usage.output_tokens, cached_input_tokens=4)
        )
        assert answer.cost_usd > 0
        assert orch.stats().cost_spent_usd == pytest.approx(answer.cost_usd)
    assert fake.count == 1
    with open_dir(resume_dir, protocol, fake) as orch:
        again = (
            orch.agent("writer")
            .get_msg_state()
            .ask_llm("Name a prime number", instructions="Answer briefly.")
        )
        assert again.source == "memo"
        assert again.final_answer == answer.final_answer
        assert orch.stats().cost_saved_usd == pytest.approx(answer.cost_usd)
    assert fake.count == 1
    assert_no_secret(resume_dir)


def test_memo_block_replays_without_a_request(resume_dir, protocol, fake, vendor_env):
    def run() -> list[str]:
        with open_dir(resume_dir, protocol, fake) as orch, orch.agent("a") as agt:
            conv = agt.get_msg_state()
            with agt.memoize("v1") as mem:
                mem.begin()
                conv.ask_llm("first question")
                conv.ask_llm("second question")
            return [str(x) for x in conv]

    first = run()
    assert fake.count == 2
    assert run() == first
    assert fake.count == 2
    assert_no_secret(resume_dir)


def test_rate_limit_is_retried_then_succeeds(resume_dir, protocol, fake, vendor_env):
    fake.script = [429]
    with open_dir(resume_dir, protocol, fake) as orch:
        answer = orch.agent("a").get_msg_state().ask_llm("hello")
        assert answer.source == "live" and "hello" in answer.final_answer
    assert fake.count == 2


def test_server_errors_exhaust_retries_and_store_nothing(resume_dir, protocol, fake, vendor_env):
    fake.script = [500, 500, 500]
    with open_dir(resume_dir, protocol, fake, max_retries=2) as orch:
        conv = orch.agent("a").get_msg_state()
        with pytest.raises(ProviderError, match="fake server_error") as info:
            conv.ask_llm("hello")
        assert info.value.status == 500 and info.value.provider == protocol
    assert fake.count == 3
    with open_dir(resume_dir, protocol, fake) as orch:
        assert orch.agent("a").get_msg_state().ask_llm("hello").source == "live"
    assert fake.count == 4


def test_client_errors_are_not_retried(resume_dir, protocol, fake, vendor_env):
    fake.script = [400]
    with open_dir(resume_dir, protocol, fake) as orch, pytest.raises(ProviderError, match="HTTP 400|400"):
        orch.agent("a").get_msg_state().ask_llm("hello")
    assert fake.count == 1


def test_stream_yields_pieces_and_replays_them_in_order(resume_dir, protocol, fake, vendor_env):
    with open_dir(resume_dir, protocol, fake) as orch:
        streamed = orch.agent("a").get_msg_state().ask_llm("tell me a story", stream=True)
        pieces = list(streamed)
        assert len(pieces) > 3
        assert "".join(pieces) == streamed.final_answer
        assert streamed.chunks == tuple(pieces)
    assert fake.count == 1
    with open_dir(resume_dir, protocol, fake) as orch:
        replayed = orch.agent("a").get_msg_state().ask_llm("tell me a story", stream=True, replay_pace=0.001)
        assert replayed.source == "memo"
        assert list(replayed) == pieces
    assert fake.count == 1
    assert_no_secret(resume_dir)


def test_stream_cut_off_midway_stores_nothing(resume_dir, protocol, fake, vendor_env):
    fake.script = ["cut"]
    with open_dir(resume_dir, protocol, fake) as orch:
        streamed = orch.agent("a").get_msg_state().ask_llm("tell me a story", stream=True)
        received = []
        with pytest.raises(ProviderError, match="midway|before"):
            for piece in streamed:
                received.append(piece)
        with pytest.raises(ProviderError):
            streamed.final_answer  # noqa: B018 - the error surfaces on read too
        with pytest.raises(ProviderError):
            orch.agent("a").resolve_all()
    with open_dir(resume_dir, protocol, fake) as orch:
        again = orch.agent("a").get_msg_state().ask_llm("tell me a story", stream=True)
        assert again.source == "live" and len(list(again)) > len(received)
    assert fake.count == 2


def test_structured_output_is_a_model_instance_live_and_replayed(resume_dir, protocol, fake, vendor_env):
    fake.reply_text = lambda prompt, n: '{"name": "Ada", "age": 36}'
    with open_dir(resume_dir, protocol, fake) as orch:
        answer = (
            orch.agent("a").get_msg_state().ask_llm("Who wrote the first program?", structured_output=Person)
        )
        assert answer.output_parsed == Person(name="Ada", age=36)
    with open_dir(resume_dir, protocol, fake) as orch:
        again = (
            orch.agent("a").get_msg_state().ask_llm("Who wrote the first program?", structured_output=Person)
        )
        assert again.source == "memo"
        assert isinstance(again.output_parsed, Person) and again.output_parsed.age == 36
    assert fake.count == 1


def test_missing_key_names_the_variable_at_the_first_live_call(
    resume_dir, protocol, fake, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    # opening needs no key (stored calls replay without one); the first live call does
    with (
        open_dir(resume_dir, protocol, fake) as orch,
        pytest.raises(MissingAPIKeyError, match=KEY_ENV[protocol]) as raised,
    ):
        orch.agent("a").get_msg_state().ask_llm("Name a prime number")
    assert "the prompt 'Name a prime number' has no stored answer" in str(raised.value)
    assert fake.count == 0


def test_key_from_dotenv_file(resume_dir, protocol, fake, monkeypatch, tmp_path):
    from pllm_notebook.providers import keys

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(KEY_ENV[protocol], "placeholder")
    monkeypatch.delenv(KEY_ENV[protocol])  # recorded, so the value .env sets is removed after the test
    monkeypatch.setattr(keys, "_dotenv_loaded", False)
    (tmp_path / ".env").write_text(f"{KEY_ENV[protocol]}=dotenv-key-123456\n")
    with open_dir(resume_dir, protocol, fake) as orch:
        orch.agent("a").get_msg_state().ask_llm("hello")
    headers = fake.seen[0].headers
    assert "dotenv-key-123456" in (
        headers.get("authorization", "") + headers.get("x-goog-api-key", "") + headers.get("x-api-key", "")
    )
    assert_no_secret(resume_dir, "dotenv-key-123456")


def test_a_key_echoed_in_an_error_is_masked(resume_dir, protocol, fake, vendor_env):
    fake.script = [(401, f"Incorrect API key provided: {vendor_env}")]
    with (
        open_dir(resume_dir, protocol, fake) as orch,
        pytest.raises(ProviderError, match=r"Incorrect API key provided: \*\*\*") as info,
    ):
        orch.agent("a").get_msg_state().ask_llm("hello")
    assert vendor_env not in str(info.value) and info.value.status == 401
    assert_no_secret(resume_dir)


def test_instructions_and_history_reach_the_server(resume_dir, protocol, fake, vendor_env):
    with open_dir(resume_dir, protocol, fake) as orch:
        conv = orch.agent("a").get_msg_state()
        first = conv.ask_llm("What is 2+2?", instructions="You are terse.")
        conv.ask_llm("And times 3?", instructions="You are terse.")
    body = fake.seen[-1].body
    text = str(body)
    assert "You are terse." in text
    assert "What is 2+2?" in text and first.final_answer in text and "And times 3?" in text
    assistant_role = "model" if protocol == "google" else "assistant"
    turns = body.get("contents") or body.get("messages") or body.get("input")
    assert [t["role"] for t in turns if t.get("role") != "system"] == ["user", assistant_role, "user"]


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_images_as_bytes_are_sent_in_the_vendor_format(resume_dir, protocol, fake, vendor_env):
    import base64

    with open_dir(resume_dir, protocol, fake) as orch:
        conv = orch.agent("a").get_msg_state()
        conv.ask_llm(("user", ["What is in this picture?", PNG]))
    b64 = base64.b64encode(PNG).decode()
    body = str(fake.seen[0].body)
    assert b64 in body and "What is in this picture?" in body
    marker = {
        "openai": "input_image",
        "openai-chat": "image_url",
        "anthropic": "base64",
        "google": "inlineData",
    }
    assert marker[protocol] in body


WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOLS = {
    "openai": [{"type": "function", "name": "get_weather", "parameters": WEATHER_SCHEMA}],
    "openai-chat": [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER_SCHEMA}}],
    "anthropic": [{"name": "get_weather", "input_schema": WEATHER_SCHEMA}],
    "google": [{"function_declarations": [{"name": "get_weather", "parameters": WEATHER_SCHEMA}]}],
}


def test_tool_calls_are_recorded_as_messages_and_replayed(resume_dir, protocol, fake, vendor_env):
    import json

    from pllm_notebook.providers.content import tool_result

    def run() -> tuple[list, str]:
        with open_dir(resume_dir, protocol, fake) as orch:
            conv = orch.agent("a").get_msg_state()
            asked = conv.ask_llm("What is the weather in Paris?", tools=TOOLS[protocol])
            (call,) = asked.tool_calls
            assert call["name"] == "get_weather" and json.loads(call["arguments"]) == {"city": "Paris"}
            conv.append(tool_result(call, "18 C and sunny"))
            final = conv.ask_llm(tools=TOOLS[protocol])
            return [asked.source, final.source], final.final_answer

    sources, answer = run()
    assert sources == ["live", "live"] and "18 C and sunny" in answer
    assert fake.count == 2
    sources, again = run()
    assert sources == ["memo", "memo"] and again == answer
    assert fake.count == 2


def test_semantic_cache_answers_a_rerun_without_a_request(resume_dir, protocol, fake, vendor_env):
    with open_dir(resume_dir, protocol, fake, semantic_cache=True) as orch:
        live = orch.agent("first").get_msg_state().ask_llm("What is the capital of France?")
        streamed = orch.agent("streamer").get_msg_state().ask_llm("Name three rivers", stream=True)
        assert live.source == "live" and len(list(streamed)) > 1
    assert fake.count == 2
    with open_dir(resume_dir, protocol, fake, semantic_cache=True) as orch:
        conv = orch.agent("second").get_msg_state()
        cached = conv.ask_llm("What is the capital of France?")
        assert cached.source == "exact" and cached.final_answer == live.final_answer
        again = orch.agent("third").get_msg_state().ask_llm("Name three rivers", stream=True)
        assert "".join(again) == streamed.final_answer and again.source == "exact"
    assert fake.count == 2
    assert_no_secret(resume_dir)


def test_pil_images_are_sent_as_png(resume_dir, fake_factory, vendor_env):
    image = pytest.importorskip("PIL.Image").new("RGB", (2, 2), (255, 0, 0))
    fake = fake_factory("openai-chat")
    with open_dir(resume_dir, "openai-chat", fake) as orch:
        orch.agent("a").get_msg_state().ask_llm(("user", ["Which colour?", image]))
    (part,) = [p for p in fake.seen[0].body["messages"][-1]["content"] if p["type"] == "image_url"]
    assert part["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")


def test_sampling_options_reach_the_server_under_the_vendor_names(resume_dir, protocol, fake, vendor_env):
    with open_dir(resume_dir, protocol, fake) as orch:
        orch.agent("a").get_msg_state().ask_llm("hello", temperature=0.25, max_tokens=77)
    body = fake.seen[0].body
    if protocol == "google":
        assert body["generationConfig"]["temperature"] == 0.25
        assert body["generationConfig"]["maxOutputTokens"] == 77
    else:
        assert body["temperature"] == 0.25
        assert body["max_output_tokens" if protocol == "openai" else "max_tokens"] == 77


def test_stream_inside_a_memo_block_replays_its_pieces(resume_dir, fake_factory, vendor_env):
    fake = fake_factory("anthropic")

    def run() -> list[str]:
        with open_dir(resume_dir, "anthropic", fake) as orch, orch.agent("a") as agt:
            with agt.memoize("v1") as mem:
                mem.begin()
                agt.get_msg_state().ask_llm("a long story", stream=True)
            return list(agt.get_msg_state()[-1])

    pieces = run()
    assert len(pieces) > 3 and fake.count == 1
    assert run() == pieces and fake.count == 1
