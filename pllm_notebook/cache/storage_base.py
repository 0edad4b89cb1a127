"""The storage interface every semantic-cache backend implements (in memory, DuckDB, Redis).

A storage is the durable truth: it keeps entries (request, response, embedding, usage), enforces TTL and a
per-namespace size bound with least-recently-used eviction, and removes entries on purpose. It does NOT
search: each :class:`~pllm_notebook.cache.SemanticCache` keeps an in-memory index and follows the storage
through :meth:`CacheStorage.change_stamp` (cheap, called on every lookup) and :meth:`CacheStorage.changes`
(only when the stamp moved), so lookups never reload a namespace and writes of other processes show up.

Change feed contract: every put, delete and invalidation gets a sequence number that grows in commit order
across all processes sharing the storage. ``changes(since)`` returns what happened after ``since``, in
order, as puts (whole entries, vector included) and removals (one entry, one namespace, or everything).
Touches (hit counts, last use) do not appear in the feed: they only matter to eviction, which the storage
does itself.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import ConfigError
from ..hashing import stable_hash
from .responses import response_summary

__all__ = [
    "BackendEntry",
    "CacheEntry",
    "CacheStorage",
    "ChangeBatch",
    "Removal",
    "ScoredEntry",
    "SearchResult",
    "StorageBackend",
    "searches_itself",
    "unit_vector",
]


def unit_vector(values: Any) -> np.ndarray:
    """``values`` as a 1-D float32 vector of length 1 (a zero vector is returned unchanged)."""
    vector = np.asarray(values, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


@dataclass
class CacheEntry:
    """One stored answer, with everything needed to find it again and to report what it saved.

    ``partition`` groups the entries a request may ever match (namespace, embedder, model, system prompt,
    earlier turns, sampling parameters, tools, response format, cache_context); ``exact_key`` identifies the
    whole canonical request inside it. ``embedding`` is the unit vector of ``prompt_text`` under
    ``embedding_model_id`` (None when the request had no user text to embed).
    """

    id: str
    namespace: str
    partition: str
    exact_key: str
    embedding_model_id: str
    prompt_text: str
    embedding: np.ndarray | None = field(repr=False)
    request: dict[str, Any] = field(repr=False)
    response: dict[str, Any] = field(repr=False)
    response_text: str = ""
    model: str = ""
    provider: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    created: float = field(default_factory=time.time)
    expires: float | None = None
    hits: int = 0
    last_hit: float | None = None
    seq: int = 0

    def is_expired(self, now: float | None = None) -> bool:
        """Whether the entry's time to live ran out."""
        return self.expires is not None and (time.time() if now is None else now) >= self.expires

    @property
    def last_used(self) -> float:
        """When the entry was last served (or stored): the order of least-recently-used eviction."""
        return self.last_hit if self.last_hit is not None else self.created


@dataclass(frozen=True)
class Removal:
    """Entries that went away: one entry (``scope="entry"``), a namespace, or everything (``"all"``)."""

    seq: int
    scope: Literal["entry", "namespace", "all"]
    key: str = ""


@dataclass
class ChangeBatch:
    """What happened after a sequence number: puts and removals, each carrying its own ``seq``.

    ``reset`` says the storage was emptied or re-created under the reader (its sequence numbers started
    again): the reader must forget everything it knew; ``entries`` then holds everything stored now.
    """

    entries: list[CacheEntry]
    removals: list[Removal]
    last_seq: int
    reset: bool = False

    def ordered(self) -> list[CacheEntry | Removal]:
        """Puts and removals merged in sequence order, the order they must be applied in."""
        return sorted([*self.entries, *self.removals], key=lambda change: change.seq)


@dataclass(frozen=True)
class ScoredEntry:
    """An entry and its cosine similarity to a query (from :meth:`CacheStorage.similar`)."""

    entry: CacheEntry
    similarity: float


# -- recallm's storage contract ---------------------------------------------------------------------


@dataclass
class BackendEntry:
    """One stored answer as a :class:`StorageBackend` sees it (recallm's ``CacheEntry``).

    ``context_hash`` is the entry's partition: pllm_notebook puts the model, system prompt, earlier turns
    and sampling parameters in it beside ``cache_context``. ``response`` is the answer as JSON data.
    """

    embedding: list[float]
    prompt_text: str
    context_hash: str
    namespace: str
    embedding_model_id: str
    response: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: float = field(default_factory=time.time)
    ttl: float | None = None

    def is_expired(self) -> bool:
        """Whether the entry outlived its time to live."""
        return self.ttl is not None and time.time() - self.created_at > self.ttl


@dataclass
class SearchResult:
    """The best candidate a :meth:`StorageBackend.search` scored: ``entry`` is None below the threshold."""

    entry: BackendEntry | None
    best_score: float


class StorageBackend(ABC):
    """recallm's storage contract: a storage that stores entries and searches them itself.

    Subclass it (or one of pllm_notebook's storages) and override ``store`` / ``search``: the cache then
    calls them (``astore`` / ``asearch`` from async code, under ``CacheConfig.cache_timeout_seconds``)
    instead of searching its own index. The async methods default to the sync ones in a worker thread.
    """

    @abstractmethod
    def store(self, entry: BackendEntry) -> None:
        """Keep ``entry``."""

    @abstractmethod
    def search(
        self,
        embedding: list[float],
        namespace: str,
        embedding_model_id: str,
        context_hash: str,
        threshold: float,
    ) -> SearchResult | None:
        """The best entry of ``namespace`` with this model and context, or None when there was no candidate."""

    @abstractmethod
    def invalidate_namespace(self, namespace: str) -> int:
        """Remove every entry of ``namespace``; returns how many there were."""

    @abstractmethod
    def clear(self) -> int | None:
        """Remove every entry."""

    @abstractmethod
    def namespace_size(self, namespace: str) -> int:
        """How many entries ``namespace`` holds."""

    async def astore(self, entry: BackendEntry) -> None:
        await asyncio.to_thread(self.store, entry)

    async def asearch(
        self,
        embedding: list[float],
        namespace: str,
        embedding_model_id: str,
        context_hash: str,
        threshold: float,
    ) -> SearchResult | None:
        return await asyncio.to_thread(
            self.search, embedding, namespace, embedding_model_id, context_hash, threshold
        )

    async def ainvalidate_namespace(self, namespace: str) -> int:
        return await asyncio.to_thread(self.invalidate_namespace, namespace)

    async def aclear(self) -> int | None:
        return await asyncio.to_thread(self.clear)

    async def anamespace_size(self, namespace: str) -> int:
        return await asyncio.to_thread(self.namespace_size, namespace)


def _payload_text(response: dict[str, Any]) -> tuple[str, str]:
    """Answer text and model of a stored response payload (an engine reply or a wrapped SDK response)."""
    if response.get("format") == "reply":
        return str(response.get("text") or ""), ""
    summary = response_summary(response.get("data"))
    return summary["text"], summary["model"]


def entry_from_backend(entry: BackendEntry) -> CacheEntry:
    """A :class:`BackendEntry` as the cache's own row."""
    text, model = _payload_text(entry.response)
    return CacheEntry(
        id=entry.id,
        namespace=entry.namespace,
        partition=entry.context_hash,
        exact_key=stable_hash("backend-prompt", entry.prompt_text),
        embedding_model_id=entry.embedding_model_id,
        prompt_text=entry.prompt_text,
        embedding=unit_vector(entry.embedding),
        request={},
        response=entry.response,
        response_text=text,
        model=model,
        created=entry.created_at,
        expires=None if entry.ttl is None else entry.created_at + entry.ttl,
    )


def entry_to_backend(entry: CacheEntry) -> BackendEntry:
    """The cache's own row as a :class:`BackendEntry`."""
    return BackendEntry(
        embedding=[] if entry.embedding is None else [float(x) for x in entry.embedding],
        prompt_text=entry.prompt_text,
        context_hash=entry.partition,
        namespace=entry.namespace,
        embedding_model_id=entry.embedding_model_id,
        response=entry.response,
        id=entry.id,
        created_at=entry.created,
        ttl=None if entry.expires is None else entry.expires - entry.created,
    )


class CacheStorage(StorageBackend):
    """Durable cache entries shared by every :class:`SemanticCache` (and process) that uses them.

    Implement the abstract methods; the rest have defaults built on them. Every method must be safe to
    call from several threads, unless the class says otherwise (``InMemoryStorage``).
    """

    #: Where the storage keeps its data, for the ``directory`` of cache events ("" when in memory).
    directory: str = ""

    # -- writing ---------------------------------------------------------------------------------

    @abstractmethod
    def put(self, entry: CacheEntry, *, max_entries: int | None = None) -> list[str]:
        """Store ``entry`` durably and give it the next sequence number (set on ``entry.seq``).

        In the same step, drop expired entries of the entry's namespace and, when ``max_entries`` is set,
        the least recently used entries beyond that many. Returns the ids removed that way.
        """

    def put_many(self, entries: Iterable[CacheEntry], *, max_entries: int | None = None) -> list[str]:
        """Store several entries (one transaction where the backend allows it)."""
        removed: list[str] = []
        for entry in entries:
            removed += self.put(entry, max_entries=max_entries)
        return removed

    @abstractmethod
    def touch(self, uses: Mapping[str, float]) -> None:
        """Record that entries were served: ``{entry_id: when}`` adds one hit and sets ``last_hit``.

        Called on the hit path, so it must be cheap: a backend may buffer touches and write them later,
        but must write them before it evicts.
        """

    @abstractmethod
    def delete(self, entry_ids: Iterable[str]) -> int:
        """Remove these entries; returns how many existed."""

    @abstractmethod
    def invalidate_namespace(self, namespace: str) -> int:
        """Remove every entry of ``namespace``, for every process; returns how many there were."""

    @abstractmethod
    def clear(self) -> int:
        """Remove every entry of every namespace; returns how many there were."""

    def purge_expired(self, now: float | None = None) -> int:
        """Remove every expired entry; returns how many."""
        now = time.time() if now is None else now
        expired = [e.id for ns in self.namespace_sizes() for e in self.entries(ns) if e.is_expired(now)]
        return self.delete(expired) if expired else 0

    # -- reading ---------------------------------------------------------------------------------

    @abstractmethod
    def get(self, entry_id: str) -> CacheEntry | None:
        """The entry with this id (vector included), or None."""

    @abstractmethod
    def entries(
        self, namespace: str, *, limit: int | None = None, offset: int = 0, with_vectors: bool = False
    ) -> list[CacheEntry]:
        """The entries of ``namespace``, newest first; vectors only when asked (they are large)."""

    @abstractmethod
    def namespace_sizes(self) -> dict[str, int]:
        """How many entries each namespace holds (expired ones not yet purged included)."""

    def namespace_size(self, namespace: str) -> int:
        """How many entries ``namespace`` holds."""
        return self.namespace_sizes().get(namespace, 0)

    # -- following changes -------------------------------------------------------------------------

    @abstractmethod
    def change_stamp(self) -> Hashable:
        """A value that changes whenever anything (in any process) changed the entries. Must be cheap."""

    @abstractmethod
    def changes(self, since: int) -> ChangeBatch:
        """Puts and removals with a sequence number above ``since`` (0: everything stored)."""

    def last_write(self) -> tuple[Hashable, Hashable] | None:
        """The change stamps just before and just after the calling thread's last write, if known.

        A reader that applied that write itself and was in step at the first stamp may move to the second
        without reading the change feed. None (the default) when the storage cannot tell.
        """
        return None

    # -- inspection --------------------------------------------------------------------------------

    def similar(
        self, vector: np.ndarray, embedding_model_id: str, *, k: int = 5, namespace: str | None = None
    ) -> list[ScoredEntry]:
        """The ``k`` entries nearest to ``vector`` among those embedded by ``embedding_model_id``.

        For inspection (the dashboard's cache browser), not for the lookup path. This default scans the
        entries in Python; backends with vector functions override it.
        """
        query = unit_vector(vector)
        namespaces = [namespace] if namespace is not None else list(self.namespace_sizes())
        scored = [
            ScoredEntry(entry, float(np.dot(query, entry.embedding)))
            for ns in namespaces
            for entry in self.entries(ns, with_vectors=True)
            if entry.embedding is not None
            and entry.embedding_model_id == embedding_model_id
            and entry.embedding.shape == query.shape
        ]
        scored.sort(key=lambda s: s.similarity, reverse=True)
        return scored[:k]

    # -- recallm's contract, on top of the above ---------------------------------------------------------

    def store(self, entry: BackendEntry) -> None:
        """Keep a recallm-style entry (its ``context_hash`` is the partition)."""
        self.put(entry_from_backend(entry))

    def search(
        self,
        embedding: list[float],
        namespace: str,
        embedding_model_id: str,
        context_hash: str,
        threshold: float,
    ) -> SearchResult | None:
        """recallm's search: the best live entry of ``namespace`` with this model and ``context_hash``."""
        query = unit_vector(embedding)
        scored = [
            (float(np.dot(query, e.embedding)), e)
            for e in self.entries(namespace, with_vectors=True)
            if e.embedding is not None
            and e.embedding_model_id == embedding_model_id
            and e.partition == context_hash
            and e.embedding.shape == query.shape
            and not e.is_expired()
        ]
        if not scored:
            return None
        best, entry = max(scored, key=lambda pair: pair[0])
        return SearchResult(entry_to_backend(entry) if best >= threshold else None, best)

    def flush(self) -> None:  # noqa: B027 - optional hook
        """Write anything buffered (touches) now."""

    def close(self) -> None:
        """Write anything buffered and release resources; the storage may not be used afterwards."""
        self.flush()


_SEARCH_METHODS = ("store", "search", "astore", "asearch")


def searches_itself(storage: Any) -> bool:
    """Whether the cache must call ``storage``'s own ``store`` / ``search`` instead of its index.

    True for a :class:`StorageBackend` written to recallm's contract, and for a pllm_notebook storage
    whose class overrides one of those methods. A ``ConfigError`` for anything that is not a storage.
    """
    if isinstance(storage, CacheStorage):
        kind = type(storage)
        return any(getattr(kind, name, None) is not getattr(CacheStorage, name) for name in _SEARCH_METHODS)
    if isinstance(storage, StorageBackend):
        return True
    raise ConfigError(
        f"storage must be a pllm_notebook storage (InMemoryStorage, DuckDBStorage, RedisStorage) or a "
        f"StorageBackend subclass, got {type(storage).__name__}"
    )
