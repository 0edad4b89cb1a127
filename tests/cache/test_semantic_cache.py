"""SemanticCache.wrap as a recallm user would use it, against the real embedder and a real OpenAI SDK client."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pydantic
import pytest
from prometheus_client import CollectorRegistry

from pllm_notebook import CacheConfig, InMemoryStorage, SemanticCache, ThreadSafeInMemoryStorage
from pllm_notebook.cache import FastEmbedEmbedder
from pllm_notebook.events import CacheError, CacheLookup

Q = "What is the capital of France?"
PARAPHRASE = "what is the capital city of France?"


class FakeLLM:
    """A provider function: answers with a numbered reply and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, **kwargs):
        self.calls += 1
        return {
            "model": kwargs.get("model"),
            "choices": [{"message": {"role": "assistant", "content": f"answer {self.calls}"}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5},
        }


def user(text):
    return [{"role": "user", "content": text}]


@pytest.fixture
def cache(embedder):
    return SemanticCache(storage=InMemoryStorage(), embedder=embedder, registry=CollectorRegistry())


def test_exact_hit_needs_no_embedding_and_semantic_hit_records_similarity(cache, embedder, events):
    llm = FakeLLM()
    cached = cache.wrap(llm)
    first = cached(model="m", messages=user(Q), cache_context={})
    embedded = embedder.texts
    assert cached(model="m", messages=user(Q), cache_context={}) == first
    assert embedder.texts == embedded, "an exact hit computes no embedding"
    assert cached(model="m", messages=user(PARAPHRASE), cache_context={}) == first
    assert llm.calls == 1
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.exact_hits, stats.semantic_hits) == (2, 1, 1, 1)
    assert stats.namespace_sizes == {"default": 1} and 0.9 < stats.avg_similarity < 1.0
    outcomes = [(e.outcome, e.similarity) for e in events if isinstance(e, CacheLookup)]
    assert outcomes[:2] == [("miss", None), ("exact", 1.0)]
    assert outcomes[2][0] == "semantic" and cache.threshold <= outcomes[2][1] < 1.0


@pytest.mark.parametrize(
    "change",
    [
        {"model": "other-model"},
        {"messages": [{"role": "system", "content": "Answer in French."}, *user(Q)]},
        {"messages": [*user("Hi"), {"role": "assistant", "content": "Hello"}, *user(Q)]},
        {"temperature": 1.5},
        {"cache_context": {"document_id": "v2"}},
        {"cache_namespace": "team-b"},
    ],
    ids=["model", "system prompt", "earlier turn", "temperature", "context", "namespace"],
)
def test_another_partition_never_hits(cache, change):
    llm = FakeLLM()
    cached = cache.wrap(llm)
    cached(model="m", messages=user(Q), cache_context={"document_id": "v1"})
    cached(**{"model": "m", "messages": user(Q), "cache_context": {"document_id": "v1"}, **change})
    assert llm.calls == 2


def test_cache_context_is_required_and_must_be_a_dict(cache):
    cached = cache.wrap(FakeLLM())
    with pytest.raises(ValueError, match=r"cache_context=\{\}"):
        cached(model="m", messages=user(Q))
    with pytest.raises(TypeError, match="cache_context must be a dict"):
        cached(model="m", messages=user(Q), cache_context="doc-1")


@pytest.mark.parametrize("bad", ["medium", 1.5, -0.1, True, None])
def test_a_bad_threshold_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="threshold"):
        CacheConfig(threshold=bad)


def test_float_threshold_and_presets_are_accepted(embedder):
    assert SemanticCache(config=CacheConfig(threshold=0.8), embedder=embedder).threshold == 0.8
    strict = SemanticCache(config=CacheConfig(threshold="strict"), embedder=embedder).threshold
    loose = SemanticCache(config=CacheConfig(threshold="loose"), embedder=embedder).threshold
    assert strict > loose


def test_stream_calls_pass_through_and_are_counted(cache, events):
    llm = FakeLLM()
    cached = cache.wrap(llm)
    cached(model="m", messages=user(Q), cache_context={})
    cached(model="m", messages=user(Q), cache_context={}, stream=True)
    assert llm.calls == 2 and cache.stats().bypassed == 1
    assert [e.outcome for e in events if isinstance(e, CacheLookup)][-1] == "bypass"


def test_anthropic_and_gemini_style_arguments(cache):
    llm = FakeLLM()
    cached = cache.wrap(llm)
    anthropic = {"model": "claude", "max_tokens": 100, "system": "Be brief."}
    cached(
        **anthropic, messages=[{"role": "user", "content": [{"type": "text", "text": Q}]}], cache_context={}
    )
    cached(**anthropic, messages=user(Q), cache_context={})
    cached(**anthropic, messages=user(PARAPHRASE), cache_context={})
    gemini = {"model": "gemini", "config": {"temperature": 0}}
    cached(**gemini, contents=Q, cache_context={})
    cached(**gemini, contents=[{"role": "user", "parts": [{"text": PARAPHRASE}]}], cache_context={})
    assert llm.calls == 2
    assert cache.stats().semantic_hits == 2


def test_guards_reject_a_similar_prompt_with_other_numbers(cache, events):
    llm = FakeLLM()
    cached = cache.wrap(llm)
    cached(model="m", messages=user("What is 1234 + 5678?"), cache_context={})
    cached(model="m", messages=user("What is 1234 + 5679?"), cache_context={})
    assert llm.calls == 2
    rejected = [e for e in events if isinstance(e, CacheLookup) and e.outcome == "rejected"]
    assert len(rejected) == 1 and rejected[0].reason and rejected[0].similarity >= cache.threshold
    assert cache.stats().rejected == 1


def test_ttl_expires_entries(embedder):
    cache = SemanticCache(storage=InMemoryStorage(), config=CacheConfig(default_ttl=0.2), embedder=embedder)
    llm = FakeLLM()
    cached = cache.wrap(llm)
    cached(model="m", messages=user(Q), cache_context={})
    cached(model="m", messages=user("Name a prime number."), cache_context={}, cache_ttl=60)
    time.sleep(0.3)
    cached(model="m", messages=user(Q), cache_context={})
    cached(model="m", messages=user("Name a prime number."), cache_context={})
    assert llm.calls == 3, "the default TTL ran out, the per-call one did not"


def test_max_entries_evicts_the_least_recently_used(embedder):
    cache = SemanticCache(storage=InMemoryStorage(), config=CacheConfig(max_entries=2), embedder=embedder)
    llm = FakeLLM()
    cached = cache.wrap(llm)
    prompts = ["Name a prime number.", "Who wrote Hamlet?", "How far away is the moon?"]
    cached(model="m", messages=user(prompts[0]), cache_context={})
    cached(model="m", messages=user(prompts[1]), cache_context={})
    cached(model="m", messages=user(prompts[0]), cache_context={})  # prompt 0 is now the most recently used
    cached(model="m", messages=user(prompts[2]), cache_context={})  # evicts prompt 1
    assert cache.namespaces() == {"default": 2}
    calls = llm.calls
    cached(model="m", messages=user(prompts[0]), cache_context={})
    cached(model="m", messages=user(prompts[2]), cache_context={})
    assert llm.calls == calls
    cached(model="m", messages=user(prompts[1]), cache_context={})
    assert llm.calls == calls + 1


def test_switching_the_embedding_model_never_compares_its_vectors(embedder):
    storage = InMemoryStorage()
    llm = FakeLLM()
    SemanticCache(storage=storage, embedder=embedder).wrap(llm)(model="m", messages=user(Q), cache_context={})

    class Renamed:
        model_id = "another-model"
        embed = staticmethod(embedder.embed)

    other = SemanticCache(storage=storage, embedder=Renamed())
    other.wrap(llm)(model="m", messages=user(PARAPHRASE), cache_context={})
    assert llm.calls == 2 and other.stats().hits == 0


def test_embedder_failure_fails_open(events, tmp_path):
    broken = FastEmbedEmbedder(model_path=tmp_path / "no-model-here")
    cache = SemanticCache(storage=InMemoryStorage(), embedder=broken)
    llm = FakeLLM()
    cached = cache.wrap(llm)
    assert (
        cached(model="m", messages=user(Q), cache_context={})["choices"][0]["message"]["content"]
        == "answer 1"
    )
    assert (
        cached(model="m", messages=user(Q), cache_context={})["choices"][0]["message"]["content"]
        == "answer 1"
    )
    errors = [e for e in events if isinstance(e, CacheError)]
    assert errors and errors[0].stage == "embed" and "no ONNX model" in errors[0].error
    assert cache.stats().errors >= 1
    assert llm.calls == 1, "the entry was stored without a vector and still answers exact repeats"


def test_wrapped_function_errors_propagate_and_store_nothing(cache):
    def failing(**kwargs):
        raise RuntimeError("provider down")

    with pytest.raises(RuntimeError, match="provider down"):
        cache.wrap(failing)(model="m", messages=user(Q), cache_context={})
    assert cache.namespaces() == {}


def test_invalidate_namespace_returns_the_count(cache, events):
    llm = FakeLLM()
    cached = cache.wrap(llm)
    for prompt in ("Who wrote Hamlet?", "Name a prime number."):
        cached(model="m", messages=user(prompt), cache_context={}, cache_namespace="team-a")
    cached(model="m", messages=user(Q), cache_context={})
    assert cache.invalidate_namespace("team-a") == 2
    assert cache.namespaces() == {"default": 1}
    cached(model="m", messages=user("Who wrote Hamlet?"), cache_context={}, cache_namespace="team-a")
    assert llm.calls == 4


class Answer(pydantic.BaseModel):
    city: str
    confidence: float


def test_a_pydantic_response_comes_back_as_the_same_type(cache):
    cached = cache.wrap(lambda **kw: Answer(city="Paris", confidence=0.9))
    first = cached(model="m", messages=user(Q), cache_context={})
    again = cached(model="m", messages=user(Q), cache_context={})
    similar = cached(model="m", messages=user(PARAPHRASE), cache_context={})
    assert type(again) is Answer and again == first and similar == first


def test_async_wrapper(embedder):
    cache = SemanticCache(storage=ThreadSafeInMemoryStorage(), embedder=embedder)
    calls = []

    async def acreate(**kwargs):
        calls.append(kwargs)
        return {"choices": [{"message": {"content": "async answer"}}]}

    cached = cache.wrap(acreate)  # mode="auto" sees a coroutine function

    async def main():
        one = await cached(model="m", messages=user(Q), cache_context={})
        two = await cached(model="m", messages=user(PARAPHRASE), cache_context={})
        return one, two

    one, two = asyncio.run(main())
    assert one == two and len(calls) == 1
    with pytest.raises(ValueError, match="mode"):
        cache.wrap(acreate, mode="threads")


class _OpenAIServer(BaseHTTPRequestHandler):
    calls = 0

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls += 1
        reply = {
            "id": f"chatcmpl-{self.calls}",
            "object": "chat.completion",
            "created": 1,
            "model": body["model"],
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Paris."}}
            ],
            "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_openai_sdk_client_through_the_cache_with_metrics(embedder):
    from openai import OpenAI
    from openai.types.chat import ChatCompletion

    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenAIServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    registry = CollectorRegistry()
    cache = SemanticCache(storage=InMemoryStorage(), embedder=embedder, registry=registry)
    metrics_server = None
    try:
        client = OpenAI(
            base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="sk-test-not-a-real-key-000000"
        )
        cached = cache.wrap(client.chat.completions.create)
        live = cached(model="gpt-4o-mini", messages=user(Q), cache_context={})
        hit = cached(model="gpt-4o-mini", messages=user(PARAPHRASE), cache_context={})
        assert type(hit) is ChatCompletion and hit.choices[0].message.content == "Paris."
        assert hit == live and _OpenAIServer.calls == 1
        [entry] = cache.entries("default")
        assert (entry.input_tokens, entry.output_tokens, entry.response_text) == (12, 2, "Paris.")
        assert "sk-test" not in json.dumps(entry.request)
        assert (
            registry.get_sample_value("pllm_cache_hits_total", {"namespace": "default", "kind": "semantic"})
            == 1
        )
        assert registry.get_sample_value("pllm_cache_misses_total", {"namespace": "default"}) == 1
        metrics_server = cache.start_metrics_server(0)
        text = (
            urllib.request.urlopen(f"http://127.0.0.1:{metrics_server.server_port}/metrics").read().decode()
        )
        assert "pllm_cache_hit_similarity_bucket" in text and "pllm_cache_embedding_seconds" in text
    finally:
        server.shutdown()
        server.server_close()
        if metrics_server is not None:
            metrics_server.shutdown()
            metrics_server.server_close()


def test_similar_on_an_in_memory_storage(cache):
    cached = cache.wrap(FakeLLM())
    for prompt in (Q, "Who wrote Hamlet?", "Name a prime number."):
        cached(model="m", messages=user(prompt), cache_context={})
    found = cache.similar("French capital city", k=2)
    assert [s.entry.prompt_text for s in found][0] == Q and found[0].similarity > found[1].similarity


def test_many_threads_share_one_cache(embedder):
    from concurrent.futures import ThreadPoolExecutor

    cache = SemanticCache(
        storage=ThreadSafeInMemoryStorage(), embedder=embedder, registry=CollectorRegistry()
    )
    llm = FakeLLM()
    lock = threading.Lock()

    def safe_llm(**kwargs):
        with lock:
            return llm(**kwargs)

    cached = cache.wrap(safe_llm)
    prompts = [f"Tell me fact number {i} about octopuses." for i in range(5)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda p: cached(model="m", messages=user(p), cache_context={}), prompts * 6))
    stats = cache.stats()
    assert stats.hits + stats.misses == 30 and stats.errors == 0
    assert llm.calls == stats.misses and stats.namespace_sizes == {"default": llm.calls}
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda p: cached(model="m", messages=user(p), cache_context={}), prompts * 2))
    assert cache.stats().exact_hits >= 10 + stats.exact_hits


def test_lookup_events_carry_the_directory_an_orchestrator_sets(cache, events):
    cache.event_directory = "/work/project/.pllm"  # what resume_directory() does with a cache it is given
    cached = cache.wrap(FakeLLM())
    cached(model="m", messages=user(Q), cache_context={})
    cached(model="m", messages=user(PARAPHRASE), cache_context={})
    lookups = [e for e in events if isinstance(e, CacheLookup)]
    assert [e.outcome for e in lookups] == ["miss", "semantic"]
    assert {e.directory for e in lookups} == {"/work/project/.pllm"}
