"""recallm's "async-only, most common" Redis set-up: ``RedisStorage(client=async_client)``."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from pllm_notebook import CacheConfig, ConfigError, SemanticCache
from pllm_notebook.cache import RedisStorage

redis = pytest.importorskip("redis.asyncio")


@pytest.fixture
def redis_url(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    from reliability.redis_server import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    yield server.url
    server.stop()


class OneTextEmbedder:
    """recallm's embedder protocol: one text in, one vector out."""

    model_id = "letters"

    def embed(self, text: str) -> list[float]:
        return [text.count(c) + 0.01 for c in "abcdefghijklmnopqrstuvwxyz"]


def test_async_client_alone_is_a_config_error_in_sync_code(redis_url):
    with pytest.raises(ConfigError, match="from sync code pass sync_client=redis.Redis"):
        RedisStorage(client=redis.Redis.from_url(redis_url))


def test_async_client_alone_works_in_async_code(redis_url):
    calls = []

    async def llm(**kwargs):
        calls.append(kwargs)
        return {"choices": [{"message": {"content": "Paris"}}]}

    async def main():
        storage = RedisStorage(client=redis.Redis.from_url(redis_url))
        cache = SemanticCache(
            storage=storage, config=CacheConfig(cache_timeout_seconds=5), embedder=OneTextEmbedder()
        )
        cached = cache.wrap(llm)
        request = {
            "model": "m",
            "messages": [{"role": "user", "content": "Capital of France?"}],
            "cache_context": {},
        }
        first = await cached(**request)
        second = await cached(**request)
        return first, second, cache.stats()

    first, second, stats = asyncio.run(main())
    assert first == second and len(calls) == 1
    assert (stats.hits, stats.misses, stats.errors) == (1, 1, 0)
