"""RedisStorage against a real redis-server: clients follow each other through the stream, TTL,
invalidation and max_entries reach every client, a restart fails open, a half-written entry is never served."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import redis.asyncio

from pllm_notebook.cache import CacheConfig, SemanticCache
from pllm_notebook.cache.storage_redis import RedisStorage
from pllm_notebook.errors import ConfigError

from .cheap_embedder import HashEmbedder


def _cache(url: str, **config) -> tuple[SemanticCache, list[str]]:
    live: list[str] = []

    def llm(model, messages, **kwargs):
        live.append(messages[-1]["content"])
        return {"text": f"answer to {messages[-1]['content']}"}

    cache = SemanticCache(
        RedisStorage.from_url(url), CacheConfig(threshold=0.99, **config), embedder=HashEmbedder()
    )
    wrapped = cache.wrap(llm)
    cache.ask = lambda prompt, **kw: wrapped(  # type: ignore[attr-defined]
        model="m", messages=[{"role": "user", "content": prompt}], cache_context={}, **kw
    )
    return cache, live


def _commands(client, name: str) -> int:
    return int(client.info("commandstats").get(f"cmdstat_{name}", {}).get("calls", 0))


def test_recallm_constructor_shape(redis_server):
    async_client = redis.asyncio.Redis.from_url(redis_server.url)
    with pytest.raises(ConfigError, match="sync_client=redis.Redis"):  # only an async client, in sync code
        RedisStorage(async_client)
    both = RedisStorage(async_client, redis_server.client())
    assert both.namespace_sizes() == {}
    with pytest.raises(ConfigError, match="not a Redis URL"):
        RedisStorage.from_url("http://example.com")


def test_an_async_client_alone_works_in_async_code(redis_server):
    """recallm's "async-only, most common" set-up: RedisStorage(client=async_client) inside an event loop."""
    live = []

    async def llm(**kwargs):
        live.append(kwargs)
        return {"choices": [{"message": {"content": "Paris"}}]}

    async def main():
        storage = RedisStorage(client=redis.asyncio.Redis.from_url(redis_server.url))
        cache = SemanticCache(
            storage=storage, config=CacheConfig(cache_timeout_seconds=5), embedder=HashEmbedder()
        )
        cached = cache.wrap(llm)
        request = {
            "model": "m",
            "messages": [{"role": "user", "content": "Capital of France?"}],
            "cache_context": {},
        }
        return await cached(**request), await cached(**request), cache.stats()

    first, second, stats = asyncio.run(main())
    assert first == second and len(live) == 1
    assert (stats.hits, stats.misses, stats.errors) == (1, 1, 0)


def test_a_client_follows_another_incrementally(redis_server):
    one, live_one = _cache(redis_server.url)
    two, live_two = _cache(redis_server.url)
    for i in range(300):
        one.ask(f"question {i}")
    assert two.ask("question 7") == {"text": "answer to question 7"} and live_two == []
    client = redis_server.client()
    hgetall = _commands(client, "hgetall")
    for _ in range(200):  # nothing changed: each lookup costs one round trip, no entry is read
        two.ask("question 7")
    assert _commands(client, "hgetall") == hgetall
    one.ask("a brand new question")
    two.ask("a brand new question")
    assert _commands(client, "hgetall") == hgetall + 1, "one new entry: exactly one entry read"
    assert live_two == []


def test_ttl_and_invalidation_reach_every_client(redis_server):
    one, live_one = _cache(redis_server.url)
    two, live_two = _cache(redis_server.url)
    one.ask("short lived", cache_ttl=1.0)
    one.ask("kept")
    assert two.ask("short lived") == {"text": "answer to short lived"} and live_two == []
    time.sleep(1.2)
    two.ask("short lived")
    assert live_two == ["short lived"], "an expired entry is never served"
    assert two.invalidate_namespace("default") >= 2
    one.ask("kept")
    assert live_one.count("kept") == 2, "the other client saw the invalidation"


def test_max_entries_is_the_same_for_every_client(redis_server):
    one, _ = _cache(redis_server.url, max_entries=20)
    two, _ = _cache(redis_server.url, max_entries=20)
    for i in range(30):
        one.ask(f"from one {i}")
        two.ask(f"from two {i}")
    two.ask("from one 29")  # syncs both mirrors
    one.ask("from two 29")
    in_redis = {e.id for e in one.storage.entries("default")}
    assert len(in_redis) == 20
    assert set(one._mirror._entries) == set(two._mirror._entries) == in_redis


def test_a_new_client_catches_up_from_the_stream_or_a_snapshot(redis_server):
    one, _ = _cache(redis_server.url)
    for i in range(50):
        one.ask(f"question {i}")
    one.invalidate_entry(next(iter(one._mirror._entries)))
    late, live_late = _cache(redis_server.url)
    assert late.ask("question 3") == {"text": "answer to question 3"}
    assert set(late._mirror._entries) == set(one._mirror._entries)
    client = redis_server.client()
    client.xtrim("pllm:cache:stream", maxlen=5)  # the start of the stream is gone: a snapshot is needed
    one.invalidate_namespace("default")
    for i in range(10):
        one.ask(f"after trim {i}")
    later, live_later = _cache(redis_server.url)
    assert later.ask("after trim 4") == {"text": "answer to after trim 4"}
    assert set(later._mirror._entries) == set(one._mirror._entries) and len(later._mirror._entries) == 10
    assert late.ask("question 3") == {"text": "answer to question 3"} and live_late == ["question 3"]


def test_a_half_written_entry_is_never_served(redis_server):
    one, live = _cache(redis_server.url)
    one.ask("a real question")
    client = redis_server.client()
    good = client.hgetall(client.keys("pllm:cache:e:*")[0])
    meta = json.loads(good[b"meta"])
    seq = client.incr("pllm:cache:seq")
    for n, fields in enumerate(
        [
            {"meta": json.dumps({**meta, "id": "half1", "exact_key": "x"}), "seq": seq},  # no vector, no ns
            {"meta": good[b"meta"][:40], "vec": good[b"vec"], "seq": seq, "ns": "default"},  # cut JSON
            {
                "meta": good[b"meta"].replace(meta["id"].encode(), b"half3"),
                "vec": good[b"vec"][:10],
                "seq": seq,
            },
        ]
    ):
        client.hset(f"pllm:cache:e:half{n + 1}", mapping=fields)
        client.xadd(
            "pllm:cache:stream", {"op": "put", "key": f"half{n + 1}"}, id=f"{client.incr('pllm:cache:seq')}-1"
        )
    reader, live_reader = _cache(redis_server.url)
    assert reader.ask("a real question") == {"text": "answer to a real question"}
    assert not {"half1", "half2", "half3"} & set(reader._mirror._entries)
    assert reader.stats().errors == 0


def test_a_restart_fails_open_and_reconnects(redis_server):
    one, live_one = _cache(redis_server.url)
    two, live_two = _cache(redis_server.url)
    one.ask("before the restart")
    assert two.ask("before the restart") == {"text": "answer to before the restart"}
    redis_server.stop()
    assert one.ask("while redis is down") == {"text": "answer to while redis is down"}, "the call went live"
    assert one.stats().errors >= 1
    redis_server.start()  # no persistence: everything stored before is gone
    assert one.ask("while redis is down") == {"text": "answer to while redis is down"}
    assert one.ask("after the restart") == {"text": "answer to after the restart"}
    assert two.ask("after the restart") == {"text": "answer to after the restart"}
    assert live_two == [], "the other client reconnected and follows the new server"
    two.ask("before the restart")
    assert live_two == ["before the restart"], "an entry Redis lost is not served from a stale mirror"
    one.ask("after the restart")  # brings one's mirror up to date
    assert (
        set(one._mirror._entries)
        == set(two._mirror._entries)
        == {e.id for e in one.storage.entries("default")}
    )
