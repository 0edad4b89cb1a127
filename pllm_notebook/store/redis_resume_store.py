"""The resume store in Redis: calls, memo entries and blobs shared by every process pointed at one URL.

The same in-memory mirror as :class:`ResumeStore` (reads never wait on Redis), kept in step through a
change counter and a Redis Stream of "call", "memo" and "memo deleted" records: a reader that sees the
counter move reads the records after the last one it saw and fetches only those rows. When the records
do not add up (the stream was trimmed, Redis restarted), it reads every row once instead.

Writes are synchronous (a Redis round trip is well under a millisecond). A call that cannot be written
is kept in memory, reported once, and written with the next memo entry: a memo entry and every call it
replays go to Redis in one ``MULTI`` transaction, so an entry is never visible without its calls. If
Redis is unreachable, reads fall back on what the mirror already holds (the call goes live) and memo
writes raise :class:`StoreError` (the block ran; it is just not saved).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..call_codec import call_from_row, call_to_row
from ..errors import ConfigError, IntegrityError, StoreError
from .integrity import MemoSigner
from .records import BatchEntry, CallRecord, MemoRecord
from .resume_store import ResumeStore

__all__ = ["RedisResumeStore", "RedisBlobStore"]

log = logging.getLogger("pllm_notebook")

DEFAULT_PREFIX = "pllm:store:"
FEED_MAX_LEN = 500_000


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.RedisError, OSError)


def _safe_url(url: str) -> str:
    """``url`` without a password, for messages."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


class RedisBlobStore:
    """Content-addressed blobs as Redis strings; a read checks the bytes against their name."""

    def __init__(self, client: Any, prefix: str, where: str) -> None:
        self._client = client
        self._prefix = prefix
        self.root = where

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its SHA-256; raises :class:`StoreError` if Redis cannot take it."""
        digest = hashlib.sha256(data).hexdigest()
        try:
            self._client.set(f"{self._prefix}blob:{digest}", data, nx=True)
        except _redis_errors() as exc:
            raise StoreError(f"cannot save a blob to {self.root}: {exc}") from exc
        return digest

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; raises if they are missing or do not match it."""
        try:
            data = self._client.get(f"{self._prefix}blob:{digest}")
        except _redis_errors() as exc:
            raise StoreError(f"cannot read blob {digest} from {self.root}: {exc}") from exc
        if data is None:
            raise IntegrityError(f"blob {digest} is missing from {self.root}")
        if hashlib.sha256(data).hexdigest() != digest:
            raise IntegrityError(f"blob {digest} in {self.root} does not match its digest")
        return data


def _record_json(record: CallRecord | MemoRecord) -> str:
    row = call_to_row(record) if isinstance(record, CallRecord) else dataclasses.asdict(record)
    return json.dumps(row, default=str)


class RedisResumeStore(ResumeStore):
    """Calls and memo entries in Redis; one instance per URL and prefix per process."""

    _redis_instances: dict[tuple[str, str], RedisResumeStore] = {}

    @classmethod
    def open_url(cls, url: str, directory: str | Path, *, prefix: str = DEFAULT_PREFIX) -> RedisResumeStore:
        """The process's store for ``url``; ``directory`` is only where the orchestrator says it works."""
        with cls._instances_lock:
            store = cls._redis_instances.get((url, prefix))
            if store is None:
                store = cls._redis_instances[(url, prefix)] = cls(url, Path(directory), prefix=prefix)
            return store

    def __init__(self, url: str, directory: Path, *, prefix: str = DEFAULT_PREFIX) -> None:
        import redis

        try:
            self._client = redis.Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=5.0)
        except ValueError as exc:
            raise ConfigError(
                f"{url!r} is not a Redis URL ({exc}); use redis://host:port/db or rediss://..."
            ) from None
        self.url = _safe_url(url)
        self.prefix = prefix
        self.directory = directory
        self.where = f"{self.url} ({prefix})"
        self.blobs = RedisBlobStore(self._client, prefix, self.where)
        self._calls: dict[str, CallRecord] = {}
        self._by_resume_key: dict[str, str] = {}
        self._memos: dict[str, MemoRecord] = {}
        self._refused: dict[str, MemoRecord] = {}
        self._refusals_reported: set[str] = set()
        self._unsaved: dict[str, CallRecord] = {}
        self._sync_lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._seen: tuple[int, str] | None = None
        self._write_failures = 0
        self._read_failures = 0
        try:
            self.signer = MemoSigner(hashlib.sha256(f"{url}|{prefix}".encode()).hexdigest()[:32], self.where)
            self.sync(force=True)
        except _redis_errors() as exc:
            raise StoreError(
                f"cannot reach the shared store at {self.where}: {exc}. Start Redis, fix the URL "
                "(cache_url= or PLLM_CACHE_URL), or drop it to use the local resume directory."
            ) from exc

    def _key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    # -- reading ---------------------------------------------------------------------------------

    def generation(self) -> Any:
        """A stamp that changes whenever any process writes (one Redis round trip)."""
        return self._client.get(self._key("seq"))

    def sync(self, force: bool = False) -> bool:
        """Pull what other processes wrote since the last sync; on a Redis error, keep what is known."""
        try:
            return self._sync(force)
        except _redis_errors() as exc:
            if force and self._seen is None:
                raise
            self._read_failures += 1
            if self._read_failures == 1 or self._read_failures % 100 == 0:
                log.warning(
                    "pllm_notebook cannot read the shared store at %s (%s); using what it knew",
                    self.where,
                    exc,
                )
            self._seen = None  # read everything once Redis answers again
            return False

    def _sync(self, force: bool) -> bool:
        seq = int(self._client.get(self._key("seq")) or 0)
        if not force and self._seen is not None and seq == self._seen[0]:
            return False
        with self._sync_lock:
            seen = self._seen
            if seen is None or force:
                return self._snapshot()
            pipe = self._client.pipeline(transaction=True)
            pipe.get(self._key("seq"))
            pipe.xrange(self._key("feed"), f"({seen[1]}", "+")
            seq_now, records = pipe.execute()
            seq_now = int(seq_now or 0)
            if seq_now - seen[0] != len(records):  # trimmed, restarted or rewritten: read it all
                return self._snapshot()
            call_ids, memo_keys, deleted = [], [], []
            for _, fields in records:
                op, key = fields[b"op"].decode(), fields[b"key"].decode()
                if op == "call":
                    call_ids.append(key)
                elif op == "memo":
                    memo_keys.append(key)
                else:
                    deleted.append(key)
            self._apply(call_ids, memo_keys, deleted)
            if records:
                self._seen = (seq_now, records[-1][0].decode())
            return True

    def _apply(self, call_ids: list[str], memo_keys: list[str], deleted: list[str]) -> None:
        pipe = self._client.pipeline(transaction=False)
        pipe.hmget(self._key("calls"), call_ids or ["-"])
        pipe.hmget(self._key("memos"), memo_keys or ["-"])
        calls, memos = pipe.execute()
        for raw in calls:
            if raw:
                self._remember_call(call_from_row(json.loads(raw)))
        for raw in memos:
            if raw:
                self._remember_memo(MemoRecord(**json.loads(raw)))
        for key in deleted:
            if key not in memo_keys:
                self._memos.pop(key, None)
                self._refused.pop(key, None)

    def _snapshot(self) -> bool:
        pipe = self._client.pipeline(transaction=True)
        pipe.get(self._key("seq"))
        pipe.xrevrange(self._key("feed"), "+", "-", count=1)
        pipe.hgetall(self._key("calls"))
        pipe.hgetall(self._key("memos"))
        seq, last, calls, memos = pipe.execute()
        for raw in calls.values():
            self._remember_call(call_from_row(json.loads(raw)))
        self._memos, self._refused = {}, {}
        for raw in memos.values():
            self._remember_memo(MemoRecord(**json.loads(raw)))
        self._seen = (int(seq or 0), last[0][0].decode() if last else "0-0")
        return True

    # -- writing ---------------------------------------------------------------------------------

    def _queue_call(self, pipe: Any, record: CallRecord) -> None:
        pipe.hset(self._key("calls"), record.call_id, _record_json(record))
        self._log(pipe, "call", record.call_id)

    def _log(self, pipe: Any, op: str, key: str) -> None:
        pipe.incr(self._key("seq"))
        pipe.xadd(self._key("feed"), {"op": op, "key": key}, maxlen=FEED_MAX_LEN, approximate=True)

    def put_call(self, record: CallRecord, *, wait: bool = False) -> None:
        """Log a call; if Redis cannot take it now, it is kept and written with the next memo entry."""
        self._remember_call(record)
        with self._write_lock:
            self._unsaved[record.call_id] = record
            try:
                self._write([])
            except StoreError as exc:
                self._write_failures += 1
                if self._write_failures == 1 or self._write_failures % 100 == 0:
                    log.warning("pllm_notebook could not save to %s: %s", self.where, exc)
                if wait:
                    raise

    def _write(self, extra: list[tuple[str, str, str]]) -> None:
        """Write the unsaved calls and ``extra`` (hash, key, json) records in one transaction."""
        pipe = self._client.pipeline(transaction=True)
        for record in self._unsaved.values():
            self._queue_call(pipe, record)
        for table, key, value in extra:
            pipe.hset(self._key(table), key, value)
            self._log(pipe, "memo", key)
        try:
            pipe.execute()
        except _redis_errors() as exc:
            raise StoreError(f"writing to {self.where} failed: {exc}") from exc
        self._unsaved.clear()

    def put_memo(self, record: MemoRecord) -> None:
        """Commit a memo entry together with every call not yet saved; raises StoreError if it failed."""
        self.signer.sign(record)
        with self._write_lock:
            self._write([("memos", record.key, _record_json(record))])
        self._memos[record.key] = record
        self._refused.pop(record.key, None)

    def delete_memo(self, key: str) -> None:
        """Remove a memo entry, here and for every other process."""
        self._memos.pop(key, None)
        pipe = self._client.pipeline(transaction=True)
        pipe.hdel(self._key("memos"), key)
        self._log(pipe, "delete", key)
        try:
            pipe.execute()
        except _redis_errors() as exc:
            raise StoreError(f"deleting memo {key} from {self.where} failed: {exc}") from exc

    def batch_entries(self) -> dict[str, BatchEntry]:
        """Requests sent in batch jobs whose answers were not collected yet, by resume key."""
        try:
            rows = self._client.hgetall(self._key("batches"))
        except _redis_errors() as exc:
            raise StoreError(f"reading batch jobs from {self.where} failed: {exc}") from exc
        return {key.decode(): BatchEntry(**json.loads(value)) for key, value in rows.items()}

    def put_batch_entries(self, entries: Sequence[BatchEntry]) -> None:
        """Record a submitted batch job's requests."""
        mapping = {e.resume_key: json.dumps(dataclasses.asdict(e)) for e in entries}
        try:
            self._client.hset(self._key("batches"), mapping=mapping)
        except _redis_errors() as exc:
            raise StoreError(f"recording batch jobs in {self.where} failed: {exc}") from exc

    def drop_batch_entries(self, resume_keys: Sequence[str]) -> None:
        """Forget batch requests whose answers were collected or failed."""
        try:
            self._client.hdel(self._key("batches"), *resume_keys)
        except _redis_errors() as exc:
            log.warning("pllm_notebook could not forget collected batch requests in %s: %s", self.where, exc)

    def flush(self, timeout: float | None = None) -> bool:
        """Try once more to write calls Redis could not take; True when nothing is left unsaved."""
        with self._write_lock:
            if self._unsaved:
                try:
                    self._write([])
                except StoreError:
                    return False
            return True

    @property
    def write_failures(self) -> int:
        return self._write_failures
