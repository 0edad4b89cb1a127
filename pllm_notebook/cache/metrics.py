"""Prometheus metrics of the semantic cache, on a registry the user chooses (the global one by default).

``prometheus_client`` is imported on first use; without it (the ``[metrics]`` extra) every metric is a
no-op and ``metrics_app()`` explains what to install. Caches on one registry share its collectors.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["CacheMetrics", "metrics_for", "NoMetrics"]

_LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
_SIMILARITY_BUCKETS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98, 0.99, 1.0)
_by_registry: dict[int, tuple[Any, CacheMetrics]] = {}
_lock = threading.Lock()


class CacheMetrics:
    """Counters and histograms of one registry."""

    def __init__(self, registry: Any) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.registry = registry
        self.hits = Counter("pllm_cache_hits", "Cache hits", ["namespace", "kind"], registry=registry)
        self.misses = Counter("pllm_cache_misses", "Cache misses", ["namespace"], registry=registry)
        self.bypasses = Counter(
            "pllm_cache_bypasses", "Calls that bypassed the cache", ["namespace"], registry=registry
        )
        self.rejections = Counter(
            "pllm_cache_rejections", "Semantic candidates vetoed by a guard", ["namespace"], registry=registry
        )
        self.errors = Counter(
            "pllm_cache_errors", "Cache failures (failed open)", ["stage"], registry=registry
        )
        self.embedding_seconds = Histogram(
            "pllm_cache_embedding_seconds",
            "Time to embed a prompt",
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.search_seconds = Histogram(
            "pllm_cache_search_seconds",
            "Time to search the vector index",
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.lookup_seconds = Histogram(
            "pllm_cache_lookup_seconds",
            "Time of a whole lookup",
            ["outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.hit_similarity = Histogram(
            "pllm_cache_hit_similarity",
            "Cosine similarity of semantic hits",
            buckets=_SIMILARITY_BUCKETS,
            registry=registry,
        )
        self.verifications = Counter(
            "pllm_cache_verifications",
            "Semantic candidates checked against a live call (error budget); verdict right or wrong",
            ["namespace", "verdict"],
            registry=registry,
        )
        self.verification_cost = Counter(
            "pllm_cache_verification_cost_usd", "Cost of the live calls made to check", registry=registry
        )
        partition = ["namespace", "partition"]
        self.wrong_rate = Gauge(
            "pllm_cache_wrong_rate", "Measured wrong-hit rate of a partition", partition, registry=registry
        )
        self.wrong_rate_upper = Gauge(
            "pllm_cache_wrong_rate_upper",
            "95% upper bound of a partition's wrong-hit rate",
            partition,
            registry=registry,
        )
        self.partition_threshold = Gauge(
            "pllm_cache_partition_threshold",
            "Threshold a partition's checks allow (2 while its semantic hits are off)",
            partition,
            registry=registry,
        )

    def app(self) -> Any:
        """A WSGI app serving this registry's metrics."""
        from prometheus_client import make_wsgi_app

        return make_wsgi_app(self.registry)

    def serve(self, port: int, addr: str = "127.0.0.1") -> Any:
        """Serve the metrics over HTTP on ``addr:port`` in a daemon thread; returns the server."""
        from prometheus_client import start_http_server

        started = start_http_server(port, addr=addr, registry=self.registry)
        return started[0] if isinstance(started, tuple) else started


class _NoMetric:
    def labels(self, *args: Any, **kwargs: Any) -> _NoMetric:
        return self

    def inc(self, amount: float = 1) -> None:
        pass

    def observe(self, value: float) -> None:
        pass

    def set(self, value: float) -> None:
        pass


class NoMetrics:
    """Stands in when prometheus_client is not installed."""

    hits = misses = bypasses = rejections = errors = _NoMetric()
    embedding_seconds = search_seconds = lookup_seconds = hit_similarity = _NoMetric()
    verifications = verification_cost = wrong_rate = wrong_rate_upper = partition_threshold = _NoMetric()

    def app(self) -> Any:
        raise ImportError("Prometheus metrics need prometheus-client: `pip install 'pllm-notebook[metrics]'`")

    serve = app


def metrics_for(registry: Any = None) -> CacheMetrics | NoMetrics:
    """The cache metrics on ``registry`` (prometheus_client's global registry when None)."""
    try:
        import prometheus_client
    except ImportError:
        return NoMetrics()
    registry = prometheus_client.REGISTRY if registry is None else registry
    with _lock:
        found = _by_registry.get(id(registry))
        if found is None or found[0] is not registry:
            found = (registry, CacheMetrics(registry))
            _by_registry[id(registry)] = found
        return found[1]
