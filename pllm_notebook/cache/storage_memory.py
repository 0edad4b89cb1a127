"""In-process storages: ``InMemoryStorage`` (one thread) and ``ThreadSafeInMemoryStorage`` (many).

Nothing survives the process; use ``DuckDBStorage`` to keep entries and share them between processes.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import threading
import time
from collections.abc import Hashable, Iterable, Mapping

from .storage_base import CacheEntry, CacheStorage, ChangeBatch, Removal

__all__ = ["InMemoryStorage", "ThreadSafeInMemoryStorage"]


def _copy(entry: CacheEntry, with_vector: bool = True) -> CacheEntry:
    return dataclasses.replace(entry, embedding=entry.embedding if with_vector else None)


class InMemoryStorage(CacheStorage):
    """Entries in a dict of this process. Not safe for several threads: use ThreadSafeInMemoryStorage."""

    def __init__(self) -> None:
        self._entries: dict[str, CacheEntry] = {}
        self._by_namespace: dict[str, dict[str, CacheEntry]] = {}
        self._removals: list[Removal] = []
        self._seq = 0
        self._expiring = False

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _drop(self, entry_ids: Iterable[str]) -> list[str]:
        removed = []
        for entry_id in entry_ids:
            entry = self._entries.pop(entry_id, None)
            if entry is not None:
                self._by_namespace[entry.namespace].pop(entry_id, None)
                self._removals.append(Removal(self._next_seq(), "entry", entry_id))
                removed.append(entry_id)
        return removed

    def put(self, entry: CacheEntry, *, max_entries: int | None = None) -> list[str]:
        entry.seq = self._next_seq()
        stored = self._entries[entry.id] = _copy(entry)
        same = self._by_namespace.setdefault(entry.namespace, {})
        same[entry.id] = stored
        now = time.time()
        doomed = (
            [e.id for e in same.values() if e.is_expired(now)] if stored.expires or self._expiring else []
        )
        if stored.expires is not None:
            self._expiring = True
        if max_entries is not None and len(same) - len(doomed) > max_entries:
            alive = [e for e in same.values() if not e.is_expired(now)]
            if len(alive) > max_entries:
                alive.sort(key=lambda e: (e.last_used, e.seq), reverse=True)
                doomed += [e.id for e in alive[max_entries:]]
        return self._drop(doomed)

    def touch(self, uses: Mapping[str, float]) -> None:
        for entry_id, when in uses.items():
            entry = self._entries.get(entry_id)
            if entry is not None:
                entry.hits += 1
                entry.last_hit = max(when, entry.last_hit or 0.0)

    def delete(self, entry_ids: Iterable[str]) -> int:
        return len(self._drop(entry_ids))

    def invalidate_namespace(self, namespace: str) -> int:
        doomed = self._by_namespace.pop(namespace, {})
        for entry_id in doomed:
            del self._entries[entry_id]
        self._removals.append(Removal(self._next_seq(), "namespace", namespace))
        return len(doomed)

    def clear(self) -> int:
        count = len(self._entries)
        self._entries.clear()
        self._by_namespace.clear()
        self._removals.append(Removal(self._next_seq(), "all"))
        return count

    def get(self, entry_id: str) -> CacheEntry | None:
        entry = self._entries.get(entry_id)
        return _copy(entry) if entry is not None else None

    def entries(
        self, namespace: str, *, limit: int | None = None, offset: int = 0, with_vectors: bool = False
    ) -> list[CacheEntry]:
        found = list(reversed(self._by_namespace.get(namespace, {}).values()))
        end = None if limit is None else offset + limit
        return [_copy(e, with_vectors) for e in found[offset:end]]

    def namespace_sizes(self) -> dict[str, int]:
        return {ns: len(ids) for ns, ids in self._by_namespace.items() if ids}

    def change_stamp(self) -> Hashable:
        return self._seq

    def changes(self, since: int) -> ChangeBatch:
        fresh = []
        for entry in reversed(self._entries.values()):  # insertion order is sequence order
            if entry.seq <= since:
                break
            fresh.append(_copy(entry))
        fresh.reverse()
        start = bisect.bisect_right(self._removals, since, key=lambda r: r.seq)
        return ChangeBatch(fresh, self._removals[start:], self._seq)


def _locked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class ThreadSafeInMemoryStorage(InMemoryStorage):
    """``InMemoryStorage`` behind a lock, for caches used from several threads."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()

    put = _locked(InMemoryStorage.put)
    touch = _locked(InMemoryStorage.touch)
    delete = _locked(InMemoryStorage.delete)
    invalidate_namespace = _locked(InMemoryStorage.invalidate_namespace)
    clear = _locked(InMemoryStorage.clear)
    get = _locked(InMemoryStorage.get)
    entries = _locked(InMemoryStorage.entries)
    namespace_sizes = _locked(InMemoryStorage.namespace_sizes)
    changes = _locked(InMemoryStorage.changes)
