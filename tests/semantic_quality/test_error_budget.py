"""The error budget: semantic hits are served only where checks against live answers bound their error.

End to end through ``SemanticCache`` with the real model, on the mock paraphrases (a known answer per
origin): candidates go live and are checked until the partition's 95% bound is within the budget; a
partition whose candidates are wrong never serves one; counts, bound, metrics and events agree.
"""

from __future__ import annotations

import json

import pytest
from prometheus_client import CollectorRegistry

from pllm_notebook.cache import CacheConfig, InMemoryStorage, SemanticCache
from pllm_notebook.cache.verification import (
    MIN_CHECKS,
    EmbeddingJudge,
    ErrorBudget,
    ExactMatchJudge,
    LLMJudge,
    wilson_upper,
)
from pllm_notebook.errors import ConfigError
from pllm_notebook.events import CacheLookup, bus
from pllm_notebook.providers.base import LLMRequest, Message, ProviderReply

from .conftest import SHARED_DATA


@pytest.fixture(scope="module")
def mock_pairs(known_vectors) -> list[dict]:
    """The 999 mock paraphrases, embedded as test_cache_decisions embeds them (one set of vectors)."""
    pairs = json.loads((SHARED_DATA / "paraphrase_pairs_mock.json").read_text())
    known_vectors.prepare(list(dict.fromkeys(p["origin"] for p in pairs)) + [p["similar"] for p in pairs])
    return pairs


@pytest.fixture
def lookups():
    seen: list[CacheLookup] = []
    unsubscribe = bus.subscribe(lambda e: seen.append(e) if isinstance(e, CacheLookup) else None)
    yield seen
    unsubscribe()


def test_the_one_sided_wilson_bound():
    assert wilson_upper(0, 0) == 1.0
    assert wilson_upper(0, 100) == pytest.approx(1.644854**2 / (100 + 1.644854**2))
    assert wilson_upper(0, 132) > 0.02 >= wilson_upper(0, 133)
    assert wilson_upper(5, 100) == pytest.approx(0.0992, abs=1e-4)
    assert wilson_upper(100, 100) == 1.0


def test_a_partition_serves_only_above_the_threshold_its_checks_allow():
    budget = ErrorBudget(0.02, 1.0, ExactMatchJudge(), 0.80, seed=1)  # every candidate checked

    def check(i: int, similarity: float, right: bool) -> None:
        budget.looked_up("p", "ns")
        assert not budget.admit("p", "ns", f"q{i}", similarity, "cached", f"prompt {i}")
        assert budget.settle("p", f"q{i}", "cached" if right else "other", 0.001) is (not right)

    for i in range(300):  # clean checks high up, wrong ones just above the preset's threshold
        check(i, 0.90 + (i % 90) / 1000, right=True)
    for i in range(300, 340):
        check(i, 0.81 + (i % 20) / 1000, right=False)
    for _ in range(60):
        budget.looked_up("p", "ns")  # lookups without a candidate
    estimate = budget.estimate("p")
    assert (estimate.lookups, estimate.candidates, estimate.checks, estimate.wrong) == (400, 340, 340, 40)
    assert estimate.threshold == pytest.approx(0.83)  # the lowest grid step above every wrong answer
    assert estimate.wrong_rate == 0
    assert estimate.wrong_rate_upper == pytest.approx(300 / 400 * wilson_upper(0, 300))
    budget.verify_rate = 0.0
    budget.looked_up("p", "ns")
    assert budget.admit("p", "ns", "high", 0.95, "cached", "x")  # above the threshold: served unchecked
    budget.looked_up("p", "ns")
    assert not budget.admit("p", "ns", "low", 0.815, "cached", "x")  # below: goes live, checked
    assert budget.verifications == 341 and budget.verification_cost_usd == pytest.approx(0.34)
    assert budget.settle("p", "never held", "x", 0.0) is None


def test_right_candidates_are_checked_until_the_bound_allows_them_then_served(
    known_vectors, mock_pairs, lookups
):
    registry = CollectorRegistry()
    config = CacheConfig(threshold="balanced", max_wrong_rate=0.02, verify_rate=0.05)
    cache = SemanticCache(
        InMemoryStorage(), config, embedder=known_vectors, registry=registry, judge=ExactMatchJudge()
    )
    answer = {p["origin"]: f"answer {i}" for i, p in enumerate(mock_pairs)}
    answer.update({p["similar"]: f"answer {i}" for i, p in enumerate(mock_pairs)})
    calls = []

    def llm(*, model: str, messages: list[dict]) -> str:
        calls.append(messages[-1]["content"])
        return answer[messages[-1]["content"]]

    cached = cache.wrap(llm)
    for pair in mock_pairs:
        cached(model="m", messages=[{"role": "user", "content": pair["origin"]}], cache_context={})
    wrong_served, before = 0, len(calls)
    for pair in mock_pairs:
        reply = cached(model="m", messages=[{"role": "user", "content": pair["similar"]}], cache_context={})
        wrong_served += calls[-1] != pair["similar"] and reply != answer[pair["similar"]]
    stats = cache.stats()
    checked = [e for e in lookups if e.verification]
    assert stats.verifications == len(checked) == stats.checks > MIN_CHECKS
    assert stats.semantic_hits > 0
    assert len(calls) - before <= len(mock_pairs) - stats.semantic_hits  # every check was a live call
    first_served = next(i for i, e in enumerate(lookups) if e.outcome == "semantic")
    assert sum(e.verification for e in lookups[:first_served]) >= MIN_CHECKS
    (partition,) = stats.partitions
    assert partition.threshold is not None and partition.wrong_rate_upper <= 0.02
    assert wrong_served <= 0.02 * partition.lookups
    assert (
        registry.get_sample_value(
            "pllm_cache_verifications_total", {"namespace": "default", "verdict": "wrong"}
        )
        == stats.wrong_checks
    )
    assert registry.get_sample_value(
        "pllm_cache_wrong_rate_upper", {"namespace": "default", "partition": partition.partition[:12]}
    ) == pytest.approx(partition.wrong_rate_upper)
    assert checked[-1].checks == stats.checks - 1 and checked[-1].wrong_rate_upper is not None


def test_a_partition_whose_candidates_are_wrong_never_serves_one(known_vectors, mock_pairs, lookups):
    config = CacheConfig(threshold="loose", max_wrong_rate=0.02, verify_rate=0.05)
    cache = SemanticCache(InMemoryStorage(), config, embedder=known_vectors, registry=CollectorRegistry())
    pairs = mock_pairs[:400]
    for i, pair in enumerate(pairs):  # the engine's path; every prompt has an answer of its own
        request = LLMRequest(model="m", messages=(Message("user", pair["origin"]),))
        cache.store_reply(request, ProviderReply(text=f"reply {i}", model="m"), latency_s=0.5, cost_usd=0.01)
    asked = set(p["origin"] for p in pairs)
    for i, pair in enumerate(pairs):
        if pair["similar"] in asked:
            continue  # asked before: an exact hit, never checked
        asked.add(pair["similar"])
        request = LLMRequest(model="m", messages=(Message("user", pair["similar"]),))
        assert cache.lookup_request(request) is None
        cache.store_reply(request, ProviderReply(text=f"other {i}", model="m"), latency_s=0.5, cost_usd=0.01)
    stats = cache.stats()
    assert stats.semantic_hits == 0 and stats.checks == stats.wrong_checks == stats.verifications > 300
    (partition,) = stats.partitions
    assert partition.threshold is None  # every candidate wrong: each lookup with one would be a wrong hit
    assert stats.wrong_rate == pytest.approx(partition.candidates / partition.lookups)
    assert stats.verification_cost_usd == pytest.approx(0.01 * stats.verifications)
    checked = [e for e in lookups if e.outcome == "miss" and e.entry_id]
    assert len(checked) == stats.verifications and all(e.reason == "verifying" for e in checked)


def test_without_a_budget_nothing_is_checked(known_vectors, mock_pairs):
    cache = SemanticCache(
        InMemoryStorage(), CacheConfig(), embedder=known_vectors, registry=CollectorRegistry()
    )
    cached = cache.wrap(lambda *, model, messages: "same")
    for pair in mock_pairs[:20]:
        cached(model="m", messages=[{"role": "user", "content": pair["origin"]}], cache_context={})
        cached(model="m", messages=[{"role": "user", "content": pair["similar"]}], cache_context={})
    stats = cache.stats()
    assert stats.semantic_hits > 0 and stats.verifications == stats.checks == 0 and stats.partitions == []


def test_judges(known_vectors):
    exact = ExactMatchJudge()
    assert exact("Positive.", " positive", "q") and not exact("positive", "negative", "q")
    judge = EmbeddingJudge(known_vectors)
    assert judge("42", "42 ", "q") and not judge("42", "43", "q")
    long_a = "The Treaty of Versailles was signed in 1919 and formally ended the First World War."
    long_b = "Signed in 1919, the Treaty of Versailles formally brought the First World War to an end."
    long_c = "Photosynthesis converts light energy into chemical energy stored in glucose molecules."
    assert judge(long_a, long_b, "q") and not judge(long_a, long_c, "q")
    prompts = []
    llm_judge = LLMJudge(lambda prompt: prompts.append(prompt) or "Yes, they agree.")
    assert llm_judge("A", "B", "When was it signed?")
    assert "When was it signed?" in prompts[0] and "Answer A: A" in prompts[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_wrong_rate": 0}, "max_wrong_rate must be a share in (0, 1)"),
        ({"max_wrong_rate": 1.5}, "max_wrong_rate must be a share in (0, 1)"),
        ({"max_wrong_rate": True}, "max_wrong_rate must be a share in (0, 1)"),
        ({"max_wrong_rate": 0.02, "verify_rate": -0.1}, "verify_rate must be a share in [0, 1]"),
        ({"verify_rate": "often"}, "verify_rate must be a share in [0, 1]"),
    ],
)
def test_bad_budget_settings_fail_with_a_clear_error(kwargs, message):
    with pytest.raises(
        ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        CacheConfig(**kwargs)
