"""The semantic cache's decision for one request, with no side effects.

:func:`decide` answers from the cache's own in-memory mirror: the exact request first (no embedding),
then the nearest stored prompt of the partition, accepted if it clears the threshold and the guards.
:func:`decide_found` judges what a storage that searches itself (recallm's ``StorageBackend``) found.
Both only read: they count nothing, emit nothing and touch nothing. What went wrong on the way (the
embedder failed, a guard raised) comes back in :attr:`Decision.failure`, and the cache fails open: the
decision is then a miss. :class:`~pllm_notebook.cache.lookup_recorder.LookupRecorder` records a
decision (counters, Prometheus, the ``CacheLookup`` event, the touch of a served entry).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..redaction import redact
from .canonical import CanonicalRequest
from .guards import check_candidate
from .mirror import CacheMirror
from .storage_base import CacheEntry, SearchResult, entry_from_backend

__all__ = ["Attempt", "Decision", "Outcome", "decide", "decide_found", "embed_prompt"]

Outcome = Literal["exact", "semantic", "miss", "rejected"]


@dataclass
class Attempt:
    """One lookup: the request, where it may match (namespace, partition), when it started, and the
    prompt's vector once embedded (kept so that storing the answer of a miss does not embed again) with
    how long embedding it took."""

    canon: CanonicalRequest
    namespace: str
    partition: str
    started: float
    vector: np.ndarray | None = None
    embed_s: float | None = None


@dataclass(frozen=True)
class Decision:
    """How a lookup ended: ``outcome``, the ``entry`` to serve (or the candidate that was turned down),
    the ``similarity`` of the nearest prompt, and ``reason`` (the guard that rejected it).

    ``failure`` is ``(stage, error)`` when a step failed and the lookup fell back to a miss;
    ``search_s`` is how long the vector search took, when it ran.
    """

    outcome: Outcome
    entry: CacheEntry | None = None
    similarity: float | None = None
    reason: str = ""
    failure: tuple[str, BaseException] | None = None
    search_s: float | None = None

    @property
    def hit(self) -> bool:
        return self.outcome in ("exact", "semantic")


def embed_prompt(
    embed: Callable[[str], np.ndarray], prompt: str
) -> tuple[np.ndarray | None, float | None, tuple[str, BaseException] | None]:
    """(vector, seconds, None), or (None, None, ("embed", error)) when the embedder failed."""
    start = time.perf_counter()
    try:
        vector = embed(prompt)
    except Exception as exc:
        return None, None, ("embed", exc)
    return vector, time.perf_counter() - start, None


def _guarded(prompt: str, entry: CacheEntry, similarity: float) -> Decision | None:
    """A miss when the guards turn the pair down (or fail), else None."""
    try:
        reason = check_candidate(prompt, entry.prompt_text)
    except Exception as exc:
        return Decision("miss", similarity=similarity, failure=("guard", exc))
    if reason:
        return Decision("rejected", entry, similarity, reason)
    return None


def decide(
    attempt: Attempt,
    occurrence: int,
    mirror: CacheMirror,
    embed: Callable[[str], np.ndarray],
    threshold: float,
) -> Decision:
    """The answer to the ``occurrence``-th asking of ``attempt``'s request, from what ``mirror`` holds.

    Sets ``attempt.vector`` and ``attempt.embed_s`` when it embedded the prompt: all it leaves behind.
    """
    canon, partition = attempt.canon, attempt.partition
    samples = mirror.exact(partition, canon.exact_key)
    if len(samples) > occurrence:
        return Decision("exact", samples[occurrence], 1.0)
    if samples or not canon.prompt:
        return Decision("miss")
    attempt.vector, attempt.embed_s, failure = embed_prompt(embed, canon.prompt)
    if attempt.vector is None:
        return Decision("miss", failure=failure)
    start = time.perf_counter()
    candidates = mirror.nearest(partition, attempt.vector)
    search_s = time.perf_counter() - start
    if not candidates:
        return Decision("miss", search_s=search_s)
    entry, similarity = candidates[0]
    if similarity < threshold:
        return Decision("miss", similarity=similarity, search_s=search_s)
    turned_down = _guarded(canon.prompt, entry, similarity)
    if turned_down is not None:
        return dataclasses.replace(turned_down, search_s=search_s)
    samples = mirror.exact(partition, entry.exact_key)
    if len(samples) <= occurrence:
        return Decision("miss", similarity=similarity, search_s=search_s)
    return Decision("semantic", samples[occurrence], similarity, search_s=search_s)


def decide_found(attempt: Attempt, result: SearchResult | None) -> Decision:
    """What a searching storage found for ``attempt``, judged by the guards like a hit of the cache's index."""
    if result is None or result.entry is None:
        return Decision("miss", similarity=None if result is None else float(result.best_score))
    entry, similarity = entry_from_backend(result.entry), float(result.best_score)
    turned_down = _guarded(attempt.canon.prompt, entry, similarity)
    if turned_down is not None:
        return turned_down
    kind: Outcome = "exact" if entry.prompt_text == redact(attempt.canon.prompt) else "semantic"
    return Decision(kind, entry, similarity)
