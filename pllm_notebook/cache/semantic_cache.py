"""``SemanticCache``: answer an LLM request from an earlier answer to the same, or a similar, request.

A lookup goes: partition (namespace, embedder, and a hash of everything but the last user message), then
the exact canonical request in that partition (a dict lookup, no embedding), then the nearest stored
prompt in the partition's in-memory vector index, accepted if it clears the threshold and the guards.
The cache fails open: if the embedder or the storage fails, the call goes to the LLM and a
``CacheError`` event and counter say so. Every hit, miss and bypass emits a ``CacheLookup`` event.

Two ways in: ``wrap(fn)`` for an SDK function called with ``cache_context=`` (recallm's API, in
:mod:`.recallm_front`; the same request always gets the stored answer), and ``lookup_request`` /
``store_reply`` for the engine, where the k-th occurrence of a request in a run gets the k-th stored
answer (a :class:`CallRecord`), so re-runs keep their samples apart.

This module holds the cache itself (following the storage, storing answers, housekeeping); the decision
of a lookup is :func:`.lookup.decide` (no side effects) and recording it is
:class:`.lookup_recorder.LookupRecorder` (counters, Prometheus, events, the touch of a served entry).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..call_codec import call_from_entry, entry_fields
from ..call_record import CallRecord
from ..events import CacheInvalidated, bus
from ..hashing import stable_hash
from ..providers import LLMRequest
from ..redaction import redact
from .canonical import CanonicalRequest, canonical_from_request
from .config import CacheConfig, CacheStats
from .embedders import Embedder, FastEmbedEmbedder, as_batch_embedder, embed_texts
from .lookup import Attempt, Decision, decide, decide_found, embed_prompt
from .lookup_recorder import LookupRecorder
from .metrics import metrics_for
from .mirror import CacheMirror
from .recallm_front import RecallmFront
from .storage_base import (
    BackendEntry,
    CacheEntry,
    CacheStorage,
    ScoredEntry,
    StorageBackend,
    searches_itself,
)
from .storage_memory import ThreadSafeInMemoryStorage
from .verification import AnswerJudge, EmbeddingJudge, ErrorBudget

__all__ = ["SemanticCache", "CacheHit"]

_REMEMBERED_VECTORS = 256


CacheHit = CallRecord
"""A stored answer served for a request: a :class:`CallRecord` with ``source`` ``"exact"`` or ``"semantic"``,
its ``similarity`` and ``entry_id``, and what the original call took and cost."""


class SemanticCache(RecallmFront):
    """A semantic cache over a storage (in memory, DuckDB or Redis) and an embedder.

    ``registry`` is the Prometheus registry to count on (the global one by default). ``judge`` decides,
    under an error budget (``CacheConfig.max_wrong_rate``), whether a cached answer would have served
    (default: ``EmbeddingJudge`` on this cache's embedder; see ``pllm_notebook.cache.verification``).
    """

    def __init__(
        self,
        storage: CacheStorage | StorageBackend | None = None,
        config: CacheConfig | None = None,
        embedder: Embedder | None = None,
        *,
        registry: Any = None,
        judge: AnswerJudge | None = None,
    ) -> None:
        self.storage = storage if storage is not None else ThreadSafeInMemoryStorage()
        self._searching_storage = searches_itself(self.storage)
        self._touched: set[str] = set()  # namespaces a searching storage was asked about, for stats()
        self.config = config or CacheConfig()
        self.embedder = as_batch_embedder(
            embedder or FastEmbedEmbedder(self.config.embedding_model, self.config.embedding_model_path)
        )
        self.threshold = self.config.resolved_threshold(self.embedder.model_id)
        self._metrics = metrics_for(registry)
        self._mirror = CacheMirror()
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._budget = (
            None
            if self.config.max_wrong_rate is None
            else ErrorBudget(
                self.config.max_wrong_rate,
                self.config.verify_rate,
                judge or EmbeddingJudge(self.embedder),
                self.threshold,
                metrics=self._metrics,
            )
        )
        directory = getattr(self.storage, "directory", "") or ""
        self._recorder = LookupRecorder(self._metrics, self.threshold, directory, self._budget)

    @property
    def event_directory(self) -> str:
        """The resume directory this cache's events are stamped with: its storage's, until an orchestrator
        (or the dashboard) using it sets its own; the recorder's lookup events follow the change."""
        return self._recorder.directory

    @event_directory.setter
    def event_directory(self, directory: str) -> None:
        self._recorder.directory = directory

    def __repr__(self) -> str:
        return f"SemanticCache({self.storage!r}, threshold={self.threshold:.3f}, embedder={self.embedder.model_id!r})"

    # -- the lookup --------------------------------------------------------------------------------

    def _partition(self, canon: CanonicalRequest, namespace: str, origin: str) -> str:
        return stable_hash("cache-partition", namespace, self.embedder.model_id, origin, canon.context_hash)

    def _begin(self, canon: CanonicalRequest, namespace: str, origin: str) -> Attempt:
        attempt = Attempt(canon, namespace, self._partition(canon, namespace, origin), time.perf_counter())
        if self._budget is not None:
            self._budget.looked_up(attempt.partition, namespace)
        return attempt

    def _find(
        self, canon: CanonicalRequest, namespace: str, origin: str, occurrence: int
    ) -> tuple[Attempt, Decision]:
        """The lookup's decision (not yet recorded): follow the storage, then :func:`decide` (or ask a
        storage that searches itself and judge what it found), then the error budget."""
        attempt = self._begin(canon, namespace, origin)
        if self._searching_storage:
            query = self._backend_query(attempt)
            if isinstance(query, Decision):
                return attempt, query
            try:
                result = self.storage.search(**query)
            except Exception as exc:
                return attempt, Decision("miss", failure=("lookup", exc))
            return attempt, self._admitted(attempt, decide_found(attempt, result))
        try:
            self._mirror.sync(self.storage)
        except Exception as exc:  # fail open: look up in what we already know
            self._recorder.failed("sync", exc, namespace)
        decision = decide(attempt, occurrence, self._mirror, self._embed_one, self.threshold)
        return attempt, self._admitted(attempt, decision)

    def _backend_query(self, attempt: Attempt) -> dict[str, Any] | Decision:
        """The arguments of a searching storage's ``search``, or the miss when there is nothing to search."""
        self._touched.add(attempt.namespace)
        if not attempt.canon.prompt:
            return Decision("miss")
        attempt.vector, attempt.embed_s, failure = embed_prompt(self._embed_one, attempt.canon.prompt)
        if attempt.vector is None:
            return Decision("miss", failure=failure)
        return {
            "embedding": [float(x) for x in attempt.vector],
            "namespace": attempt.namespace,
            "embedding_model_id": self.embedder.model_id,
            "context_hash": attempt.partition,
            "threshold": self.threshold,
        }

    def _admitted(self, attempt: Attempt, decision: Decision) -> Decision:
        """A semantic hit the error budget wants checked first becomes a miss (reason ``"verifying"``)."""
        if decision.outcome != "semantic" or self._budget is None or decision.entry is None:
            return decision
        canon = attempt.canon
        if self._budget.admit(
            attempt.partition,
            attempt.namespace,
            canon.exact_key,
            float(decision.similarity or 0.0),
            decision.entry.response_text,
            canon.prompt,
        ):
            return decision
        return dataclasses.replace(decision, outcome="miss", reason="verifying")

    def _record(self, attempt: Attempt, decision: Decision) -> None:
        self._recorder.record(attempt, decision, None if self._searching_storage else self.storage.touch)

    def _embed_one(self, text: str) -> np.ndarray:
        return embed_texts(self.embedder, [text])[0]

    def _embed(self, text: str, namespace: str) -> np.ndarray | None:
        """The vector of ``text`` to store an answer under, or None when the embedder failed (recorded)."""
        vector, seconds, failure = embed_prompt(self._embed_one, text)
        self._recorder.embedded(seconds, failure, namespace)
        return vector

    # -- storing -----------------------------------------------------------------------------------

    def _vector_for(self, attempt: Attempt) -> np.ndarray | None:
        if attempt.vector is None and attempt.canon.prompt:
            with self._lock:
                attempt.vector = self._vectors.pop((attempt.partition, attempt.canon.exact_key), None)
            if attempt.vector is None:
                attempt.vector = self._embed(attempt.canon.prompt, attempt.namespace)
        return attempt.vector

    def _store(self, attempt: Attempt, ttl: float | None, **fields: Any) -> BackendEntry | None:
        """Keep an answer (fail open: a storage error is reported, never raised).

        For a searching storage, returns the entry to hand to its ``store`` / ``astore`` instead (None when
        there is no vector to keep it under: no user text, or the embedder failed).
        """
        ttl = self.config.default_ttl if ttl is None else ttl
        if self._budget is not None:
            try:
                self._budget.settle(
                    attempt.partition,
                    attempt.canon.exact_key,
                    fields.get("response_text", ""),
                    fields.get("cost_usd", 0.0),
                )
            except Exception as exc:  # a failing judge costs the check, never the call
                self._recorder.failed("verify", exc, attempt.namespace)
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
            self._recorder.failed("store", exc, attempt.namespace)
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
                self._recorder.failed("store", exc, entry.namespace)

    async def _akeep(self, entry: BackendEntry | None) -> None:
        """Hand ``entry`` to a searching storage's ``astore`` (fail open)."""
        if entry is not None:
            try:
                await self.storage.astore(entry)
            except Exception as exc:
                self._recorder.failed("store", exc, entry.namespace)

    # -- the engine's path -------------------------------------------------------------------------

    def _engine_attempt(
        self, request: LLMRequest, cache_context: Mapping[str, Any] | None, cache_namespace: str | None
    ) -> tuple[CanonicalRequest, str] | None:
        namespace = cache_namespace or self.config.default_namespace
        try:
            return canonical_from_request(request, cache_context or {}), namespace
        except Exception as exc:
            self._recorder.failed("canonical", exc, namespace)
            return None

    def lookup_request(
        self,
        request: LLMRequest,
        *,
        occurrence: int = 0,
        cache_context: Mapping[str, Any] | None = None,
        cache_namespace: str | None = None,
    ) -> CallRecord | None:
        """The stored answer for the ``occurrence``-th (0-based) asking of ``request`` in a run, if any."""
        prepared = self._engine_attempt(request, cache_context, cache_namespace)
        if prepared is None:
            return None
        attempt, decision = self._find(*prepared, "engine", occurrence)
        call = None
        if decision.hit:
            call, decision = self._answer(decision, request.structured_output)
        self._record(attempt, decision)
        if call is None and attempt.vector is not None:
            with self._lock:
                self._vectors[(attempt.partition, attempt.canon.exact_key)] = attempt.vector
                while len(self._vectors) > _REMEMBERED_VECTORS:
                    self._vectors.popitem(last=False)
        return call

    @staticmethod
    def _answer(decision: Decision, schema: Any) -> tuple[CallRecord | None, Decision]:
        """A hit as the call's record, its structured answer as the model asked for; a stored answer that
        does not fit the model is a miss."""
        entry = decision.entry
        assert entry is not None  # a hit always has its entry
        parsed = entry.response.get("parsed")
        if parsed is not None and callable(getattr(schema, "model_validate", None)):
            try:
                parsed = schema.model_validate(parsed)
            except Exception as exc:
                return None, Decision("miss", similarity=decision.similarity, failure=("decode", exc))
        source = "exact" if decision.outcome == "exact" else "semantic"
        return call_from_entry(entry, source, float(decision.similarity or 0.0), parsed), decision

    def store_reply(
        self,
        request: LLMRequest,
        reply: CallRecord,
        *,
        latency_s: float | None = None,
        cost_usd: float | None = None,
        cache_context: Mapping[str, Any] | None = None,
        cache_namespace: str | None = None,
    ) -> None:
        """Keep a live answer to ``request`` (another sample when some are stored already); ``latency_s``
        and ``cost_usd`` default to the record's."""
        prepared = self._engine_attempt(request, cache_context, cache_namespace)
        if prepared is None:
            return
        attempt = Attempt(*prepared, self._partition(*prepared, "engine"), time.perf_counter())
        fields = entry_fields(reply)
        fields["model"] = reply.model or request.model
        if latency_s is not None:
            fields["latency_s"] = latency_s
        if cost_usd is not None:
            fields["cost_usd"] = cost_usd
        self._keep(self._store(attempt, None, **fields))

    # -- reporting and housekeeping -----------------------------------------------------------------

    def stats(self) -> CacheStats:
        """Hits, misses and similarity since this cache was created, and the size of each namespace."""
        counts, similarity_sum = self._recorder.counts()
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
            **(self._budget.stats_fields() if self._budget is not None else {}),
        )

    def namespaces(self) -> dict[str, int]:
        """Entries per namespace in the storage (what this process knows, if the storage fails)."""
        try:
            if self._searching_storage:  # recallm's contract can only count one namespace at a time
                return {ns: self.storage.namespace_size(ns) for ns in sorted(self._touched)}
            return self.storage.namespace_sizes()
        except Exception as exc:
            self._recorder.failed("stats", exc, "")
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
