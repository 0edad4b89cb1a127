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

The activity log (every event of the processes using the store, for a dashboard in another process) is a
Redis Stream whose entry ids are the log's sequence numbers: a Lua script numbers and appends a batch of
events at once, so every reader sees them in one order. A background thread gathers events for a moment
and writes them in one round trip; while Redis is away it keeps the newest ``ACTIVITY_KEEP`` and tries again.
"""

from __future__ import annotations

import atexit
import collections
import dataclasses
import hashlib
import json
import logging
import threading
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..call_codec import call_from_row, call_to_row
from ..errors import ConfigError, IntegrityError, StoreError
from ..events import Event, bus
from .activity import ACTIVITY_GATHER_S, ACTIVITY_KEEP, activity_json, logged_events
from .integrity import MemoSigner
from .records import BatchEntry, CallRecord, MemoRecord
from .resume_base import History, ResumeStoreBase

__all__ = ["RedisResumeStore", "RedisBlobStore"]

log = logging.getLogger("pllm_notebook")

DEFAULT_PREFIX = "pllm:store:"
FEED_MAX_LEN = 500_000

# KEYS: the log's counter, the log's stream; ARGV: how many entries to keep, then one JSON record per event.
# A counter met for the first time (a new or restarted Redis) starts at the server's time in microseconds,
# above every number a reader saw before a restart, so a follower never waits for the counter to catch up.
_APPEND_ACTIVITY = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[1], string.format('%d', now[1] * 1000000 + now[2]))
end
local seq = 0
for i = 2, #ARGV do
  seq = redis.call('INCR', KEYS[1])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], string.format('%d-1', seq), 'e', ARGV[i])
end
return seq
"""


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

    def _name(self, digest: str) -> str:
        return f"{self._prefix}blob:{digest}"

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its SHA-256; raises :class:`StoreError` if Redis cannot take it."""
        digest = hashlib.sha256(data).hexdigest()
        try:
            self._client.set(self._name(digest), data, nx=True)
        except _redis_errors() as exc:
            raise StoreError(f"cannot save a blob to {self.root}: {exc}") from exc
        return digest

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; raises if they are missing or do not match it."""
        try:
            data = self._client.get(self._name(digest))
        except _redis_errors() as exc:
            raise StoreError(f"cannot read blob {digest} from {self.root}: {exc}") from exc
        if data is None:
            raise IntegrityError(f"blob {digest} is missing from {self.root}")
        if hashlib.sha256(data).hexdigest() != digest:
            raise IntegrityError(f"blob {digest} in {self.root} does not match its digest")
        return data

    def exists(self, digest: str) -> bool:
        """Whether a blob of this name is stored."""
        try:
            return bool(self._client.exists(self._name(digest)))
        except _redis_errors() as exc:
            raise StoreError(f"cannot read blob {digest} from {self.root}: {exc}") from exc

    def usage(self) -> tuple[int, int]:
        """How many blobs are stored and their total size in bytes (a ``SCAN`` over their keys)."""
        try:
            names = list(self._client.scan_iter(match=f"{self._prefix}blob:*", count=1000))
            pipe = self._client.pipeline(transaction=False)
            for name in names:
                pipe.strlen(name)
            sizes = pipe.execute() if names else []
        except _redis_errors() as exc:
            raise StoreError(f"cannot list the blobs of {self.root}: {exc}") from exc
        return len(names), sum(sizes)


def _warn_now_and_then(failures: int, message: str, *args: Any) -> None:
    """Log the first of a run of failures and every hundredth after it, not each one."""
    if failures == 1 or failures % 100 == 0:
        log.warning("pllm_notebook " + message, *args)


def _record_json(record: CallRecord | MemoRecord) -> str:
    row = call_to_row(record) if isinstance(record, CallRecord) else dataclasses.asdict(record)
    return json.dumps(row, default=str)


class RedisResumeStore(ResumeStoreBase):
    """Calls and memo entries in Redis; one instance per URL and prefix per process."""

    blobs: RedisBlobStore

    _redis_instances: dict[tuple[str, str], RedisResumeStore] = {}
    _instances_lock = threading.Lock()

    @classmethod
    def open_url(
        cls, url: str, directory: str | Path | None = None, *, prefix: str = DEFAULT_PREFIX
    ) -> RedisResumeStore:
        """The process's store for ``url``; ``directory`` is only where an orchestrator says it works (its
        events go to the store's activity log)."""
        with cls._instances_lock:
            store = cls._redis_instances.get((url, prefix))
            if store is None:
                store = cls._redis_instances[(url, prefix)] = cls(url, None, prefix=prefix)
        if directory is not None:
            store.serve_directory(Path(directory))
        return store

    def __init__(self, url: str, directory: Path | None = None, *, prefix: str = DEFAULT_PREFIX) -> None:
        import redis

        if not prefix:
            raise ConfigError("the Redis key prefix must not be empty (the default is 'pllm:store:')")
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=5.0)
        except ValueError as exc:
            raise ConfigError(
                f"{_safe_url(url)!r} is not a Redis URL ({exc}); use redis://host:port/db or rediss://..."
            ) from None
        self._client = client
        self.url = _safe_url(url)
        self.prefix = prefix
        where = f"{self.url} ({prefix})"
        signer = MemoSigner(hashlib.sha256(f"{url}|{prefix}".encode()).hexdigest()[:32], where)
        super().__init__(None, where, signer)
        self.blobs = RedisBlobStore(client, prefix, where)
        self._unsaved: dict[str, CallRecord] = {}
        self._sync_lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._seen: tuple[int, str] | None = None
        self._write_failures = 0
        self._activity_failures = 0
        self._read_failures = 0
        self._directories = {where}
        self._activity: collections.deque[Event] = collections.deque(maxlen=ACTIVITY_KEEP)
        self._activity_cond = threading.Condition()
        self._activity_write_lock = threading.Lock()
        self._activity_writer: threading.Thread | None = None
        self._append_activity = client.register_script(_APPEND_ACTIVITY)
        try:
            self.sync(force=True)
        except _redis_errors() as exc:
            raise StoreError(
                f"cannot reach the shared store at {self.where}: {str(exc).rstrip('.')}. Start Redis, fix the URL "
                "(cache_url= or PLLM_CACHE_URL), or drop it to use the local resume directory."
            ) from exc
        if directory is not None:
            self.serve_directory(directory)
        atexit.register(_flush_at_exit, weakref.ref(self))
        bus.subscribe(self._log_activity)

    def serve_directory(self, directory: Path) -> None:
        """Log the events of runs in ``directory`` here (an orchestrator working there uses this store)."""
        if self.directory is None:
            self.directory = directory
        self._directories.add(str(directory))

    def _key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    # -- reading ---------------------------------------------------------------------------------

    def generation(self) -> tuple[int, int]:
        """A stamp that changes whenever any process writes here (one Redis round trip)."""
        try:
            seq, logged = self._client.mget(self._key("seq"), self._key("activity_seq"))
        except _redis_errors() as exc:
            raise StoreError(f"cannot read {self.where}: {exc}") from exc
        return int(seq or 0), int(logged or 0)

    def sync(self, force: bool = False) -> bool:
        """Pull what other processes wrote since the last sync; on a Redis error, keep what is known."""
        try:
            return self._sync(force)
        except _redis_errors() as exc:
            if force and self._seen is None:
                raise
            self._read_failures += 1
            _warn_now_and_then(
                self._read_failures,
                "cannot read the shared store at %s (%s); using what it knew",
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
                self._forget_memo(key)

    def _snapshot(self) -> bool:
        pipe = self._client.pipeline(transaction=True)
        pipe.get(self._key("seq"))
        pipe.xrevrange(self._key("feed"), "+", "-", count=1)
        pipe.hgetall(self._key("calls"))
        pipe.hgetall(self._key("memos"))
        seq, last, calls, memos = pipe.execute()
        # oldest first, so a resume key asked again resolves to its newest call, as the stream order gives it
        records = sorted((call_from_row(json.loads(raw)) for raw in calls.values()), key=lambda c: c.created)
        for record in records:
            self._remember_call(record)
        self._memos.clear()
        self._refused.clear()
        for raw in memos.values():
            self._remember_memo(MemoRecord(**json.loads(raw)))
        self._seen = (int(seq or 0), last[0][0].decode() if last else "0-0")
        return True

    def history(self) -> History:
        """Calls and memo entries, then the activity log: an event logged between the two reads is in the
        log only, so a reader that rebuilds from the records what the log lacks counts nothing twice."""
        calls, memos = self.calls(), self.memos()
        return History(calls, memos, self.activity_since(0))

    def activity_since(self, seq: int) -> list[tuple[int, Event]]:
        """Events any process logged here after ``seq``, oldest first, with their sequence numbers."""
        try:
            rows = self._client.xrange(self._key("activity"), f"({seq}-1" if seq else "-", "+")
        except _redis_errors() as exc:
            raise StoreError(f"reading the activity log of {self.where} failed: {exc}") from exc
        return logged_events((int(entry.split(b"-", 1)[0]), fields[b"e"]) for entry, fields in rows)

    # -- activity log ------------------------------------------------------------------------------

    def _log_activity(self, event: Event) -> None:
        """Queue an event of a directory this store serves; the writer thread stores it shortly."""
        if event.directory not in self._directories:
            return
        with self._activity_cond:
            self._activity.append(event)
            if self._activity_writer is None:
                self._activity_writer = threading.Thread(
                    target=self._activity_loop, name="pllm-redis-activity", daemon=True
                )
                self._activity_writer.start()
            self._activity_cond.notify()

    def _activity_loop(self) -> None:
        while True:
            with self._activity_cond:
                while not self._activity:
                    if not self._activity_cond.wait(timeout=5.0) and not self._activity:
                        self._activity_writer = None
                        return
            time.sleep(ACTIVITY_GATHER_S)  # let a burst gather: a loop of memo hits costs one round trip
            if not self._write_activity():
                time.sleep(1.0)  # Redis is away: the newest events wait in memory meanwhile

    def _write_activity(self) -> bool:
        """Store the queued events in one script call; False (the events kept) if Redis refused."""
        with self._activity_write_lock:
            with self._activity_cond:
                events = list(self._activity)
            if not events:
                return True
            try:
                self._append_activity(
                    keys=[self._key("activity_seq"), self._key("activity")],
                    args=[ACTIVITY_KEEP, *(activity_json(e) for e in events)],
                )
            except _redis_errors() as exc:
                self._activity_failures += 1
                _warn_now_and_then(
                    self._activity_failures,
                    "could not log events to %s (kept, tried again): %s",
                    self.where,
                    exc,
                )
                return False
            written = {id(e) for e in events}
            with self._activity_cond:
                while self._activity and id(self._activity[0]) in written:
                    self._activity.popleft()
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
                _warn_now_and_then(self._write_failures, "could not save to %s: %s", self.where, exc)
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

    def put_memo(self, record: MemoRecord, *, wait: bool = True) -> None:
        """Commit a memo entry together with every call not yet saved; raises StoreError if it failed.

        Redis takes it at once, so ``wait`` changes nothing here."""
        self.signer.sign(record)
        with self._write_lock:
            self._write([("memos", record.key, _record_json(record))])
        self._remember_written_memo(record)

    def delete_memo(self, key: str) -> None:
        """Remove a memo entry, here and for every other process."""
        self._forget_memo(key)
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

    def keep_within(self, max_bytes: int) -> None:
        """Refused: a size budget is for a resume directory; Redis holds this store's data."""
        raise ConfigError(
            f"max_bytes= budgets a resume directory; with cache_url= Redis holds the data ({self.where}): "
            "drop max_bytes, or leave out cache_url to keep the data in the directory"
        )

    def flush(self, timeout: float | None = None) -> bool:
        """Write now what Redis could not take before (calls, logged events); True when nothing is left."""
        with self._write_lock:
            if self._unsaved:
                try:
                    self._write([])
                except StoreError:
                    return False
        return self._write_activity()

    @property
    def write_failures(self) -> int:
        """How many writes (calls, logged events) failed since this store opened."""
        return self._write_failures + self._activity_failures


def _flush_at_exit(ref: weakref.ref[RedisResumeStore]) -> None:
    store = ref()
    if store is not None:
        store.flush()
