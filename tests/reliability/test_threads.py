"""8 threads sharing one SemanticCache: 10,000 mixed operations, no exception, counts that add up."""

from __future__ import annotations

import hashlib
import random
import threading
import time

import numpy as np
import pytest

from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache, ThreadSafeInMemoryStorage

THREADS = 8
OPS = 10_000


class RandomEmbedder:
    """Each distinct text gets its own random direction: no two prompts are ever semantically close."""

    model_id = "test-random-64"

    def embed(self, texts):
        out = np.empty((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            vector = np.random.default_rng(seed).standard_normal(64)
            out[row] = vector / np.linalg.norm(vector)
        return out


def _hammer(cache: SemanticCache, seed: int, ops_per_thread: int) -> dict[str, object]:
    """Run the mixed workload on ``THREADS`` threads; returns what the threads saw and did."""
    live_calls: list[str] = []
    wrong: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    counts = {"asked": 0, "invalidated": 0}
    lock = threading.Lock()

    def answer(model, messages, **kwargs):
        prompt = messages[-1]["content"]
        with lock:
            live_calls.append(prompt)
        return {"text": f"answer to {prompt}"}

    call = cache.wrap(answer)
    start = threading.Barrier(THREADS)

    def worker(index: int) -> None:
        rnd = random.Random(seed * 100 + index)
        start.wait()
        try:
            for _ in range(ops_per_thread):
                roll = rnd.random()
                namespace = rnd.choice(["left", "right"])
                if roll < 0.985:
                    prompt = f"prompt {rnd.randrange(40)}"
                    result = call(
                        model="m",
                        messages=[{"role": "user", "content": prompt}],
                        cache_context={},
                        cache_namespace=namespace,
                    )
                    with lock:
                        counts["asked"] += 1
                    if result != {"text": f"answer to {prompt}"}:
                        wrong.append((prompt, str(result)))
                elif roll < 0.99:
                    cache.stats()
                elif roll < 0.995:
                    rows = cache.entries(namespace, limit=3)
                    if rows and cache.invalidate_entry(rows[0].id):
                        with lock:
                            counts["invalidated"] += 1
                else:
                    cache.namespaces()
        except BaseException as exc:  # reported below, with the thread that raised
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return {
        "live": live_calls,
        "wrong": wrong,
        "errors": errors,
        "elapsed": time.perf_counter() - started,
        **counts,
    }


@pytest.mark.slow
@pytest.mark.parametrize("storage_kind", ["ThreadSafeInMemoryStorage", "DuckDBStorage"])
def test_eight_threads_share_one_cache(tmp_path, storage_kind):
    storage = (
        ThreadSafeInMemoryStorage()
        if storage_kind == "ThreadSafeInMemoryStorage"
        else DuckDBStorage(tmp_path)
    )
    cache = SemanticCache(storage, CacheConfig(threshold=0.95), embedder=RandomEmbedder())
    seen = _hammer(cache, seed=3, ops_per_thread=OPS // THREADS)
    assert seen["errors"] == [], seen["errors"][:3]
    assert seen["wrong"] == [], "every answer is the one stored for that very prompt"
    stats = cache.stats()
    assert stats.errors == 0
    assert stats.hits + stats.misses == seen["asked"], "each lookup is counted once, as a hit or a miss"
    assert stats.misses == len(seen["live"]), "each miss made exactly one live call"
    stored = sum(storage.namespace_sizes().values())
    assert stored == len(seen["live"]) - seen["invalidated"], "every live answer was stored, once"
    fresh = SemanticCache(storage, CacheConfig(threshold=0.95), embedder=RandomEmbedder())
    assert sum(fresh.namespaces().values()) == stored
    cache.close()
    rate = OPS / seen["elapsed"]
    print(
        f"threads figure ({storage_kind}): {OPS} ops on {THREADS} threads in {seen['elapsed']:.1f} s "
        f"({rate:.0f} ops/s), {stats.hits} hits, {stats.misses} misses, {seen['invalidated']} invalidated"
    )
