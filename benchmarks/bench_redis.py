"""Redis-backed semantic search at 1k/5k/20k entries in one namespace, beside recallm 0.2.0's RedisStorage.

    python benchmarks/bench_redis.py [--quick]

Both sides hold the same random unit vectors (384 dimensions) in a local redis-server (started here, on a
free loopback port, without persistence) and answer the same query. Timed: what a lookup costs besides
embedding the prompt. Ours: one round trip to see nothing changed, then the in-memory index of the
partition (``CacheMirror.sync`` + ``nearest``, what ``SemanticCache`` runs); plus the one-off catch-up of a
new client. recallm: ``RedisStorage.search``, which reads every vector of the namespace on each lookup.
recallm runs in a subprocess of the scratch venv of ``reference_env.py`` (``redis`` is installed there if
missing); without it, its column says so.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

sys.path.insert(0, str(HERE.parent / "tests" / "reliability"))

from bench_cache import median_ms  # noqa: E402
from redis_server import RedisServer  # noqa: E402
from reference_env import reference_python  # noqa: E402

from pllm_notebook.cache.mirror import CacheMirror  # noqa: E402
from pllm_notebook.cache.storage_base import CacheEntry  # noqa: E402
from pllm_notebook.cache.storage_redis import RedisStorage  # noqa: E402

DIM = 384
MODEL_ID = "bench-random-384"


def vectors(n: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    out = rng.standard_normal((n, DIM), dtype=np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def ours(url: str, n: int, repeats: int) -> dict[str, float]:
    writer = RedisStorage.from_url(url, prefix=f"bench{n}:")
    data = vectors(n)
    for i in range(n):
        writer.put(
            CacheEntry(
                id=uuid.uuid4().hex,
                namespace="default",
                partition="p",
                exact_key=f"filler-{i}",
                embedding_model_id=MODEL_ID,
                prompt_text=f"filler {i}",
                embedding=data[i],
                request={},
                response={"text": "Paris."},
            )
        )
    reader = RedisStorage.from_url(url, prefix=f"bench{n}:")
    mirror = CacheMirror()
    start = time.perf_counter()
    mirror.sync(reader)
    catch_up = time.perf_counter() - start
    query = data[n // 2]

    def lookup() -> None:
        mirror.sync(reader)
        assert mirror.nearest("p", query, k=1)[0][1] > 0.99

    return {"lookup_ms": median_ms(lookup, repeats), "catch_up_s": catch_up}


RECALLM = r"""
import json, statistics, sys, time
import numpy as np
import redis
from llm_semantic_cache.storage.redis import RedisStorage
from recallm import CacheEntry
from llm_semantic_cache.context import hash_context

port, sizes, repeats = int(sys.argv[1]), [int(s) for s in sys.argv[2].split(",")], int(sys.argv[3])
client = redis.Redis(port=port)
out = {}
for n in sizes:
    client.flushdb()
    storage = RedisStorage(None, client)
    rng = np.random.default_rng(7)
    data = rng.standard_normal((n, 384), dtype=np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    ctx = hash_context({})
    for i, v in enumerate(data):
        storage.store(CacheEntry(embedding=v.tolist(), prompt_text=f"filler {i}", context_hash=ctx,
                                 namespace="default", embedding_model_id="bench", response={"text": "Paris."}))
    query = data[n // 2].tolist()
    times = []
    for _ in range(repeats):
        s = time.perf_counter()
        found = storage.search(query, "default", "bench", ctx, 0.99)
        times.append(time.perf_counter() - s)
        assert found.entry is not None
    out[n] = statistics.median(times) * 1000
print(json.dumps(out))
"""


def recallm(port: int, sizes: list[int], repeats: int) -> dict[str, float] | None:
    python = reference_python()
    if python is None:
        return None
    has_redis = subprocess.run([python, "-c", "import redis"], capture_output=True).returncode == 0
    if not has_redis and subprocess.run([python, "-m", "pip", "install", "-q", "redis"]).returncode:
        print("could not install redis into the reference venv", file=sys.stderr)
        return None
    done = subprocess.run(
        [python, "-c", RECALLM, str(port), ",".join(map(str, sizes)), str(repeats)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        print(f"recallm run failed: {done.stderr[-800:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 5k entries only, fewer repeats")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server is not installed (apt-get install redis-server)")
        return 1
    sizes = [1_000, 5_000] if args.quick else [1_000, 5_000, 20_000]
    repeats = 20 if args.quick else 50
    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(Path(workdir))
        server.start()
        try:
            mine = {n: ours(server.url, n, repeats) for n in sizes}
            theirs = recallm(server.port, sizes, max(5, repeats // 5))
        finally:
            server.stop()
    print(
        f"{'entries in the namespace':<28}{'pllm_notebook lookup':>22}{'recallm 0.2.0 lookup':>22}{'new client catch-up':>22}"
    )
    for n in sizes:
        other = f"{theirs[str(n)]:19.2f} ms" if theirs else "      not available"
        print(f"{n:<28}{mine[n]['lookup_ms']:19.2f} ms{other}{mine[n]['catch_up_s']:20.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
