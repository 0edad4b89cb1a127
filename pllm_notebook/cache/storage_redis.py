"""``RedisStorage``: cache entries in one Redis, shared by every process and machine pointed at it.

Redis 7 has no vector search, so nothing is searched in Redis: each :class:`SemanticCache` keeps its own
in-memory index and follows this storage's change feed (see ``storage_base``). The feed is a Redis
Stream: every put, deletion and invalidation gets the next sequence number and a stream record whose id is
that number, written by one Lua script together with the entry itself, so no client can ever read half
an entry. A client asks for the records after the last number it saw (one ``XRANGE``), never for the
whole namespace. A new client, or one that fell behind the trimmed stream or saw Redis restart, reads a
snapshot of the live entries instead.

Keys (``prefix`` defaults to ``pllm:cache:``): ``seq`` (counter), ``epoch`` (first number of this
Redis's life), ``stream`` (the feed), ``e:<id>`` (a hash: meta JSON, vector bytes, seq, hits, last_hit,
namespace), ``ns:<ns>`` (ids by seq), ``lru:<ns>`` (ids by last use, for ``max_entries``), ``exp:<ns>``
(ids by expiry), ``namespaces`` (a set). TTL is kept twice: the entry's ``expires`` (every mirror checks
it at lookup) and a Redis ``PEXPIREAT`` that frees the memory.

Sequence numbers start at ``unix time * 10**6`` whenever Redis has none (a new or restarted server), so
the numbers of a restarted server are above every number a client saw before the restart, and the client
knows to drop what it mirrored. They stay below 2**53, exact in Redis's Lua.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError
from .storage_base import CacheEntry, CacheStorage, ChangeBatch, Removal

__all__ = ["RedisStorage"]

log = logging.getLogger("pllm_notebook")

DEFAULT_PREFIX = "pllm:cache:"
STREAM_MAX_LEN = 200_000
TOUCH_FLUSH_S = 1.0
_PAGE = 2_000
_META_FIELDS = (
    "id",
    "namespace",
    "partition",
    "exact_key",
    "embedding_model_id",
    "prompt_text",
    "request",
    "response",
    "response_text",
    "model",
    "provider",
    "input_tokens",
    "output_tokens",
    "latency_s",
    "cost_usd",
    "created",
    "expires",
)

# Every script starts the counter at the epoch a caller proposes if Redis has none (new or restarted).
_START = """
local p = ARGV[1]
local seqkey = p .. 'seq'
if redis.call('EXISTS', seqkey) == 0 then
  redis.call('SET', seqkey, ARGV[2])
  redis.call('SET', p .. 'epoch', ARGV[2])
end
local function next_seq() return string.format('%d', redis.call('INCR', seqkey)) end
local function log(op, key)
  local seq = next_seq()
  redis.call('XADD', p .. 'stream', 'MAXLEN', '~', ARGV[3], seq .. '-1', 'op', op, 'key', key)
  return seq
end
local function drop(id)
  local ekey = p .. 'e:' .. id
  local ns = redis.call('HGET', ekey, 'ns')
  if not ns then return 0 end
  redis.call('DEL', ekey)
  redis.call('ZREM', p .. 'ns:' .. ns, id)
  redis.call('ZREM', p .. 'lru:' .. ns, id)
  redis.call('ZREM', p .. 'exp:' .. ns, id)
  log('del', id)
  return 1
end
local function forget(ns, id)
  redis.call('ZREM', p .. 'ns:' .. ns, id)
  redis.call('ZREM', p .. 'lru:' .. ns, id)
  redis.call('ZREM', p .. 'exp:' .. ns, id)
end
"""

# ARGV: prefix, epoch, maxlen, id, namespace, meta, vec, last_used, expires|'', now, max_entries|'', hits, last_hit|''
_PUT = (
    _START
    + """
local id, ns = ARGV[4], ARGV[5]
local ekey = p .. 'e:' .. id
redis.call('DEL', ekey)
local seq = next_seq()
redis.call('HSET', ekey, 'meta', ARGV[6], 'vec', ARGV[7], 'seq', seq, 'ns', ns, 'hits', ARGV[12],
  'last_hit', ARGV[13])
redis.call('SADD', p .. 'namespaces', ns)
redis.call('ZADD', p .. 'ns:' .. ns, seq, id)
redis.call('ZADD', p .. 'lru:' .. ns, ARGV[8], id)
if ARGV[9] ~= '' then
  redis.call('ZADD', p .. 'exp:' .. ns, ARGV[9], id)
  redis.call('PEXPIREAT', ekey, math.floor(tonumber(ARGV[9]) * 1000))
end
redis.call('XADD', p .. 'stream', 'MAXLEN', '~', ARGV[3], seq .. '-1', 'op', 'put', 'key', id)
local removed = {}
for _, old in ipairs(redis.call('ZRANGEBYSCORE', p .. 'exp:' .. ns, '-inf', ARGV[10])) do
  if drop(old) == 1 then table.insert(removed, old) else forget(ns, old) end
end
if ARGV[11] ~= '' then
  local limit = tonumber(ARGV[11])
  local extra = redis.call('ZCARD', p .. 'lru:' .. ns) - limit
  if extra > 0 then
    for _, old in ipairs(redis.call('ZRANGE', p .. 'lru:' .. ns, 0, extra - 1)) do
      if drop(old) == 1 then table.insert(removed, old) else forget(ns, old) end
    end
  end
end
return {seq, removed}
"""
)

# ARGV: prefix, epoch, maxlen, id...
_DELETE = (
    _START
    + """
local n = 0
for i = 4, #ARGV do n = n + drop(ARGV[i]) end
return n
"""
)

# ARGV: prefix, epoch, maxlen, namespace
_INVALIDATE = (
    _START
    + """
local function wipe(ns)
  local n = 0
  for _, id in ipairs(redis.call('ZRANGE', p .. 'ns:' .. ns, 0, -1)) do
    n = n + redis.call('DEL', p .. 'e:' .. id)
  end
  redis.call('DEL', p .. 'ns:' .. ns, p .. 'lru:' .. ns, p .. 'exp:' .. ns)
  redis.call('SREM', p .. 'namespaces', ns)
  return n
end
if ARGV[4] == '' then
  local n = 0
  for _, ns in ipairs(redis.call('SMEMBERS', p .. 'namespaces')) do n = n + wipe(ns) end
  log('all', '')
  return n
end
local n = wipe(ARGV[4])
log('ns', ARGV[4])
return n
"""
)

# ARGV: prefix, epoch, maxlen, floor: move the counter past ``floor`` (Redis restored an older save)
_RAISE = (
    _START
    + """
if tonumber(redis.call('GET', seqkey)) < tonumber(ARGV[4]) then redis.call('SET', seqkey, ARGV[4]) end
return redis.call('GET', seqkey)
"""
)

# ARGV: prefix, then (id, count, when) triples; touching a deleted entry must not recreate part of it
_TOUCH = """
local p = ARGV[1]
for i = 2, #ARGV, 3 do
  local ekey = p .. 'e:' .. ARGV[i]
  local ns = redis.call('HGET', ekey, 'ns')
  if ns then
    redis.call('HINCRBY', ekey, 'hits', ARGV[i + 1])
    local last = tonumber(redis.call('HGET', ekey, 'last_hit') or '0') or 0
    if tonumber(ARGV[i + 2]) > last then redis.call('HSET', ekey, 'last_hit', ARGV[i + 2]) end
    redis.call('ZADD', p .. 'lru:' .. ns, 'GT', ARGV[i + 2], ARGV[i])
  end
end
return 1
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes | bytearray) else str(value)


def _seq_of(stream_id: Any) -> int:
    return int(_text(stream_id).split("-", 1)[0])


def _watch_connection(method):
    """Remember a lost connection, so the next sync reads a full snapshot (Redis may have restarted)."""

    @functools.wraps(method)
    def wrapper(self: RedisStorage, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except self._connection_errors:
            self._lost_connection = True
            self._resyncs += 1
            raise

    return wrapper


#: The connection settings a ``redis.asyncio`` client shares with a ``redis.Redis`` one.
_SHARED_SETTINGS = ("host", "port", "db", "username", "password", "socket_timeout", "socket_connect_timeout")


def _sync_twin(client: Any) -> Any:
    """A ``redis.Redis`` to the server ``client`` (a ``redis.asyncio`` client) talks to.

    The cache works from worker threads, which cannot use an event loop's client, so async code that
    passes only an async client (recallm's usual set-up) gets a sync twin on the same connection settings.
    From sync code that set-up is a mistake recallm let fail on every call: here it is a ``ConfigError``.
    """
    import asyncio

    import redis

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise ConfigError(
            "RedisStorage(client=...) with only an async client works from async code (inside a running event "
            "loop); from sync code pass sync_client=redis.Redis(...) too, or use RedisStorage.from_url(url)"
        ) from None
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", None)
    if not isinstance(kwargs, dict):
        raise ConfigError(
            f"RedisStorage(client=...) needs a redis.asyncio client, got {type(client).__name__}; "
            "or pass sync_client=redis.Redis(...), or use RedisStorage.from_url(url)"
        )
    settings = {key: kwargs[key] for key in _SHARED_SETTINGS if key in kwargs}
    if "path" in kwargs:
        settings["unix_socket_path"] = kwargs["path"]
    return redis.Redis(**settings)


class RedisStorage(CacheStorage):
    """Cache entries in Redis, followed by every client through a stream of changes.

    ``client`` is a ``redis.asyncio`` client (used by the ``a*`` methods), ``sync_client`` a ``redis.Redis``
    client (used by everything the cache calls); :meth:`from_url` makes both. Both must talk to one Redis
    server (not a cluster) with ``decode_responses=False``.
    """

    def __init__(
        self,
        client: Any,
        sync_client: Any = None,
        *,
        prefix: str = DEFAULT_PREFIX,
        stream_max_len: int = STREAM_MAX_LEN,
    ) -> None:
        import redis

        self._client = client
        self._sync = sync_client if sync_client is not None else _sync_twin(client)
        self.prefix = prefix
        self.stream_max_len = int(stream_max_len)
        self._connection_errors = (redis.ConnectionError, redis.TimeoutError)
        self._lost_connection = False
        self._resyncs = 0
        self._touches: dict[str, tuple[int, float]] = {}
        self._touch_lock = threading.Lock()
        self._touch_timer: threading.Timer | None = None
        self._bad_records = 0
        self._max_seq_seen = 0
        self._own_puts: dict[str, int] = {}  # written here, so the mirror has them: not read back
        self.directory = self._describe()

    @classmethod
    def from_url(cls, url: str, *, prefix: str = DEFAULT_PREFIX, **options: Any) -> RedisStorage:
        """Both clients for ``url`` (``redis://host:port/db``); extra options go to both clients."""
        import redis
        import redis.asyncio

        options = {"socket_connect_timeout": 2.0, "socket_timeout": 5.0, **options}
        try:
            sync_client = redis.Redis.from_url(url, **options)
            async_client = redis.asyncio.Redis.from_url(url, **options)
        except ValueError as exc:
            raise ConfigError(
                f"{url!r} is not a Redis URL ({exc}); use redis://host:port/db or rediss://..."
            ) from None
        return cls(async_client, sync_client, prefix=prefix)

    def _describe(self) -> str:
        client = self._sync if self._sync is not None else self._client
        kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
        host, port, db = kwargs.get("host", "?"), kwargs.get("port", "?"), kwargs.get("db", 0)
        return f"redis://{host}:{port}/{db} ({self.prefix})"

    def __repr__(self) -> str:
        return f"RedisStorage({self.directory!r})"

    def _redis(self) -> Any:
        return self._sync

    def _script_args(self) -> list[Any]:
        return [self.prefix, str(int(time.time() * 1000) * 1000), str(self.stream_max_len)]

    # -- encoding ----------------------------------------------------------------------------------

    @staticmethod
    def _meta(entry: CacheEntry) -> str:
        meta = {name: getattr(entry, name) for name in _META_FIELDS}
        meta["dim"] = 0 if entry.embedding is None else int(np.asarray(entry.embedding).reshape(-1).shape[0])
        return json.dumps(meta, default=str)

    @staticmethod
    def _vector_bytes(entry: CacheEntry) -> bytes:
        if entry.embedding is None:
            return b""
        return np.asarray(entry.embedding, dtype="<f4").reshape(-1).tobytes()

    def _decode(self, fields: Mapping[bytes, bytes], with_vector: bool = True) -> CacheEntry | None:
        """The entry a hash holds, or None if the hash is gone or not a whole entry."""
        if not fields:
            return None
        try:
            meta = json.loads(fields[b"meta"])
            raw = fields[b"vec"]
            dim = int(meta.pop("dim"))
            if len(raw) != 4 * dim:
                raise ValueError(f"vector has {len(raw)} bytes, expected {4 * dim}")
            vector = np.frombuffer(raw, dtype="<f4").astype(np.float32) if dim and with_vector else None
            last_hit = _text(fields.get(b"last_hit", b""))
            return CacheEntry(
                **meta,
                embedding=vector,
                hits=int(fields.get(b"hits", b"0") or 0),
                last_hit=float(last_hit) if last_hit else None,
                seq=int(fields[b"seq"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            self._bad_records += 1
            if self._bad_records == 1 or self._bad_records % 100 == 0:
                log.warning("pllm_notebook: skipped an unreadable cache entry in %s: %s", self.directory, exc)
            return None

    def _fetch(self, entry_ids: list[str], with_vectors: bool = True) -> list[CacheEntry]:
        found: list[CacheEntry] = []
        client = self._redis()
        for start in range(0, len(entry_ids), _PAGE):
            pipe = client.pipeline(transaction=False)
            for entry_id in entry_ids[start : start + _PAGE]:
                pipe.hgetall(f"{self.prefix}e:{entry_id}")
            for fields in pipe.execute():
                entry = self._decode(fields, with_vectors)
                if entry is not None:
                    found.append(entry)
        return found

    # -- writing -----------------------------------------------------------------------------------

    @_watch_connection
    def put(self, entry: CacheEntry, *, max_entries: int | None = None) -> list[str]:
        self.flush()
        seq, removed = self._redis().eval(
            _PUT,
            0,
            *self._script_args(),
            entry.id,
            entry.namespace,
            self._meta(entry),
            self._vector_bytes(entry),
            repr(entry.last_used),
            "" if entry.expires is None else repr(entry.expires),
            repr(time.time()),
            "" if max_entries is None else str(int(max_entries)),
            str(entry.hits),
            "" if entry.last_hit is None else repr(entry.last_hit),
        )
        entry.seq = int(seq)
        self._max_seq_seen = max(self._max_seq_seen, entry.seq)
        self._own_puts[entry.id] = entry.seq
        return [_text(r) for r in removed]

    def touch(self, uses: Mapping[str, float]) -> None:
        with self._touch_lock:
            for entry_id, when in uses.items():
                count, last = self._touches.get(entry_id, (0, 0.0))
                self._touches[entry_id] = (count + 1, max(last, when))
            if self._touch_timer is None:
                self._touch_timer = threading.Timer(TOUCH_FLUSH_S, self._flush_quietly)
                self._touch_timer.daemon = True
                self._touch_timer.start()

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception as exc:  # hit counts are best effort; eviction order is all they feed
            log.debug("pllm_notebook: could not write cache hit counts to %s: %s", self.directory, exc)

    @_watch_connection
    def flush(self) -> None:
        with self._touch_lock:
            touches, self._touches = self._touches, {}
            self._touch_timer = None
        if not touches:
            return
        args: list[Any] = [self.prefix]
        for entry_id, (count, last) in touches.items():
            args += [entry_id, str(count), repr(last)]
        self._redis().eval(_TOUCH, 0, *args)

    @_watch_connection
    def delete(self, entry_ids: Iterable[str]) -> int:
        ids = list(entry_ids)
        if not ids:
            return 0
        return int(self._redis().eval(_DELETE, 0, *self._script_args(), *ids))

    @_watch_connection
    def invalidate_namespace(self, namespace: str) -> int:
        if not namespace:
            raise ConfigError("invalidate_namespace needs a namespace name; use clear() to remove everything")
        return int(self._redis().eval(_INVALIDATE, 0, *self._script_args(), namespace))

    @_watch_connection
    def clear(self) -> int:
        return int(self._redis().eval(_INVALIDATE, 0, *self._script_args(), ""))

    @_watch_connection
    def purge_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        client = self._redis()
        doomed: list[str] = []
        for namespace in self._namespaces():
            doomed += [_text(i) for i in client.zrangebyscore(f"{self.prefix}exp:{namespace}", "-inf", now)]
        return self.delete(doomed) if doomed else 0

    # -- reading -----------------------------------------------------------------------------------

    def _namespaces(self) -> list[str]:
        return sorted(_text(ns) for ns in self._redis().smembers(f"{self.prefix}namespaces"))

    @_watch_connection
    def get(self, entry_id: str) -> CacheEntry | None:
        return self._decode(self._redis().hgetall(f"{self.prefix}e:{entry_id}"))

    @_watch_connection
    def entries(
        self, namespace: str, *, limit: int | None = None, offset: int = 0, with_vectors: bool = False
    ) -> list[CacheEntry]:
        end = -1 if limit is None else offset + limit - 1
        ids = [_text(i) for i in self._redis().zrevrange(f"{self.prefix}ns:{namespace}", offset, end)]
        return self._fetch(ids, with_vectors)

    @_watch_connection
    def namespace_sizes(self) -> dict[str, int]:
        names = self._namespaces()
        pipe = self._redis().pipeline(transaction=False)
        for namespace in names:
            pipe.zcard(f"{self.prefix}ns:{namespace}")
        return {ns: int(n) for ns, n in zip(names, pipe.execute(), strict=True) if n}

    # -- following changes -------------------------------------------------------------------------

    @_watch_connection
    def change_stamp(self) -> Hashable:
        pipe = self._redis().pipeline(transaction=False)
        pipe.get(f"{self.prefix}seq")
        pipe.get(f"{self.prefix}epoch")
        seq, epoch = pipe.execute()
        return (seq, epoch, self._resyncs)

    @_watch_connection
    def changes(self, since: int) -> ChangeBatch:
        client = self._redis()
        pipe = client.pipeline(transaction=False)
        pipe.get(f"{self.prefix}seq")
        pipe.get(f"{self.prefix}epoch")
        pipe.xrange(f"{self.prefix}stream", "-", "+", count=1)
        top, epoch, first = pipe.execute()
        top = int(top or 0)
        epoch = int(epoch or 0)
        start = max(since, epoch)
        first_seq = _seq_of(first[0][0]) if first else None
        complete = top <= start if first_seq is None else first_seq <= start + 1
        if self._lost_connection or not complete:
            self._lost_connection = False
            return self._snapshot(since, top)
        removals = [Removal(epoch, "all")] if since < epoch else []
        put_ids: dict[str, None] = {}
        last = start
        cursor = f"{start + 1}-0"
        while True:
            records = client.xrange(f"{self.prefix}stream", cursor, "+", count=_PAGE)
            for stream_id, fields in records:
                seq = _seq_of(stream_id)
                op, key = _text(fields[b"op"]), _text(fields[b"key"])
                if op == "put":
                    if self._own_puts.pop(key, None) != seq:
                        put_ids[key] = None
                elif op == "del":
                    removals.append(Removal(seq, "entry", key))
                elif op == "ns":
                    removals.append(Removal(seq, "namespace", key))
                else:
                    removals.append(Removal(seq, "all"))
                last = max(last, seq)
            if len(records) < _PAGE:
                break
            cursor = f"{last + 1}-0"
        # an entry re-put since the stream was read carries a newer seq; its record comes next time
        self._max_seq_seen = max(self._max_seq_seen, last)
        return ChangeBatch(self._fetch(list(put_ids)), removals, last)

    def _snapshot(self, since: int, top: int) -> ChangeBatch:
        """Every live entry, replacing whatever the caller mirrored (a new client, or one that lost track).

        The caller first drops everything it knew (a removal of all at ``floor``, above any number it may
        hold); entries older than that are relabelled ``floor`` so the removal does not take them too. Every
        later change has a higher number: the counter is moved past ``floor`` first if needed.
        """
        client = self._redis()
        # the caller may also know entries it wrote itself, with numbers above ``since``
        floor = max(since, self._max_seq_seen) + 1
        if top <= floor:
            top = int(client.eval(_RAISE, 0, *self._script_args(), str(floor + 1)))
        ids: list[str] = []
        for namespace in self._namespaces():
            ids += [_text(i) for i in client.zrange(f"{self.prefix}ns:{namespace}", 0, -1)]
        entries = self._fetch(ids)
        for entry in entries:
            entry.seq = max(entry.seq, floor)
        self._max_seq_seen = max(self._max_seq_seen, top)
        return ChangeBatch(entries, [Removal(floor, "all")], top)

    # -- asynchronous forms (recallm's names) -----------------------------------------------------

    async def ainvalidate_namespace(self, namespace: str) -> int:
        """``invalidate_namespace`` on the async client."""
        return int(await self._client.eval(_INVALIDATE, 0, *self._script_args(), namespace))

    async def aclear(self) -> int:
        """``clear`` on the async client."""
        return int(await self._client.eval(_INVALIDATE, 0, *self._script_args(), ""))

    async def anamespace_size(self, namespace: str) -> int:
        """How many entries ``namespace`` holds, on the async client."""
        return int(await self._client.zcard(f"{self.prefix}ns:{namespace}"))

    def close(self) -> None:
        with self._touch_lock:
            timer, self._touch_timer = self._touch_timer, None
        if timer is not None:
            timer.cancel()
        try:
            self.flush()
        finally:
            if self._sync is not None:
                self._sync.close()
