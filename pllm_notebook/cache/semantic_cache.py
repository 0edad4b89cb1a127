"""``SemanticCache``: answer an LLM request from an earlier answer to the same, or a similar, request.

A lookup goes: partition (namespace, embedder, and a hash of everything but the last user message), then
the exact canonical request in that partition (a dict lookup, no embedding), then the nearest stored
prompt in the partition's in-memory vector index, accepted if it clears the threshold and the guards.
The cache fails open: if the embedder or the storage fails, the call goes to the LLM and a
``CacheError`` event and counter say so. Every hit, miss and bypass emits a ``CacheLookup`` event.

Two ways in: ``wrap(fn)`` for an SDK function called with ``cache_context=`` (recallm's API; the same
request always gets the stored answer), and ``lookup_request`` / ``store_reply`` for the engine, where the
k-th occurrence of a request in a run gets the k-th stored answer, so re-runs keep their samples apart.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..events import CacheError, CacheInvalidated, CacheLookup, bus, snippet
from ..hashing import stable_hash
from ..redaction import redact
from .canonical import CanonicalRequest, canonical_from_kwargs, canonical_from_request
from .config import CacheConfig, CacheStats
from .embedders import Embedder, FastEmbedEmbedder, as_batch_embedder, embed_texts
from .guards import check_candidate
from .metrics import metrics_for
from .mirror import CacheMirror
from .responses import decode_response, encode_response, response_summary
from .storage_base import (
    BackendEntry,
    CacheEntry,
    CacheStorage,
    ScoredEntry,
    SearchResult,
    StorageBackend,
    entry_from_backend,
    searches_itself,
)
from .storage_memory import ThreadSafeInMemoryStorage

if TYPE_CHECKING:
    from ..providers import LLMRequest, ProviderReply

__all__ = ["SemanticCache", "CacheHit"]

log = logging.getLogger("pllm_notebook")

_MISSING = object()
_REMEMBERED_VECTORS = 256


@dataclass(frozen=True)
class CacheHit:
    """A stored answer served for a request, and what the original call took and cost."""

    text: str
    model: str
    provider: str
    kind: Literal["exact", "semantic"]
    similarity: float
    entry_id: str
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    parsed: Any = None


@dataclass
class _Attempt:
    """One lookup, carried to the store step when it missed."""

    canon: CanonicalRequest
    namespace: str
    partition: str
    started: float
    vector: np.ndarray | None = None


class SemanticCache:
    """A semantic cache over a storage (in memory, DuckDB or Redis) and an embedder.

    ``registry`` is the Prometheus registry to count on (the global one by default).
    """

    def __init__(
        self,
        storage: CacheStorage | StorageBackend | None = None,
        config: CacheConfig | None = None,
        embedder: Embedder | None = None,
        *,
        registry: Any = None,
    ) -> None:
        self.storage = storage if storage is not None else ThreadSafeInMemoryStorage()
        self._searching_storage = searches_itself(self.storage)
        self._touched: set[str] = set()  # namespaces a searching storage was asked about, for stats()
        self.config = config or CacheConfig()
        self.embedder = as_batch_embedder(
            embedder or FastEmbedEmbedder(self.config.embedding_model, self.config.embedding_model_path)
        )
        self.threshold = self.config.resolved_threshold(self.embedder.model_id)
        self.event_directory = getattr(self.storage, "directory", "") or ""
        self._metrics = metrics_for(registry)
        self._mirror = CacheMirror()
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(("exact", "semantic", "miss", "bypass", "rejected", "error"), 0)
        self._similarity_sum = 0.0

    def __repr__(self) -> str:
        return f"SemanticCache({self.storage!r}, threshold={self.threshold:.3f}, embedder={self.embedder.model_id!r})"

    # -- the lookup --------------------------------------------------------------------------------

    def _partition(self, canon: CanonicalRequest, namespace: str, origin: str) -> str:
        return stable_hash("cache-partition", namespace, self.embedder.model_id, origin, canon.context_hash)

    def _find(
        self, canon: CanonicalRequest, namespace: str, origin: str, occurrence: int
    ) -> tuple[_Attempt, tuple[CacheEntry, str, float] | None]:
        """The entry to serve (entry, kind, similarity), or None after recording the miss."""
        attempt = _Attempt(canon, namespace, self._partition(canon, namespace, origin), time.perf_counter())
        if self._searching_storage:
            query = self._backend_query(attempt)
            if query is None:
                return attempt, None
            try:
                result = self.storage.search(**query)
            except Exception as exc:
                self._failed("lookup", exc, namespace)
                return attempt, self._missed(attempt, None)
            return attempt, self._backend_found(attempt, result)
        try:
            self._mirror.sync(self.storage)
        except Exception as exc:  # fail open: look up in what we already know
            self._failed("sync", exc, namespace)
        samples = self._mirror.exact(attempt.partition, canon.exact_key)
        if len(samples) > occurrence:
            return attempt, (samples[occurrence], "exact", 1.0)
        if samples or not canon.prompt:
            return attempt, self._missed(attempt, None)
        attempt.vector = self._embed(canon.prompt, namespace)
        if attempt.vector is None:
            return attempt, self._missed(attempt, None)
        start = time.perf_counter()
        candidates = self._mirror.nearest(attempt.partition, attempt.vector)
        self._metrics.search_seconds.observe(time.perf_counter() - start)
        if not candidates:
            return attempt, self._missed(attempt, None)
        entry, similarity = candidates[0]
        if similarity < self.threshold:
            return attempt, self._missed(attempt, similarity)
        try:
            reason = check_candidate(canon.prompt, entry.prompt_text)
        except Exception as exc:
            self._failed("guard", exc, namespace)
            return attempt, self._missed(attempt, similarity)
        if reason:
            return attempt, self._missed(attempt, similarity, rejected=reason, entry=entry)
        samples = self._mirror.exact(attempt.partition, entry.exact_key)
        if len(samples) <= occurrence:
            return attempt, self._missed(attempt, similarity)
        return attempt, (samples[occurrence], "semantic", similarity)

    def _backend_query(self, attempt: _Attempt) -> dict[str, Any] | None:
        """The arguments of a searching storage's ``search``, or None (miss recorded) with nothing to search."""
        self._touched.add(attempt.namespace)
        if attempt.canon.prompt:
            attempt.vector = self._embed(attempt.canon.prompt, attempt.namespace)
        if attempt.vector is None:
            return self._missed(attempt, None)
        return {
            "embedding": [float(x) for x in attempt.vector],
            "namespace": attempt.namespace,
            "embedding_model_id": self.embedder.model_id,
            "context_hash": attempt.partition,
            "threshold": self.threshold,
        }

    def _backend_found(
        self, attempt: _Attempt, result: SearchResult | None
    ) -> tuple[CacheEntry, str, float] | None:
        """What a searching storage found, judged by the guards like a hit of the cache's own index."""
        if result is None or result.entry is None:
            return self._missed(attempt, None if result is None else float(result.best_score))
        entry, similarity = entry_from_backend(result.entry), float(result.best_score)
        try:
            reason = check_candidate(attempt.canon.prompt, entry.prompt_text)
        except Exception as exc:
            self._failed("guard", exc, attempt.namespace)
            return self._missed(attempt, similarity)
        if reason:
            return self._missed(attempt, similarity, rejected=reason, entry=entry)
        kind = "exact" if entry.prompt_text == redact(attempt.canon.prompt) else "semantic"
        return entry, kind, similarity

    def _embed(self, text: str, namespace: str) -> np.ndarray | None:
        start = time.perf_counter()
        try:
            vector = embed_texts(self.embedder, [text])[0]
        except Exception as exc:
            self._failed("embed", exc, namespace)
            return None
        self._metrics.embedding_seconds.observe(time.perf_counter() - start)
        return vector

    def _missed(
        self,
        attempt: _Attempt,
        similarity: float | None,
        *,
        rejected: str = "",
        entry: CacheEntry | None = None,
    ) -> None:
        outcome = "rejected" if rejected else "miss"
        with self._lock:
            self._counts[outcome] += 1
        self._metrics.misses.labels(attempt.namespace).inc()
        if rejected:
            self._metrics.rejections.labels(attempt.namespace).inc()
        latency = time.perf_counter() - attempt.started
        self._metrics.lookup_seconds.labels(outcome).observe(latency)
        self._report(
            attempt,
            outcome,
            similarity,
            latency,
            entry_id=entry.id if entry is not None else "",
            reason=rejected,
        )

    def _served(self, attempt: _Attempt, entry: CacheEntry, kind: str, similarity: float) -> None:
        """Count a hit, mark the entry used and tell the watchers."""
        with self._lock:
            self._counts[kind] += 1
            self._similarity_sum += similarity
        now = time.time()
        entry.hits += 1
        entry.last_hit = now
        try:
            if not self._searching_storage:
                self.storage.touch({entry.id: now})
        except Exception as exc:
            self._failed("touch", exc, attempt.namespace)
        latency = time.perf_counter() - attempt.started
        self._metrics.hits.labels(attempt.namespace, kind).inc()
        self._metrics.lookup_seconds.labels(kind).observe(latency)
        if kind == "semantic":
            self._metrics.hit_similarity.observe(similarity)
        self._report(
            attempt,
            kind,
            similarity,
            latency,
            entry_id=entry.id,
            time_saved_s=entry.latency_s,
            tokens_saved=entry.input_tokens + entry.output_tokens,
            cost_saved_usd=entry.cost_usd,
        )

    def _report(
        self, attempt: _Attempt, outcome: str, similarity: float | None, latency: float, **details: Any
    ) -> None:
        """Tell the watchers how a lookup ended."""
        bus.emit(
            CacheLookup(
                outcome=outcome,
                namespace=attempt.namespace,
                similarity=similarity,
                threshold=self.threshold,
                model=attempt.canon.model,
                prompt=snippet(attempt.canon.prompt),
                latency_s=latency,
                directory=self.event_directory,
                **details,
            )
        )

    def _failed(self, stage: str, exc: BaseException, namespace: str) -> None:
        with self._lock:
            self._counts["error"] += 1
            count = self._counts["error"]
        self._metrics.errors.labels(stage).inc()
        if count == 1 or count % 100 == 0:
            log.warning("pllm_notebook semantic cache: %s failed, the call went live: %s", stage, exc)
        bus.emit(
            CacheError(
                stage=stage,
                error=f"{type(exc).__name__}: {exc}",
                namespace=namespace,
                directory=self.event_directory,
            )
        )

    def _bypassed(self, namespace: str, model: Any, reason: str) -> None:
        with self._lock:
            self._counts["bypass"] += 1
        self._metrics.bypasses.labels(namespace).inc()
        bus.emit(
            CacheLookup(
                outcome="bypass",
                namespace=namespace,
                model=str(model or ""),
                reason=reason,
                directory=self.event_directory,
            )
        )

    # -- storing -----------------------------------------------------------------------------------

    def _vector_for(self, attempt: _Attempt) -> np.ndarray | None:
        if attempt.vector is None and attempt.canon.prompt:
            with self._lock:
                attempt.vector = self._vectors.pop((attempt.partition, attempt.canon.exact_key), None)
            if attempt.vector is None:
                attempt.vector = self._embed(attempt.canon.prompt, attempt.namespace)
        return attempt.vector

    def _store(self, attempt: _Attempt, ttl: float | None, **fields: Any) -> BackendEntry | None:
        """Keep an answer (fail open: a storage error is reported, never raised).

        For a searching storage, returns the entry to hand to its ``store`` / ``astore`` instead (None when
        there is no vector to keep it under: no user text, or the embedder failed).
        """
        ttl = self.config.default_ttl if ttl is None else ttl
        if self._searching_storage:
            vector = self._vector_for(attempt)
            if vector is None:
                return None
            return BackendEntry(
                embedding=[float(x) for x in vector],
                prompt_text=redact(attempt.canon.prompt),
                context_hash=attempt.partition,
                namespace=attempt.namespace,
                embedding_model_id=self.embedder.model_id,
                response=fields["response"],
                ttl=ttl,
            )
        now = time.time()
        entry = CacheEntry(
            id=uuid.uuid4().hex,
            namespace=attempt.namespace,
            partition=attempt.partition,
            exact_key=attempt.canon.exact_key,
            embedding_model_id=self.embedder.model_id,
            prompt_text=redact(attempt.canon.prompt),
            embedding=self._vector_for(attempt),
            request=redact(attempt.canon.stored),
            created=now,
            expires=None if ttl is None else now + ttl,
            **fields,
        )
        try:
            removed = self.storage.put(entry, max_entries=self.config.max_entries)
        except Exception as exc:
            self._failed("store", exc, attempt.namespace)
            return None
        self._mirror.add(entry)
        self._mirror.remove(removed)
        self._mirror.wrote(self.storage.last_write(), entry.seq)
        return None

    def _keep(self, entry: BackendEntry | None) -> None:
        """Hand ``entry`` to a searching storage's ``store`` (fail open)."""
        if entry is not None:
            try:
                self.storage.store(entry)
            except Exception as exc:
                self._failed("store", exc, entry.namespace)

    async def _akeep(self, entry: BackendEntry | None) -> None:
        """Hand ``entry`` to a searching storage's ``astore`` (fail open)."""
        if entry is not None:
            try:
                await self.storage.astore(entry)
            except Exception as exc:
                self._failed("store", exc, entry.namespace)

    # -- the engine's path -------------------------------------------------------------------------

    def _engine_attempt(
        self, request: LLMRequest, cache_context: Mapping[str, Any] | None, cache_namespace: str | None
    ) -> tuple[CanonicalRequest, str] | None:
        namespace = cache_namespace or self.config.default_namespace
        try:
            return canonical_from_request(request, cache_context or {}), namespace
        except Exception as exc:
            self._failed("canonical", exc, namespace)
            return None

    def lookup_request(
        self,
        request: LLMRequest,
        *,
        occurrence: int = 0,
        cache_context: Mapping[str, Any] | None = None,
        cache_namespace: str | None = None,
    ) -> CacheHit | None:
        """The stored answer for the ``occurrence``-th (0-based) asking of ``request`` in a run, if any."""
        prepared = self._engine_attempt(request, cache_context, cache_namespace)
        if prepared is None:
            return None
        attempt, found = self._find(*prepared, "engine", occurrence)
        if found is None:
            if attempt.vector is not None:
                with self._lock:
                    self._vectors[(attempt.partition, attempt.canon.exact_key)] = attempt.vector
                    while len(self._vectors) > _REMEMBERED_VECTORS:
                        self._vectors.popitem(last=False)
            return None
        entry, kind, similarity = found
        parsed = entry.response.get("parsed")
        schema = request.structured_output
        if parsed is not None and callable(getattr(schema, "model_validate", None)):
            try:
                parsed = schema.model_validate(parsed)
            except Exception as exc:
                self._failed("decode", exc, attempt.namespace)
                return self._missed(attempt, similarity)
        self._served(attempt, entry, kind, similarity)
        return CacheHit(
            text=entry.response_text,
            model=entry.model,
            provider=entry.provider,
            kind=kind,
            similarity=similarity,
            entry_id=entry.id,
            input_tokens=entry.input_tokens,
            output_tokens=entry.output_tokens,
            latency_s=entry.latency_s,
            cost_usd=entry.cost_usd,
            parsed=parsed,
        )

    def store_reply(
        self,
        request: LLMRequest,
        reply: ProviderReply,
        *,
        latency_s: float,
        cost_usd: float,
        cache_context: Mapping[str, Any] | None = None,
        cache_namespace: str | None = None,
    ) -> None:
        """Keep a live answer to ``request`` (another sample when some are stored already)."""
        prepared = self._engine_attempt(request, cache_context, cache_namespace)
        if prepared is None:
            return
        canon, namespace = prepared
        attempt = _Attempt(canon, namespace, self._partition(canon, namespace, "engine"), time.perf_counter())
        parsed = reply.parsed
        dump = getattr(parsed, "model_dump", None)
        pending = self._store(
            attempt,
            None,
            response={
                "format": "reply",
                "text": reply.text,
                "parsed": dump(mode="json") if callable(dump) else parsed,
            },
            response_text=reply.text,
            model=reply.model or request.model,
            input_tokens=reply.input_tokens,
            output_tokens=reply.output_tokens,
            latency_s=latency_s,
            cost_usd=cost_usd,
        )
        self._keep(pending)

    # -- wrapping an SDK function -------------------------------------------------------------------

    def wrap(
        self, fn: Callable[..., Any], *, mode: Literal["auto", "sync", "async"] = "auto"
    ) -> Callable[..., Any]:
        """``fn`` answered from the cache when it can; every call must pass ``cache_context=``.

        Optional per call: ``cache_namespace=`` (default ``config.default_namespace``) and ``cache_ttl=``
        (seconds, default ``config.default_ttl``). ``mode="auto"`` picks async for coroutine functions.
        """
        if mode not in ("auto", "sync", "async"):
            raise ValueError(f'mode must be "auto", "sync" or "async", got {mode!r}')
        if mode == "async" or (mode == "auto" and inspect.iscoroutinefunction(inspect.unwrap(fn))):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return await self._call_async(fn, args, kwargs)

            return async_wrapper

        @functools.wraps(fn)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            return self._call_sync(fn, args, kwargs)

        return sync_wrapper

    def _cache_kwargs(self, kwargs: dict[str, Any]) -> tuple[dict[str, Any], str, float | None]:
        if "cache_context" not in kwargs:
            raise ValueError(
                "cache_context is required when calling a cached function. "
                "Pass cache_context={} explicitly if this request has no additional context."
            )
        context = kwargs.pop("cache_context")
        namespace = kwargs.pop("cache_namespace", None)
        ttl = kwargs.pop("cache_ttl", None)
        if not isinstance(context, dict):
            raise TypeError(
                f"cache_context must be a dict, got {type(context).__name__!r}. "
                "Pass a dict with string keys and JSON-serializable values."
            )
        if namespace is None:
            namespace = self.config.default_namespace
        elif not isinstance(namespace, str) or not namespace:
            raise TypeError(f"cache_namespace must be a str (not empty), got {namespace!r}")
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int | float) or ttl <= 0):
            raise ValueError(f"cache_ttl must be a number of seconds > 0 (or None), got {ttl!r}")
        return context, namespace, ttl

    def _before_call(
        self, kwargs: dict[str, Any], context: dict[str, Any], namespace: str
    ) -> tuple[_Attempt | None, Any]:
        """(attempt to store a miss under, or None) and the cached response, or ``_MISSING``."""
        try:
            canon = canonical_from_kwargs(kwargs, context)
        except Exception as exc:
            self._failed("canonical", exc, namespace)
            return None, _MISSING
        attempt, found = self._find(canon, namespace, "wrap", 0)
        return attempt, self._serve(attempt, found)

    async def _before_call_async(
        self, kwargs: dict[str, Any], context: dict[str, Any], namespace: str
    ) -> tuple[_Attempt | None, Any]:
        """``_before_call`` for async code: a searching storage is asked through its ``asearch``."""
        if not self._searching_storage:
            return await asyncio.to_thread(self._before_call, kwargs, context, namespace)
        try:
            canon = canonical_from_kwargs(kwargs, context)
        except Exception as exc:
            self._failed("canonical", exc, namespace)
            return None, _MISSING
        attempt = _Attempt(canon, namespace, self._partition(canon, namespace, "wrap"), time.perf_counter())
        query = await asyncio.to_thread(self._backend_query, attempt)
        if query is None:
            return attempt, _MISSING
        try:
            result = await self.storage.asearch(**query)
        except Exception as exc:
            self._failed("lookup", exc, namespace)
            self._missed(attempt, None)
            return attempt, _MISSING
        return attempt, self._serve(attempt, self._backend_found(attempt, result))

    def _serve(self, attempt: _Attempt, found: tuple[CacheEntry, str, float] | None) -> Any:
        """The stored response of ``found`` (counted as a hit), or ``_MISSING``."""
        if found is None:
            return _MISSING
        namespace = attempt.namespace
        entry, kind, similarity = found
        try:
            response = decode_response(entry.response)
        except Exception as exc:
            self._failed("decode", exc, namespace)
            self._missed(attempt, similarity)
            return _MISSING
        self._served(attempt, entry, kind, similarity)
        return response

    def _after_call(
        self, attempt: _Attempt | None, response: Any, latency_s: float, ttl: float | None
    ) -> BackendEntry | None:
        """Store a live response; for a searching storage, return the entry for its ``store`` instead."""
        if attempt is None:
            return None
        try:
            payload = encode_response(response)
        except TypeError as exc:
            self._failed("store", exc, attempt.namespace)
            return None
        summary = response_summary(payload["data"])
        model = summary["model"] or attempt.canon.model
        from ..providers.pricing import cost_usd

        return self._store(
            attempt,
            ttl,
            response=payload,
            response_text=summary["text"],
            model=model,
            input_tokens=summary["input_tokens"],
            output_tokens=summary["output_tokens"],
            latency_s=latency_s,
            cost_usd=cost_usd(model, summary["input_tokens"], summary["output_tokens"]),
        )

    def _call_sync(self, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
        context, namespace, ttl = self._cache_kwargs(kwargs)
        if kwargs.get("stream"):
            self._bypassed(namespace, kwargs.get("model"), "stream=True")
            return fn(*args, **kwargs)
        attempt, cached = self._before_call(kwargs, context, namespace)
        if cached is not _MISSING:
            return cached
        start = time.perf_counter()
        response = fn(*args, **kwargs)
        self._keep(self._after_call(attempt, response, time.perf_counter() - start, ttl))
        return response

    async def _call_async(self, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
        context, namespace, ttl = self._cache_kwargs(kwargs)
        if kwargs.get("stream"):
            self._bypassed(namespace, kwargs.get("model"), "stream=True")
            return await fn(*args, **kwargs)
        timeout = self.config.cache_timeout_seconds
        started = time.perf_counter()
        try:
            attempt, cached = await asyncio.wait_for(
                self._before_call_async(kwargs, context, namespace), timeout
            )
        except TimeoutError:
            elapsed = time.perf_counter() - started
            self._failed(
                "timeout",
                TimeoutError(f"lookup took {elapsed * 1000:.0f} ms, over cache_timeout_seconds={timeout}"),
                namespace,
            )
            return await fn(*args, **kwargs)
        if cached is not _MISSING:
            return cached
        start = time.perf_counter()
        response = await fn(*args, **kwargs)
        await self._akeep(
            await asyncio.to_thread(self._after_call, attempt, response, time.perf_counter() - start, ttl)
        )
        return response

    # -- reporting and housekeeping -----------------------------------------------------------------

    def stats(self) -> CacheStats:
        """Hits, misses and similarity since this cache was created, and the size of each namespace."""
        with self._lock:
            counts = dict(self._counts)
            similarity_sum = self._similarity_sum
        hits = counts["exact"] + counts["semantic"]
        misses = counts["miss"] + counts["rejected"]
        return CacheStats(
            hits=hits,
            misses=misses,
            hit_rate=hits / (hits + misses) if hits + misses else 0.0,
            avg_similarity=similarity_sum / hits if hits else 0.0,
            namespace_sizes=self.namespaces(),
            exact_hits=counts["exact"],
            semantic_hits=counts["semantic"],
            bypassed=counts["bypass"],
            rejected=counts["rejected"],
            errors=counts["error"],
        )

    def namespaces(self) -> dict[str, int]:
        """Entries per namespace in the storage (what this process knows, if the storage fails)."""
        try:
            if self._searching_storage:  # recallm's contract can only count one namespace at a time
                return {ns: self.storage.namespace_size(ns) for ns in sorted(self._touched)}
            return self.storage.namespace_sizes()
        except Exception as exc:
            self._failed("stats", exc, "")
            return self._mirror.namespace_sizes()

    def entries(self, namespace: str, *, limit: int | None = 100, offset: int = 0) -> list[CacheEntry]:
        """The entries of ``namespace``, newest first (without vectors), for browsing."""
        return self.storage.entries(namespace, limit=limit, offset=offset)

    def get_entry(self, entry_id: str) -> CacheEntry | None:
        """One entry, vector included."""
        return self.storage.get(entry_id)

    def similar(self, text: str, k: int = 5, *, namespace: str | None = None) -> list[ScoredEntry]:
        """The ``k`` stored prompts most similar to ``text`` (any partition), for inspection."""
        vector = embed_texts(self.embedder, [text])[0]
        return self.storage.similar(vector, self.embedder.model_id, k=k, namespace=namespace)

    def invalidate_namespace(self, namespace: str) -> int:
        """Remove every entry of ``namespace`` for good, in every process; returns how many there were."""
        removed = self.storage.invalidate_namespace(namespace)
        self._mirror.remove_namespace(namespace)
        if not self._searching_storage:
            self._mirror.wrote(self.storage.last_write())
        bus.emit(CacheInvalidated(namespace=namespace, removed=removed, directory=self.event_directory))
        return removed

    async def ainvalidate_namespace(self, namespace: str) -> int:
        """``invalidate_namespace`` without blocking the event loop."""
        return await asyncio.to_thread(self.invalidate_namespace, namespace)

    def invalidate_entry(self, entry_id: str) -> bool:
        """Remove one entry; False if it did not exist."""
        entry = self._mirror.get(entry_id) or self.storage.get(entry_id)
        removed = self.storage.delete([entry_id])
        self._mirror.remove([entry_id])
        self._mirror.wrote(self.storage.last_write())
        if removed:
            namespace = entry.namespace if entry is not None else ""
            bus.emit(
                CacheInvalidated(
                    namespace=namespace, removed=removed, entry_id=entry_id, directory=self.event_directory
                )
            )
        return bool(removed)

    def clear(self) -> int:
        """Remove every entry of every namespace; returns how many there were."""
        removed = self.storage.clear() or 0  # recallm's storages return None
        for namespace in list(self._mirror.namespace_sizes()):
            self._mirror.remove_namespace(namespace)
        if not self._searching_storage:
            self._mirror.wrote(self.storage.last_write())
        bus.emit(CacheInvalidated(namespace="*", removed=removed, directory=self.event_directory))
        return removed

    def metrics_app(self) -> Any:
        """A WSGI app that serves this cache's Prometheus metrics (mount it in your web server)."""
        return self._metrics.app()

    def start_metrics_server(self, port: int, addr: str = "127.0.0.1") -> Any:
        """Serve the Prometheus metrics on ``http://addr:port/`` from a daemon thread; returns the server."""
        return self._metrics.serve(port, addr)

    def warmup(self) -> None:
        """Load the embedding model now rather than on the first semantic lookup."""
        embed_texts(self.embedder, ["warmup"])

    async def async_warmup(self) -> None:
        """``warmup`` without blocking the event loop (recallm's name)."""
        await asyncio.to_thread(self.warmup)

    def index_bytes(self) -> int:
        """Memory held by this process's vector indexes."""
        return self._mirror.index_bytes()

    def close(self) -> None:
        """Write buffered hit counts and release the storage."""
        close = getattr(self.storage, "close", None)
        if callable(close):
            close()
