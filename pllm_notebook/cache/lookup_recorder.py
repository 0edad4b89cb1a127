"""The one place a semantic-cache lookup is recorded: counters, Prometheus metrics, events, the touch.

:func:`~pllm_notebook.cache.lookup.decide` only decides; :meth:`LookupRecorder.record` then counts the
decision for ``stats()``, feeds the Prometheus metrics, marks a served entry used (for least-recently-used
eviction) and emits the ``CacheLookup`` event. Failures (the cache fails open) and bypasses are recorded
here too, so every number ``stats()``, Prometheus and the dashboard show comes from this module.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..call_codec import savings
from ..events import CacheError, CacheLookup, bus, snippet
from .lookup import Attempt, Decision
from .verification import ErrorBudget

__all__ = ["LookupRecorder"]

log = logging.getLogger("pllm_notebook")

Touch = Callable[[dict[str, float]], None]


class LookupRecorder:
    """Counts and reports the lookups of one cache (``threshold`` and ``directory`` go into its events)."""

    def __init__(self, metrics: Any, threshold: float, directory: str, budget: ErrorBudget | None) -> None:
        self.metrics = metrics
        self.threshold = threshold
        self.directory = directory
        self.budget = budget
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(("exact", "semantic", "miss", "bypass", "rejected", "error"), 0)
        self._similarity_sum = 0.0

    def counts(self) -> tuple[dict[str, int], float]:
        """Lookups by outcome (and errors), and the sum of the similarities of the hits."""
        with self._lock:
            return dict(self._counts), self._similarity_sum

    def record(self, attempt: Attempt, decision: Decision, touch: Touch | None = None) -> None:
        """Count, measure and report how ``attempt`` ended; a hit is marked used through ``touch``."""
        if decision.failure is not None:
            self.failed(decision.failure[0], decision.failure[1], attempt.namespace)
        if attempt.embed_s is not None:
            self.metrics.embedding_seconds.observe(attempt.embed_s)
        if decision.search_s is not None:
            self.metrics.search_seconds.observe(decision.search_s)
        if decision.hit:
            self._served(attempt, decision, touch)
        else:
            self._missed(attempt, decision)

    def _missed(self, attempt: Attempt, decision: Decision) -> None:
        outcome = decision.outcome
        with self._lock:
            self._counts[outcome] += 1
        self.metrics.misses.labels(attempt.namespace).inc()
        if outcome == "rejected":
            self.metrics.rejections.labels(attempt.namespace).inc()
        latency = time.perf_counter() - attempt.started
        self.metrics.lookup_seconds.labels(outcome).observe(latency)
        entry = decision.entry
        self._report(
            attempt,
            outcome,
            decision.similarity,
            latency,
            entry_id=entry.id if entry is not None else "",
            reason=decision.reason,
        )

    def _served(self, attempt: Attempt, decision: Decision, touch: Touch | None) -> None:
        kind, entry, similarity = decision.outcome, decision.entry, float(decision.similarity or 0.0)
        assert entry is not None  # a hit always has its entry
        with self._lock:
            self._counts[kind] += 1
            self._similarity_sum += similarity
        now = time.time()
        entry.hits += 1
        entry.last_hit = now
        if touch is not None:
            try:
                touch({entry.id: now})
            except Exception as exc:
                self.failed("touch", exc, attempt.namespace)
        latency = time.perf_counter() - attempt.started
        self.metrics.hits.labels(attempt.namespace, kind).inc()
        self.metrics.lookup_seconds.labels(kind).observe(latency)
        if kind == "semantic":
            self.metrics.hit_similarity.observe(similarity)
        self._report(
            attempt,
            kind,
            similarity,
            latency,
            entry_id=entry.id,
            **savings(entry),
        )

    def _report(
        self, attempt: Attempt, outcome: str, similarity: float | None, latency: float, **details: Any
    ) -> None:
        """Tell the watchers how a lookup ended."""
        if self.budget is not None:
            details.update(self.budget.event_fields(attempt.partition, details.get("reason") == "verifying"))
        bus.emit(
            CacheLookup(
                outcome=outcome,  # type: ignore[arg-type]
                namespace=attempt.namespace,
                similarity=similarity,
                threshold=self.threshold,
                model=attempt.canon.model,
                prompt=snippet(attempt.canon.prompt),
                latency_s=latency,
                directory=self.directory,
                **details,
            )
        )

    def embedded(
        self, seconds: float | None, failure: tuple[str, BaseException] | None, namespace: str
    ) -> None:
        """An embedding made to store an answer (outside a lookup): how long it took, or how it failed."""
        if failure is not None:
            self.failed(*failure, namespace)
        elif seconds is not None:
            self.metrics.embedding_seconds.observe(seconds)

    def failed(self, stage: str, exc: BaseException, namespace: str) -> None:
        """A step of the cache failed and the call goes live: count it, log it (sparingly), report it."""
        with self._lock:
            self._counts["error"] += 1
            count = self._counts["error"]
        self.metrics.errors.labels(stage).inc()
        if count == 1 or count % 100 == 0:
            log.warning("pllm_notebook semantic cache: %s failed, the call went live: %s", stage, exc)
        bus.emit(
            CacheError(
                stage=stage,
                error=f"{type(exc).__name__}: {exc}",
                namespace=namespace,
                directory=self.directory,
            )
        )

    def bypassed(self, namespace: str, model: Any, reason: str) -> None:
        """A call the cache was not asked about (a stream, say)."""
        with self._lock:
            self._counts["bypass"] += 1
        self.metrics.bypasses.labels(namespace).inc()
        bus.emit(
            CacheLookup(
                outcome="bypass",
                namespace=namespace,
                model=str(model or ""),
                reason=reason,
                directory=self.directory,
            )
        )
