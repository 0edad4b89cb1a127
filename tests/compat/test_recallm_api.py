"""recallm's public API under its names: what a recallm user writes works unchanged after the import."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import math
import time
from typing import Any

import pytest

import pllm_notebook as pllm
from pllm_notebook import CacheConfig, ConfigError, SemanticCache
from pllm_notebook.cache import BackendEntry, Embedder, InMemoryStorage, SearchResult, StorageBackend

# recallm's README quickstart; only the import line changed (recallm -> pllm_notebook).
README_QUICKSTART = """
from pllm_notebook import CacheConfig, InMemoryStorage, SemanticCache

storage = InMemoryStorage()
cache = SemanticCache(storage=storage, config=CacheConfig(threshold="balanced"))

def fake_llm(**kwargs):
    return {"id": "resp-1", "choices": [{"message": {"content": "Paris"}}]}

cached = cache.wrap(fake_llm, mode="sync")

request = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "What is the capital of France?"}],
    "cache_context": {"user_id": "u-1", "document_id": "geo-v1"},
}

first = cached(**request)   # miss: calls fake_llm and stores response
second = cached(**request)  # hit: returns cached response
print(first["choices"][0]["message"]["content"], second["choices"][0]["message"]["content"])

stats = cache.stats()
print(stats.hit_rate)         # fraction of requests served from cache
print(stats.hits, stats.misses)
"""


def letters(text: str) -> list[float]:
    counts = [text.lower().count(c) + 0.01 for c in "abcdefghijklmnopqrstuvwxyz "]
    norm = math.sqrt(sum(v * v for v in counts))
    return [v / norm for v in counts]


class OneText:
    """recallm's embedder protocol."""

    model_id = "letters"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, text: str) -> list[float]:
        self.calls += 1
        return letters(text)


class Batch:
    """pllm_notebook's embedder protocol."""

    model_id = "letters"

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [letters(t) for t in texts]


def ask(cache: SemanticCache, prompt: str, calls: list[str]) -> Any:
    def llm(**kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs["messages"][-1]["content"])
        return {"choices": [{"message": {"content": f"answer {len(calls)}"}}]}

    return cache.wrap(llm)(model="m", messages=[{"role": "user", "content": prompt}], cache_context={})


def test_readme_quickstart_runs_unchanged():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(README_QUICKSTART, {})
    assert out.getvalue().splitlines() == ["Paris Paris", "0.5", "1 1"]


@pytest.mark.parametrize("embedder", [OneText(), Batch()], ids=["embed(text)", "embed(texts)"])
def test_embedders_of_either_protocol_hit(embedder):
    assert isinstance(embedder, Embedder)
    cache = SemanticCache(storage=InMemoryStorage(), config=CacheConfig(threshold=0.95), embedder=embedder)
    calls: list[str] = []
    first = ask(cache, "What is the capital of France?", calls)
    assert ask(cache, "what is the capital of france", calls) == first  # semantic hit: same letters
    assert calls == ["What is the capital of France?"]
    assert cache.stats().semantic_hits == 1


def test_an_embedder_whose_protocol_cannot_be_told_is_refused_at_construction():
    class Unclear:
        model_id = "x"

        def embed(self, x):
            return letters(x)

    with pytest.raises(ConfigError, match=r"embed\(self, text: str\) or embed\(self, texts: list\[str\]\)"):
        SemanticCache(embedder=Unclear())
    with pytest.raises(ConfigError, match="str `model_id`"):
        SemanticCache(embedder=object())


class DictBackend(StorageBackend):
    """A storage written to recallm's contract: it stores and searches itself."""

    def __init__(self) -> None:
        self.entries: list[BackendEntry] = []
        self.log: list[str] = []

    def store(self, entry: BackendEntry) -> None:
        self.log.append("store")
        self.entries.append(entry)

    def search(self, embedding, namespace, embedding_model_id, context_hash, threshold):
        self.log.append("search")
        found = [
            e
            for e in self.entries
            if (e.namespace, e.embedding_model_id, e.context_hash)
            == (namespace, embedding_model_id, context_hash)
        ]
        if not found:
            return None
        score, best = max((sum(a * b for a, b in zip(embedding, e.embedding, strict=True)), e) for e in found)
        return SearchResult(best if score >= threshold else None, score)

    def invalidate_namespace(self, namespace: str) -> int:
        kept = [e for e in self.entries if e.namespace != namespace]
        removed, self.entries = len(self.entries) - len(kept), kept
        return removed

    def clear(self) -> None:
        self.entries.clear()

    def namespace_size(self, namespace: str) -> int:
        return sum(e.namespace == namespace for e in self.entries)


def test_a_storage_backend_subclass_is_what_the_cache_calls():
    storage = DictBackend()
    cache = SemanticCache(storage=storage, config=CacheConfig(threshold=0.95), embedder=OneText())
    calls: list[str] = []
    first = ask(cache, "Tell me about Paris", calls)
    assert ask(cache, "tell me about paris", calls) == first
    assert storage.log == ["search", "store", "search"] and len(calls) == 1
    assert storage.entries[0].prompt_text == "Tell me about Paris"
    assert cache.stats().namespace_sizes == {"default": 1}
    assert cache.invalidate_namespace("default") == 1


def test_async_code_uses_asearch_and_astore():
    class AsyncBackend(DictBackend):
        async def asearch(self, *args, **kwargs):
            self.log.append("asearch")
            return self.search(*args, **kwargs)

        async def astore(self, entry):
            self.log.append("astore")
            self.store(entry)

    storage = AsyncBackend()
    cache = SemanticCache(storage=storage, config=CacheConfig(threshold=0.95), embedder=OneText())

    async def llm(**kwargs):
        return {"choices": [{"message": {"content": "hi"}}]}

    async def main():
        wrapped = cache.wrap(llm)
        request = {"model": "m", "messages": [{"role": "user", "content": "Hello"}], "cache_context": {}}
        return await wrapped(**request), await wrapped(**request)

    first, second = asyncio.run(main())
    assert first == second
    assert storage.log == ["asearch", "search", "astore", "store", "asearch", "search"]


def test_a_subclass_of_a_builtin_storage_that_overrides_search_is_called():
    class Counting(InMemoryStorage):
        searches = 0

        def search(self, *args, **kwargs):
            Counting.searches += 1
            return super().search(*args, **kwargs)

    cache = SemanticCache(storage=Counting(), config=CacheConfig(threshold=0.95), embedder=OneText())
    calls: list[str] = []
    ask(cache, "Tell me about Rome", calls)
    ask(cache, "Tell me about Rome", calls)
    assert Counting.searches == 2 and len(calls) == 1
    assert isinstance(Counting(), StorageBackend)


def test_cache_timeout_seconds_skips_a_slow_async_lookup_with_a_warning(caplog):
    class Slow(OneText):
        def embed(self, text: str) -> list[float]:
            time.sleep(0.3)
            return letters(text)

    cache = SemanticCache(config=CacheConfig(cache_timeout_seconds=0.05), embedder=Slow())
    live = []

    async def llm(**kwargs):
        live.append(1)
        return {"choices": [{"message": {"content": "hi"}}]}

    async def main():
        return await cache.wrap(llm)(
            model="m", messages=[{"role": "user", "content": "Hi"}], cache_context={}
        )

    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="pllm_notebook"):
        asyncio.run(main())
    assert live == [1] and cache.stats().errors == 1
    assert time.perf_counter() - started < 0.3 + 0.25  # did not wait for the lookup before calling
    assert "over cache_timeout_seconds=0.05" in caplog.text


def test_cache_timeout_seconds_bad_values_say_what_to_write():
    assert CacheConfig().cache_timeout_seconds == 0.2
    with pytest.raises(ConfigError, match="cache_timeout_seconds must be a number of seconds > 0, or None"):
        CacheConfig(cache_timeout_seconds=0)


def test_recallms_names_are_exported():
    assert pllm.CacheContext == dict[str, Any]
    assert pllm.StorageBackend is StorageBackend and pllm.SearchResult is SearchResult
    with pytest.raises(ConfigError, match="StorageBackend subclass"):
        SemanticCache(storage={})


def test_the_engine_path_uses_a_storage_backend_too(resume_dir):
    storage = DictBackend()
    cache = SemanticCache(storage=storage, config=CacheConfig(threshold=0.95), embedder=OneText())
    with pllm.resume_directory(resume_dir, semantic_cache=cache) as orch:
        first = orch.agent("a").get_msg_state().ask_llm("What is the capital of Italy?")
        second = orch.agent("b").get_msg_state().ask_llm("What is the capital of Italy?")
        assert (first.source, second.source) == ("live", "exact")
        assert second.final_answer == first.final_answer
    assert storage.log == ["search", "store", "search"]
