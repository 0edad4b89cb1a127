"""``DuckDBStorage``: cache entries in a resume directory's DuckDB file, shared by every process using it.

Entries live in the ``cache_entries`` table (vectors in a ``FLOAT[]`` column); removals are logged in the
store's ``deletions`` table under the shared ``change_seq`` sequence, the same scheme the resume store
follows, so each process's in-memory index catches up with one ``stat`` and, when something changed, one
query for the rows after the last sequence number it saw. Connections are the store's short-lived,
flock-guarded ones. Hit counts are buffered and written about once a second (and before any eviction).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from ..store import Database
from .storage_base import CacheEntry, CacheStorage, ChangeBatch, Removal, ScoredEntry, unit_vector

__all__ = ["DuckDBStorage"]

_COLUMNS = (
    "id, namespace, partition_key, exact_key, embedding_model_id, prompt_text, request, response, "
    "response_text, model_id, provider, input_tokens, output_tokens, latency_s, cost_usd, created, expires, "
    "hits, last_hit, seq"
)
log = logging.getLogger("pllm_notebook")
_REMOVAL_SCOPES = {"cache_entries": "entry", "cache_namespaces": "namespace", "cache_all": "all"}
TOUCH_FLUSH_S = 1.0
TOUCH_TRIES = 3


def _entry(row: tuple, vector: Any = None) -> CacheEntry:
    return CacheEntry(
        id=row[0],
        namespace=row[1],
        partition=row[2],
        exact_key=row[3],
        embedding_model_id=row[4] or "",
        prompt_text=row[5] or "",
        embedding=None if vector is None else np.asarray(vector, dtype=np.float32),
        request=json.loads(row[6]) if row[6] else {},
        response=json.loads(row[7]) if row[7] else {},
        response_text=row[8] or "",
        model=row[9] or "",
        provider=row[10] or "",
        input_tokens=int(row[11] or 0),
        output_tokens=int(row[12] or 0),
        latency_s=float(row[13] or 0.0),
        cost_usd=float(row[14] or 0.0),
        created=float(row[15] or 0.0),
        expires=None if row[16] is None else float(row[16]),
        hits=int(row[17] or 0),
        last_hit=None if row[18] is None else float(row[18]),
        seq=int(row[19]),
    )


class DuckDBStorage(CacheStorage):
    """Durable entries in ``<directory>/pllm.duckdb`` (the resume directory's file)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.db = Database(directory)
        self.directory = str(self.db.directory)
        self._touches: dict[str, tuple[int, float, int]] = {}  # id -> (hits, last hit, writes tried)
        self._touch_lock = threading.Lock()
        self._touch_timer: threading.Timer | None = None
        self._exiting = False
        self._write_lock = threading.Lock()
        self._local = threading.local()
        atexit.register(_flush_at_exit, weakref.ref(self))

    def __repr__(self) -> str:
        return f"DuckDBStorage({self.directory!r})"

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """The store's transaction, remembering (per thread) the stamps around its commit."""
        with self._write_lock:
            with self.db.transaction() as con:
                yield con
            self._local.last_write = self.db.last_commit

    def last_write(self) -> tuple[Hashable, Hashable] | None:
        return getattr(self._local, "last_write", None)

    # -- writing ---------------------------------------------------------------------------------

    def put(self, entry: CacheEntry, *, max_entries: int | None = None) -> list[str]:
        return self.put_many([entry], max_entries=max_entries)

    def put_many(self, entries: Iterable[CacheEntry], *, max_entries: int | None = None) -> list[str]:
        entries = list(entries)
        removed: list[str] = []
        with self._transaction() as con:
            for entry in entries:
                entry.seq = con.execute(
                    f"INSERT INTO cache_entries ({_COLUMNS.replace(', seq', '')}, embedding, seq) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nextval('change_seq')) "
                    "RETURNING seq",
                    [
                        entry.id,
                        entry.namespace,
                        entry.partition,
                        entry.exact_key,
                        entry.embedding_model_id,
                        entry.prompt_text,
                        json.dumps(entry.request, default=str),
                        json.dumps(entry.response, default=str),
                        entry.response_text,
                        entry.model,
                        entry.provider,
                        entry.input_tokens,
                        entry.output_tokens,
                        entry.latency_s,
                        entry.cost_usd,
                        entry.created,
                        entry.expires,
                        entry.hits,
                        entry.last_hit,
                        None if entry.embedding is None else np.asarray(entry.embedding, dtype=np.float32),
                    ],
                ).fetchall()[0][0]
            self._write_touches(con)  # after the inserts: a hit may be for one of them; before evicting
            for namespace in {e.namespace for e in entries}:
                removed += self._evict(con, namespace, max_entries)
        return removed

    def _evict(self, con: Any, namespace: str, max_entries: int | None) -> list[str]:
        now = time.time()
        doomed = [
            r[0]
            for r in con.execute(
                "SELECT id FROM cache_entries WHERE namespace = ? AND expires IS NOT NULL AND expires <= ?",
                [namespace, now],
            ).fetchall()
        ]
        if max_entries is not None:
            doomed += [
                r[0]
                for r in con.execute(
                    "SELECT id FROM cache_entries WHERE namespace = ? AND (expires IS NULL OR expires > ?) "
                    "ORDER BY coalesce(last_hit, created) DESC, seq DESC OFFSET ?",
                    [namespace, now, max_entries],
                ).fetchall()
            ]
        return self._delete_rows(con, doomed)

    def _delete_rows(self, con: Any, entry_ids: list[str]) -> list[str]:
        if not entry_ids:
            return []
        existing = [
            r[0]
            for r in con.execute(
                "SELECT id FROM cache_entries WHERE list_contains(?::VARCHAR[], id)", [entry_ids]
            ).fetchall()
        ]
        if existing:
            con.execute("DELETE FROM cache_entries WHERE list_contains(?::VARCHAR[], id)", [existing])
            con.execute(
                "INSERT INTO deletions SELECT nextval('change_seq'), 'cache_entries', unnest(?::VARCHAR[]), ?",
                [existing, time.time()],
            )
        return existing

    def touch(self, uses: Mapping[str, float]) -> None:
        with self._touch_lock:
            for entry_id, when in uses.items():
                count, last, tries = self._touches.get(entry_id, (0, 0.0, 0))
                self._touches[entry_id] = (count + 1, max(last, when), tries)
            if self._touch_timer is None and not self._exiting:
                self._touch_timer = threading.Timer(TOUCH_FLUSH_S, self._flush_quietly)
                self._touch_timer.daemon = True
                self._touch_timer.start()

    def _write_touches(self, con: Any) -> None:
        """Write buffered hit counts. A hit on an entry whose row is not there yet (another thread's write
        of it has not committed) is kept for the next few writes, then dropped."""
        with self._touch_lock:
            touches, self._touches = self._touches, {}
            self._touch_timer = None
        unmatched = {}
        for entry_id, (count, last, tries) in touches.items():
            found = con.execute(
                "UPDATE cache_entries SET hits = coalesce(hits, 0) + ?, "
                "last_hit = greatest(coalesce(last_hit, 0), ?) WHERE id = ? RETURNING id",
                [count, last, entry_id],
            ).fetchall()
            if not found and tries < TOUCH_TRIES:
                unmatched[entry_id] = (count, last, tries + 1)
        if unmatched:
            with self._touch_lock:
                for entry_id, (count, last, tries) in unmatched.items():
                    newer = self._touches.get(entry_id, (0, 0.0, 0))
                    self._touches[entry_id] = (count + newer[0], max(last, newer[1]), tries)

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception as exc:  # hit counts only order evictions: losing some is harmless
            log.warning("pllm_notebook could not save cache hit counts to %s: %s", self.directory, exc)

    def flush(self) -> None:
        with self._touch_lock:
            pending = bool(self._touches)
        if pending:
            with self._transaction() as con:
                self._write_touches(con)

    def delete(self, entry_ids: Iterable[str]) -> int:
        with self._transaction() as con:
            return len(self._delete_rows(con, list(entry_ids)))

    def invalidate_namespace(self, namespace: str) -> int:
        with self._transaction() as con:
            count = con.execute(
                "SELECT count(*) FROM cache_entries WHERE namespace = ?", [namespace]
            ).fetchall()
            con.execute("DELETE FROM cache_entries WHERE namespace = ?", [namespace])
            con.execute(
                "INSERT INTO deletions VALUES (nextval('change_seq'), 'cache_namespaces', ?, ?)",
                [namespace, time.time()],
            )
        return int(count[0][0])

    def clear(self) -> int:
        with self._transaction() as con:
            count = con.execute("SELECT count(*) FROM cache_entries").fetchall()
            con.execute("DELETE FROM cache_entries")
            con.execute(
                "INSERT INTO deletions VALUES (nextval('change_seq'), 'cache_all', '', ?)", [time.time()]
            )
        return int(count[0][0])

    def purge_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        with self._transaction() as con:
            doomed = con.execute(
                "SELECT id FROM cache_entries WHERE expires IS NOT NULL AND expires <= ?", [now]
            ).fetchall()
            return len(self._delete_rows(con, [r[0] for r in doomed]))

    # -- reading ---------------------------------------------------------------------------------

    def _select(
        self, where: str, params: list[Any], *, with_vectors: bool, tail: str = ""
    ) -> list[CacheEntry]:
        vector_column = ", embedding" if with_vectors else ""
        with self.db.connect() as con:
            rows = con.execute(
                f"SELECT {_COLUMNS}{vector_column} FROM cache_entries WHERE {where} {tail}", params
            ).fetchall()
        return [_entry(row, row[20] if with_vectors else None) for row in rows]

    def get(self, entry_id: str) -> CacheEntry | None:
        found = self._select("id = ?", [entry_id], with_vectors=True)
        return found[0] if found else None

    def entries(
        self, namespace: str, *, limit: int | None = None, offset: int = 0, with_vectors: bool = False
    ) -> list[CacheEntry]:
        tail = (
            "ORDER BY seq DESC"
            + (f" LIMIT {int(limit)}" if limit is not None else "")
            + f" OFFSET {int(offset)}"
        )
        return self._select("namespace = ?", [namespace], with_vectors=with_vectors, tail=tail)

    def namespace_sizes(self) -> dict[str, int]:
        with self.db.connect() as con:
            rows = con.execute("SELECT namespace, count(*) FROM cache_entries GROUP BY namespace").fetchall()
        return {ns: int(n) for ns, n in sorted(rows)}

    # -- following changes -------------------------------------------------------------------------

    def change_stamp(self) -> Hashable:
        return self.db.generation()

    def changes(self, since: int) -> ChangeBatch:
        with self.db.connect() as con:
            top = con.execute(
                "SELECT greatest((SELECT max(seq) FROM cache_entries), (SELECT max(seq) FROM deletions))"
            ).fetchall()[0][0]
            reset = since > (top or 0)  # the file was re-created: its sequence started again
            if reset:
                since = 0
            result = con.execute(
                f"SELECT {_COLUMNS}, embedding FROM cache_entries WHERE seq > ? ORDER BY seq", [since]
            ).fetchnumpy()
            removals = con.execute(
                "SELECT seq, tbl, key FROM deletions WHERE seq > ? AND tbl IN "
                "('cache_entries', 'cache_namespaces', 'cache_all') ORDER BY seq",
                [since],
            ).fetchall()
        names = [c.strip() for c in _COLUMNS.split(",")] + ["embedding"]
        columns = [result[name].tolist() for name in names]  # tolist turns NULLs (masked) into None
        entries = [_entry(row[:20], row[20]) for row in zip(*columns, strict=True)]
        for entry in entries:
            if entry.embedding is not None and not entry.embedding.size:
                entry.embedding = None
        found = [Removal(int(seq), _REMOVAL_SCOPES[tbl], key) for seq, tbl, key in removals]
        last = max([since] + [e.seq for e in entries] + [r.seq for r in found])
        return ChangeBatch(entries, found, last, reset=reset)

    # -- inspection --------------------------------------------------------------------------------

    def similar(
        self, vector: np.ndarray, embedding_model_id: str, *, k: int = 5, namespace: str | None = None
    ) -> list[ScoredEntry]:
        """Nearest entries by DuckDB's ``array_cosine_similarity`` over the stored vectors."""
        query = unit_vector(vector)
        dim = int(query.shape[0])
        where = "embedding_model_id = ? AND embedding IS NOT NULL AND len(embedding) = ?"
        params: list[Any] = [query, embedding_model_id, dim]
        if namespace is not None:
            where += " AND namespace = ?"
            params.append(namespace)
        with self.db.connect() as con:
            rows = con.execute(
                f"SELECT {_COLUMNS}, embedding, array_cosine_similarity(embedding::FLOAT[{dim}], "
                f"?::FLOAT[{dim}]) AS similarity FROM cache_entries WHERE {where} "
                f"ORDER BY similarity DESC LIMIT {int(k)}",
                params,
            ).fetchall()
        return [ScoredEntry(_entry(row, row[20]), float(row[21])) for row in rows]

    def close(self) -> None:
        with self._touch_lock:
            timer, self._touch_timer = self._touch_timer, None
        if timer is not None:
            timer.cancel()
        self.flush()


def _flush_at_exit(ref: weakref.ref[DuckDBStorage]) -> None:
    """Stop the hit-count timer, then write what it holds: a daemon thread still inside DuckDB while the
    interpreter shuts down aborts the whole process."""
    storage = ref()
    if storage is None:
        return
    with storage._touch_lock:
        storage._exiting = True
        timer, storage._touch_timer = storage._touch_timer, None
    if timer is not None:
        timer.cancel()
        if timer is not threading.current_thread():
            timer.join(timeout=30)
    storage.flush()
