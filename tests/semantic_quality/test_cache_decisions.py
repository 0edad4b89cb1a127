"""End to end through ``SemanticCache`` with the real model: no wrong hits on templated near-misses at any
preset, and paraphrases of the mock set still hit their own origin at "balanced"."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pllm_notebook.cache import CacheConfig, InMemoryStorage, SemanticCache
from pllm_notebook.cache.presets import PRESETS, resolve_threshold
from pllm_notebook.events import bus
from pllm_notebook.providers.base import LLMRequest, Message, ProviderReply

from .cases import NEAR_MISSES, PARAPHRASES
from .conftest import SHARED_DATA


class FakeLLM:
    """Answers each prompt with a text naming it, and counts the calls that reached it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *, model: str, messages: list[dict]) -> str:
        self.calls += 1
        return "answer to: " + messages[-1]["content"]


def ask(cached, prompt: str, namespace: str = "default") -> str:
    return cached(
        model="m", messages=[{"role": "user", "content": prompt}], cache_context={}, cache_namespace=namespace
    )


@pytest.fixture
def lookups():
    seen = []
    unsubscribe = bus.subscribe(lambda event: seen.append(event) if event.kind == "cache_lookup" else None)
    yield seen
    unsubscribe()


@pytest.mark.parametrize("preset", PRESETS)
def test_no_templated_near_miss_is_answered_from_another_prompt(known_vectors, lookups, preset):
    known_vectors.prepare([text for _, a, b in NEAR_MISSES for text in (a, b)])
    cache = SemanticCache(InMemoryStorage(), CacheConfig(threshold=preset), embedder=known_vectors)
    llm = FakeLLM()
    cached = cache.wrap(llm)
    wrong = []
    for i, (kind, a, b) in enumerate(NEAR_MISSES):
        ask(cached, a, f"pair-{i}")
        if ask(cached, b, f"pair-{i}") != "answer to: " + b:
            wrong.append((kind, a, b))
    assert wrong == []
    assert llm.calls == 2 * len(NEAR_MISSES)
    rejected = [e for e in lookups if e.outcome == "rejected"]
    # the set is hard: many pairs clear the threshold on cosine alone, and the guards turn them away
    assert len(rejected) >= {"strict": 5, "balanced": 30, "loose": 40}[preset]
    assert all(
        e.reason and e.similarity >= resolve_threshold(preset, known_vectors.model_id) for e in rejected
    )


def test_paraphrases_with_the_same_content_hit_at_balanced(known_vectors):
    known_vectors.prepare([text for _, a, b in PARAPHRASES for text in (a, b)])
    cache = SemanticCache(InMemoryStorage(), CacheConfig(threshold="balanced"), embedder=known_vectors)
    llm = FakeLLM()
    cached = cache.wrap(llm)
    for i, (_, a, b) in enumerate(PARAPHRASES):
        ask(cached, a, f"pair-{i}")
        assert ask(cached, b, f"pair-{i}") == "answer to: " + a
    assert llm.calls == len(PARAPHRASES)


@pytest.mark.slow
def test_mock_paraphrases_hit_their_own_origin_at_balanced(known_vectors):
    pairs = json.loads((SHARED_DATA / "paraphrase_pairs_mock.json").read_text())
    origins = list(dict.fromkeys(p["origin"] for p in pairs))
    known_vectors.prepare(origins + [p["similar"] for p in pairs])
    cache = SemanticCache(InMemoryStorage(), CacheConfig(threshold="balanced"), embedder=known_vectors)
    for origin in origins:  # insert every origin ...
        cache.store_reply(request(origin), ProviderReply(text=origin, model="m"), latency_s=1.0, cost_usd=0.0)
    outcomes = Counter()
    for pair in pairs:  # ... and query every paraphrase, storing nothing
        hit = cache.lookup_request(request(pair["similar"]))
        outcomes["miss" if hit is None else "right" if hit.text == pair["origin"] else "wrong"] += 1
    assert outcomes["right"] / len(pairs) >= 0.80, outcomes


def request(prompt: str) -> LLMRequest:
    return LLMRequest(model="m", messages=(Message("user", prompt),))
