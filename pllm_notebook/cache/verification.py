"""An error budget for semantic hits: the cache checks a sample of its own hits against live answers.

A threshold calibrated on public pairs says nothing about a user's own traffic. With
``CacheConfig(max_wrong_rate=0.02, verify_rate=0.05)`` the cache measures instead, per partition (the
requests that may answer each other: namespace, model, system prompt, context):

- the budget: at most ``max_wrong_rate`` of the partition's lookups answered with a wrong cached answer
  (wrong hits per lookup, as ``benchmarks/eval_semantic.py`` and vCache count them);
- a *check*: a semantic candidate (it cleared the preset's threshold and the guards) goes live instead of
  being served, and the judge compares the live answer with the one the cache would have served;
- the estimate at a threshold ``t``: (candidates at or above ``t`` per lookup, over the partition's
  lookups, the last ``WINDOW`` of them) times the share of wrong answers among the checks at or above
  ``t``; its bound uses the one-sided 95% Wilson upper bound of that share. The partition serves
  semantic hits at the lowest ``t`` (a grid of 0.005 above the preset's threshold) whose bound is within
  the budget and rests on at least ``MIN_CHECKS`` checks; there is none at first, so semantic hits start
  off and every candidate is checked until one exists;
- of the hits it serves, a ``verify_rate`` share is checked as well, so the estimate follows the traffic.

Exact hits are never affected. A check is a live call the caller pays as any other; the cache counts it
(``CacheStats.verifications``, ``verification_cost_usd``, the ``pllm_cache_verifications`` metric, the
``verification`` field of the lookup event). The counts live in the process: the storage interface holds
entries only, so a restarted process measures again. ``judge`` decides whether the cached answer would
have served: :class:`EmbeddingJudge` (default: exact match for short answers, cosine of the answers'
embeddings for longer ones), :class:`ExactMatchJudge`, or :class:`LLMJudge` (asks a model you pass in).
"""

from __future__ import annotations

import math
import random
import threading
from array import array
from bisect import bisect_left, insort
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .config import PartitionEstimate
from .embedders import embed_texts

__all__ = [
    "AnswerJudge",
    "EmbeddingJudge",
    "ErrorBudget",
    "ExactMatchJudge",
    "LLMJudge",
    "PartitionEstimate",
    "wilson_upper",
]

#: z of a one-sided 95% bound.
_Z95 = 1.644854
_GRID = 0.005
_PENDING = 4096
#: Checks at or above a threshold needed before it serves anything, however few candidates reach it.
MIN_CHECKS = 30
#: Lookups over which the share of lookups with a candidate is measured: the budget holds over a
#: partition's life (its last this many lookups), as wrong hits per lookup are counted over a run.
WINDOW = 100_000


def wilson_upper(wrong: int, checks: int, z: float = _Z95) -> float:
    """One-sided 95% Wilson upper bound of a rate seen ``wrong`` times in ``checks`` (1.0 with none)."""
    if checks <= 0:
        return 1.0
    p = wrong / checks
    z2 = z * z
    centre = p + z2 / (2 * checks)
    spread = z * math.sqrt(p * (1 - p) / checks + z2 / (4 * checks * checks))
    return min(1.0, (centre + spread) / (1 + z2 / checks))


class AnswerJudge(Protocol):
    """Decides whether ``cached`` would have served as well as ``live`` (True) for one request."""

    def __call__(self, cached: str, live: str, prompt: str) -> bool: ...


def _normalised(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .!")


class ExactMatchJudge:
    """The answers are equal, case, spacing and a final full stop aside: for labels, numbers, ids."""

    def __call__(self, cached: str, live: str, prompt: str) -> bool:
        return _normalised(cached) == _normalised(live)


class EmbeddingJudge:
    """Short answers (up to ``short_chars``) must match exactly; longer ones must embed alike (cosine at
    least ``min_similarity``), since two samples of one long answer rarely share their wording."""

    def __init__(self, embedder: Any, min_similarity: float = 0.9, short_chars: int = 40) -> None:
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.short_chars = short_chars

    def __call__(self, cached: str, live: str, prompt: str) -> bool:
        if min(len(cached), len(live)) <= self.short_chars:
            return _normalised(cached) == _normalised(live)
        vectors = embed_texts(self.embedder, [cached, live])
        return float(np.dot(vectors[0], vectors[1])) >= self.min_similarity


class LLMJudge:
    """Asks a model: ``complete(prompt) -> str`` is any function that sends one prompt and returns the reply
    (an SDK call, or a ``SemanticCache``-free client: the judge's own calls must not be cached)."""

    TEMPLATE = (
        "A user asked: {prompt}\n\nAnswer A: {cached}\n\nAnswer B: {live}\n\n"
        "Would answer A serve the user as well as answer B (same facts, same result)? Reply yes or no."
    )

    def __init__(self, complete: Callable[[str], str]) -> None:
        self.complete = complete

    def __call__(self, cached: str, live: str, prompt: str) -> bool:
        reply = self.complete(self.TEMPLATE.format(prompt=prompt, cached=cached, live=live))
        return reply.strip().lower().startswith("yes")


class _Partition:
    """Recent lookups, checks and the threshold they allow, for one partition."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.lookups = 0
        self.candidates = 0
        # the similarity of the semantic candidate of each of the last WINDOW lookups (0: none), in
        # arrival order, and the nonzero ones sorted
        self.recent = array("d")
        self.recent_sorted = array("d")
        self.checked = array("d")  # similarity of every check, sorted
        self.wrong = array("d")  # of the checks that found a wrong answer, sorted
        self.threshold: float | None = None

    def looked_up(self) -> None:
        if len(self.recent) < WINDOW:
            self.recent.append(0.0)
        else:
            slot = self.lookups % WINDOW
            if self.recent[slot]:
                del self.recent_sorted[bisect_left(self.recent_sorted, self.recent[slot])]
            self.recent[slot] = 0.0
        self.lookups += 1

    def candidate(self, similarity: float) -> None:
        slot = (self.lookups - 1) % WINDOW
        if self.recent[slot]:  # a second candidate for one lookup (threads): keep the latest
            del self.recent_sorted[bisect_left(self.recent_sorted, self.recent[slot])]
        self.recent[slot] = similarity
        insort(self.recent_sorted, similarity)
        self.candidates += 1

    def at(self, threshold: float) -> tuple[float, int, int]:
        """Recent candidates per lookup, checks and wrong checks at or above ``threshold``."""
        above = len(self.recent_sorted) - bisect_left(self.recent_sorted, threshold)
        share = above / len(self.recent) if self.recent else 0.0
        checks = len(self.checked) - bisect_left(self.checked, threshold)
        wrong = len(self.wrong) - bisect_left(self.wrong, threshold)
        return share, checks, wrong

    def choose(self, base: float, budget: float) -> None:
        """The lowest threshold on the grid whose bound is within ``budget`` (None if there is none)."""
        self.threshold = None
        for step in range(int((1.0 - base) / _GRID) + 1):
            candidate = round(base + step * _GRID, 6)
            share, checks, wrong = self.at(candidate)
            if checks < MIN_CHECKS:
                return
            if share * wilson_upper(wrong, checks) <= budget:
                self.threshold = candidate
                return

    def estimate(self, partition: str, base: float) -> PartitionEstimate:
        share, checks, wrong = self.at(base if self.threshold is None else self.threshold)
        return PartitionEstimate(
            partition=partition,
            namespace=self.namespace,
            lookups=self.lookups,
            candidates=self.candidates,
            checks=len(self.checked),
            wrong=len(self.wrong),
            wrong_rate=share * wrong / checks if checks else None,
            wrong_rate_upper=share * wilson_upper(wrong, checks),
            threshold=self.threshold,
        )


@dataclass
class _Held:
    """A semantic candidate sent live; judged when the live answer is stored."""

    namespace: str
    similarity: float
    cached_text: str
    prompt: str


class ErrorBudget:
    """Decides which semantic candidates a cache may serve, from checks of earlier ones against live answers.

    ``base_threshold`` is the preset's threshold: checks happen only above it. ``seed`` fixes the sampling.
    """

    def __init__(
        self,
        max_wrong_rate: float,
        verify_rate: float,
        judge: AnswerJudge,
        base_threshold: float,
        *,
        metrics: Any = None,
        seed: int | None = None,
    ) -> None:
        self.max_wrong_rate = max_wrong_rate
        self.verify_rate = verify_rate
        self.judge = judge
        self.base_threshold = base_threshold
        self.metrics = metrics
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._partitions: dict[str, _Partition] = {}
        self._held: OrderedDict[tuple[str, str], _Held] = OrderedDict()
        self.verifications = 0  # calls sent live to check a candidate
        self.verification_cost_usd = 0.0

    def looked_up(self, partition: str, namespace: str) -> None:
        """Count a lookup in ``partition`` (the denominator of its wrong-hit rate)."""
        with self._lock:
            self._partition(partition, namespace).looked_up()

    def admit(
        self, partition: str, namespace: str, key: str, similarity: float, cached_text: str, prompt: str
    ) -> bool:
        """True to serve the candidate; False sends the call live and holds the candidate for a check."""
        with self._lock:
            state = self._partition(partition, namespace)
            state.candidate(similarity)
            state.choose(self.base_threshold, self.max_wrong_rate)
            below = state.threshold is None or similarity < state.threshold
            if not below and self._random.random() >= self.verify_rate:
                return True
            self._held[(partition, key)] = _Held(namespace, similarity, cached_text, prompt)
            while len(self._held) > _PENDING:
                self._held.popitem(last=False)
            self.verifications += 1
            return False

    def settle(self, partition: str, key: str, live_text: str, cost_usd: float) -> bool | None:
        """Judge the candidate held for this request against its live answer; None if none was held.
        Returns whether the cached answer would have been wrong."""
        with self._lock:
            held = self._held.pop((partition, key), None)
        if held is None:
            return None
        wrong = not self.judge(held.cached_text, live_text, held.prompt)
        with self._lock:
            self.verification_cost_usd += cost_usd
            state = self._partition(partition, held.namespace)
            insort(state.checked, held.similarity)
            if wrong:
                insort(state.wrong, held.similarity)
            state.choose(self.base_threshold, self.max_wrong_rate)
            estimate = state.estimate(partition, self.base_threshold)
        if self.metrics is not None:
            self._export(estimate, wrong, cost_usd)
        return wrong

    def _export(self, estimate: PartitionEstimate, wrong: bool, cost_usd: float) -> None:
        """Update the Prometheus metrics after a check."""
        labels = (estimate.namespace, estimate.partition[:12])
        self.metrics.verifications.labels(estimate.namespace, "wrong" if wrong else "right").inc()
        self.metrics.verification_cost.inc(cost_usd)
        self.metrics.wrong_rate.labels(*labels).set(estimate.wrong_rate or 0.0)
        self.metrics.wrong_rate_upper.labels(*labels).set(estimate.wrong_rate_upper)
        self.metrics.partition_threshold.labels(*labels).set(
            2.0 if estimate.threshold is None else estimate.threshold
        )

    def _partition(self, partition: str, namespace: str) -> _Partition:
        state = self._partitions.get(partition)
        if state is None:
            state = self._partitions[partition] = _Partition(namespace)
        return state

    def estimate(self, partition: str) -> PartitionEstimate | None:
        """The estimate of one partition, or None before its first lookup."""
        with self._lock:
            state = self._partitions.get(partition)
            return state.estimate(partition, self.base_threshold) if state is not None else None

    def estimates(self) -> list[PartitionEstimate]:
        """Every partition's estimate."""
        with self._lock:
            return [state.estimate(p, self.base_threshold) for p, state in self._partitions.items()]

    def event_fields(self, partition: str, verifying: bool) -> dict[str, Any]:
        """The error-budget fields of a ``CacheLookup`` event for a lookup in ``partition``."""
        estimate = self.estimate(partition)
        if estimate is None:
            return {"verification": verifying}
        return {
            "verification": verifying,
            "wrong_rate": estimate.wrong_rate,
            "wrong_rate_upper": estimate.wrong_rate_upper,
            "checks": estimate.checks,
            "partition_threshold": estimate.threshold,
        }

    def stats_fields(self) -> dict[str, Any]:
        """The error-budget fields of ``CacheStats``: totals, and the largest estimate and bound of any
        partition (the budget holds for each partition, so the worst one is what to watch)."""
        estimates = self.estimates()
        rates = [e.wrong_rate for e in estimates if e.wrong_rate is not None]
        return {
            "verifications": self.verifications,
            "verification_cost_usd": self.verification_cost_usd,
            "checks": sum(e.checks for e in estimates),
            "wrong_checks": sum(e.wrong for e in estimates),
            "wrong_rate": max(rates, default=None),
            "wrong_rate_upper": max((e.wrong_rate_upper for e in estimates), default=None),
            "partitions": estimates,
        }
