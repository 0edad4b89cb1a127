"""The pure lookup: the decision for exact, similar, guard-rejected and distant requests, and nothing else."""

from __future__ import annotations

import time

import pytest

from pllm_notebook.cache import CacheConfig, InMemoryStorage, SemanticCache
from pllm_notebook.cache.canonical import canonical_from_request
from pllm_notebook.cache.embedders import embed_texts
from pllm_notebook.cache.lookup import Attempt, decide
from pllm_notebook.cache.mirror import CacheMirror
from pllm_notebook.providers import LLMRequest, Message, ProviderReply

STORED = "What is the capital of France?"


def request(prompt: str) -> LLMRequest:
    return LLMRequest(model="m", messages=(Message("user", prompt),))


@pytest.fixture
def stored(real_embedder):
    """A storage holding one answer, a mirror that follows it, and the partition of its requests."""
    storage = InMemoryStorage()
    cache = SemanticCache(storage, CacheConfig(threshold=0.5), embedder=real_embedder)
    cache.store_reply(request(STORED), ProviderReply("Paris.", "m", 7, 2), latency_s=1.5, cost_usd=0.01)
    [entry] = storage.entries("default")
    mirror = CacheMirror()
    mirror.sync(storage)
    return storage, mirror, entry.partition


def lookup(real_embedder, stored, prompt: str, threshold: float):
    _, mirror, partition = stored
    attempt = Attempt(canonical_from_request(request(prompt), {}), "default", partition, time.perf_counter())
    embed = lambda text: embed_texts(real_embedder, [text])[0]  # noqa: E731
    return attempt, decide(attempt, 0, mirror, embed, threshold)


def test_the_same_request_is_an_exact_hit_without_embedding(real_embedder, stored):
    attempt, decision = lookup(real_embedder, stored, STORED, 0.9)
    assert (decision.outcome, decision.similarity, decision.entry.response_text) == ("exact", 1.0, "Paris.")
    assert attempt.vector is None and attempt.embed_s is None


def test_a_paraphrase_above_the_threshold_is_a_semantic_hit(real_embedder, stored):
    attempt, decision = lookup(real_embedder, stored, "What's the capital city of France?", 0.8)
    assert decision.outcome == "semantic" and decision.entry.response_text == "Paris."
    assert 0.8 <= decision.similarity < 1.0
    assert attempt.vector is not None, "the vector is kept for storing the answer of a miss"


def test_a_close_prompt_about_something_else_is_rejected_by_a_guard(real_embedder, stored):
    _, decision = lookup(real_embedder, stored, "What is the capital of Germany?", 0.5)
    assert decision.outcome == "rejected" and not decision.hit
    assert decision.similarity >= 0.5 and decision.reason
    assert decision.entry.response_text == "Paris.", "the decision names the candidate it turned down"


def test_a_distant_prompt_is_a_miss_with_its_similarity(real_embedder, stored):
    _, decision = lookup(real_embedder, stored, "How long do I bake sourdough bread?", 0.5)
    assert decision.outcome == "miss" and decision.entry is None and decision.reason == ""
    assert decision.similarity < 0.5


def test_deciding_counts_emits_and_touches_nothing(real_embedder, stored, events):
    storage = stored[0]
    for prompt, threshold in ((STORED, 0.9), ("What's the capital city of France?", 0.8)):
        assert lookup(real_embedder, stored, prompt, threshold)[1].hit
    assert events == []
    [entry] = storage.entries("default")
    assert (entry.hits, entry.last_hit) == (0, None)
