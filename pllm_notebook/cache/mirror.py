"""What one process knows of a cache storage: entries by exact key and a vector index per partition.

The mirror follows the storage's change feed: each lookup compares the storage's change stamp (one
``stat`` for DuckDB) and, only when it moved, applies the puts and removals after the last sequence number
it saw. Entries this process writes are applied at once, without waiting for the feed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Iterable

from .storage_base import CacheEntry, CacheStorage, Removal
from .vector_index import VectorIndex

__all__ = ["CacheMirror"]

_UNSYNCED = object()


class CacheMirror:
    """Entries of a storage kept in memory for lookups; safe to use from several threads."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._entries: dict[str, CacheEntry] = {}
        self._exact: dict[tuple[str, str], list[CacheEntry]] = {}
        self._indexes: dict[str, VectorIndex] = {}
        self._namespaces: dict[str, set[str]] = {}
        self._stamp: Hashable = _UNSYNCED
        self._last_seq = 0

    def sync(self, storage: CacheStorage) -> bool:
        """Apply what changed in ``storage`` since the last sync; cheap when nothing did."""
        stamp = storage.change_stamp()
        if stamp == self._stamp:
            return False
        with self.lock:
            if stamp == self._stamp:
                return False
            batch = storage.changes(self._last_seq)
            if batch.reset:
                self.remove(list(self._entries))
                self._last_seq = 0
            for change in batch.ordered():
                if isinstance(change, Removal):
                    self._apply_removal(change)
                else:
                    self.add(change)
            self._last_seq = max(self._last_seq, batch.last_seq)
            self._stamp = stamp
            return True

    def wrote(self, transition: tuple[Hashable, Hashable] | None, seq: int = 0) -> None:
        """This process made a write (up to sequence number ``seq``, if known) and applied it here: if
        nothing else happened since the last sync (``transition`` starts at the stamp we are at), we are
        in step with the stamp after it."""
        if transition is None:
            return
        with self.lock:
            if transition[0] == self._stamp:
                self._stamp = transition[1]
                self._last_seq = max(self._last_seq, seq)

    def _apply_removal(self, removal: Removal) -> None:
        if removal.scope == "entry":
            self.remove([removal.key])
        elif removal.scope == "namespace":
            self.remove(
                [i for i in self._namespaces.get(removal.key, ()) if self._entries[i].seq < removal.seq]
            )
        else:
            self.remove([i for i, e in self._entries.items() if e.seq < removal.seq])

    def add(self, entry: CacheEntry) -> None:
        """Know ``entry`` (replacing an older copy); its vector moves into the partition's index."""
        with self.lock:
            if entry.id in self._entries:
                self.remove([entry.id])
            vector, entry.embedding = entry.embedding, None
            self._entries[entry.id] = entry
            self._namespaces.setdefault(entry.namespace, set()).add(entry.id)
            key = (entry.partition, entry.exact_key)  # a new list, so readers without the lock see old or new
            self._exact[key] = sorted([*self._exact.get(key, ()), entry], key=lambda e: (e.created, e.seq))
            if vector is not None:
                index = self._indexes.get(entry.partition)
                if index is None or index.dim != vector.shape[0]:
                    index = self._indexes[entry.partition] = VectorIndex(vector.shape[0])
                index.add(entry.id, vector)

    def remove(self, entry_ids: Iterable[str]) -> None:
        """Forget these entries (ids not known are ignored)."""
        with self.lock:
            for entry_id in list(entry_ids):
                entry = self._entries.pop(entry_id, None)
                if entry is None:
                    continue
                self._namespaces.get(entry.namespace, set()).discard(entry_id)
                key = (entry.partition, entry.exact_key)
                group = [e for e in self._exact.get(key, ()) if e.id != entry_id]
                if group:
                    self._exact[key] = group
                else:
                    self._exact.pop(key, None)
                index = self._indexes.get(entry.partition)
                if index is not None:
                    index.remove(entry_id)
                    if not len(index):
                        del self._indexes[entry.partition]

    def remove_namespace(self, namespace: str) -> None:
        """Forget every entry of ``namespace``."""
        with self.lock:
            self.remove(list(self._namespaces.pop(namespace, ())))

    def exact(self, partition: str, exact_key: str, now: float | None = None) -> list[CacheEntry]:
        """Live entries stored for exactly this request, oldest first (several samples of one request)."""
        now = time.time() if now is None else now
        return [e for e in self._exact.get((partition, exact_key), ()) if not e.is_expired(now)]

    def nearest(self, partition: str, vector, k: int = 4) -> list[tuple[CacheEntry, float]]:
        """Up to ``k`` live entries of ``partition`` nearest to ``vector``, best first."""
        with self.lock:
            index = self._indexes.get(partition)
            if index is None or index.dim != vector.shape[0]:
                return []
            found = index.search(vector, k)
            now = time.time()
            return [(self._entries[i], s) for i, s in found if not self._entries[i].is_expired(now)]

    def get(self, entry_id: str) -> CacheEntry | None:
        return self._entries.get(entry_id)

    def namespace_sizes(self) -> dict[str, int]:
        """Entries known per namespace."""
        with self.lock:
            return {ns: len(ids) for ns, ids in self._namespaces.items() if ids}

    def index_bytes(self) -> int:
        """Bytes held by the vector indexes."""
        with self.lock:
            return sum(index.nbytes for index in self._indexes.values())
