"""``CacheConfig`` (how a semantic cache decides and keeps) and ``CacheStats`` (what it did so far)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError
from .presets import resolve_threshold

__all__ = ["CacheConfig", "CacheContext", "CacheStats", "DEFAULT_EMBEDDING_MODEL", "PartitionEstimate"]

#: recallm's name for the type of ``cache_context=``: a dict of what else the answer depends on.
CacheContext = dict[str, Any]

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _check_seconds(name: str, value: object, none_means: str) -> None:
    """A ``ConfigError`` unless ``value`` is None or a number of seconds > 0."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
        raise ConfigError(f"{name} must be a number of seconds > 0, or None for {none_means}; got {value!r}")


@dataclass(frozen=True)
class CacheConfig:
    """Settings of a :class:`~pllm_notebook.SemanticCache` (recallm's names, plus a size bound).

    - ``threshold``: ``"strict"``, ``"balanced"`` (default), ``"loose"`` or a raw cosine in [0, 1]. Presets
      are calibrated per embedder; one without a calibration uses 0.97 / 0.92 / 0.85 and warns once. A
      semantic hit needs the threshold and the guards (``pllm_notebook.cache.guards``). For the bundled
      all-MiniLM-L6-v2, measured on held-out QQP pairs (hard negatives, crowd labels; a pessimistic bound):
      strict (0.947) precision 0.90, recall 0.22; balanced (0.821) precision 0.75, recall 0.68; loose
      (0.794) precision 0.72, recall 0.75. Of 999 mock paraphrases 85% hit their own origin at balanced;
      none of the 123 templated near-misses in ``tests/semantic_quality`` hits at any preset.
    - ``default_namespace``: namespace of calls that pass no ``cache_namespace``.
    - ``default_ttl``: seconds an entry lives (None: forever); a call may pass ``cache_ttl=`` instead.
    - ``max_entries``: entries kept per namespace; the least recently used go first (None: no bound).
    - ``embedding_model`` / ``embedding_model_path``: the default embedder's model and local ONNX folder.
    - ``cache_timeout_seconds`` (recallm's): how long an async lookup may take before the call skips the
      cache (with a warning); default 0.2 s, as in recallm. The first lookup loads the embedding model:
      ``await cache.async_warmup()`` at start-up keeps it inside the limit.

    Error budget (``pllm_notebook.cache.verification``), off by default:

    - ``max_wrong_rate``: the share of a partition's lookups that may be answered with a wrong cached
      answer, e.g. 0.02. Semantic hits are served only above the threshold where the one-sided 95% upper
      bound of that share, measured by checks against live answers, is within it; until the checks show
      that, semantic candidates go live and are checked instead.
    - ``verify_rate``: the share of served semantic hits that also go live to be checked (each check is
      a billed call, counted in ``CacheStats.verifications``).
    """

    threshold: str | float = "balanced"
    default_namespace: str = "default"
    default_ttl: float | None = None
    max_entries: int | None = None
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_model_path: str | None = None

    # recallm's names
    #: Seconds an async lookup (``wrap`` of a coroutine function) may take; past it the cache is skipped
    #: for that call with a warning, and the call goes live. None: no limit. Sync calls are not timed.
    cache_timeout_seconds: float | None = 0.2

    # error budget: measure the wrong-hit rate on the traffic itself
    max_wrong_rate: float | None = None
    verify_rate: float = 0.05

    def __post_init__(self) -> None:
        resolve_threshold(self.threshold, self.embedding_model)
        _check_seconds("cache_timeout_seconds", self.cache_timeout_seconds, "no limit")
        self._check_budget()
        if not isinstance(self.default_namespace, str) or not self.default_namespace:
            raise ConfigError(f"default_namespace must be a non-empty str, got {self.default_namespace!r}")
        _check_seconds("default_ttl", self.default_ttl, "no expiry")
        if self.max_entries is not None and (
            isinstance(self.max_entries, bool)
            or not isinstance(self.max_entries, int)
            or self.max_entries < 1
        ):
            raise ConfigError(
                f"max_entries must be an int >= 1, or None for no bound; got {self.max_entries!r}"
            )

    def _check_budget(self) -> None:
        if self.max_wrong_rate is not None and (
            isinstance(self.max_wrong_rate, bool)
            or not isinstance(self.max_wrong_rate, int | float)
            or not 0.0 < self.max_wrong_rate < 1.0
        ):
            raise ConfigError(
                f"max_wrong_rate must be a share in (0, 1) such as 0.02, or None for no error budget; "
                f"got {self.max_wrong_rate!r}"
            )
        if (
            isinstance(self.verify_rate, bool)
            or not isinstance(self.verify_rate, int | float)
            or not 0.0 <= self.verify_rate <= 1.0
        ):
            raise ConfigError(f"verify_rate must be a share in [0, 1] such as 0.05; got {self.verify_rate!r}")

    def resolved_threshold(self, model_id: str | None = None) -> float:
        """The cosine threshold for the embedder ``model_id`` (default: ``embedding_model``)."""
        return resolve_threshold(self.threshold, model_id or self.embedding_model)


@dataclass(frozen=True)
class PartitionEstimate:
    """What one partition's checks say: its wrong hits per lookup at the threshold in force, and the bound.

    Without a threshold in force (semantic hits off) the figures are those at the preset's threshold.
    """

    partition: str
    namespace: str
    lookups: int
    candidates: int
    checks: int
    wrong: int
    wrong_rate: float | None
    wrong_rate_upper: float
    threshold: float | None  # None: semantic hits are off until the checks allow them


@dataclass
class CacheStats:
    """What a cache did since it was created (recallm's fields first, then pllm_notebook's)."""

    hits: int
    misses: int
    hit_rate: float
    avg_similarity: float
    namespace_sizes: dict[str, int] = field(default_factory=dict)
    exact_hits: int = 0
    semantic_hits: int = 0
    bypassed: int = 0
    rejected: int = 0
    errors: int = 0
    # error budget (all zero / None / empty without ``max_wrong_rate``)
    verifications: int = 0
    verification_cost_usd: float = 0.0
    checks: int = 0
    wrong_checks: int = 0
    wrong_rate: float | None = None
    wrong_rate_upper: float | None = None
    partitions: list[PartitionEstimate] = field(default_factory=list)
