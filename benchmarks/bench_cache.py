"""Semantic-cache latency and memory, beside recallm 0.2.0 with the same embedder, in one run.

    python benchmarks/bench_cache.py [--quick]

Prints: exact-hit latency (ours on InMemory and DuckDB storage, recallm InMemory), embedding time, semantic
search at 1k/10k/100k entries in one namespace (search part and whole lookup), recallm InMemory at 10k,
miss overhead on top of the LLM call, and the index memory at 100k x 384. The large indexes use random unit
vectors (embedding 100k texts would take 15 minutes on two cores); the queried entry is a real embedding.
recallm runs in a subprocess of a scratch venv (``reference_env.py``); without it its column says so.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SHARED = Path(os.environ.get("PLLM_SHARED_DIR", HERE.parent.parent / "shared"))
MODEL_PATH = Path(os.environ.get("PLLM_EMBEDDING_MODEL_PATH", SHARED / "models/all-MiniLM-L6-v2-onnx"))
os.environ.setdefault("PLLM_EMBEDDING_MODEL_PATH", str(MODEL_PATH))

from reference_env import reference_python  # noqa: E402

from pllm_notebook.cache import DuckDBStorage, FastEmbedEmbedder, InMemoryStorage, SemanticCache  # noqa: E402
from pllm_notebook.cache.canonical import canonical_from_kwargs  # noqa: E402
from pllm_notebook.cache.storage_base import CacheEntry  # noqa: E402

Q = "What is the capital of France?"
PARAPHRASE = "what is the capital city of France?"
RNG = np.random.default_rng(7)


def llm(**kwargs):
    return {"choices": [{"message": {"role": "assistant", "content": "Paris."}}], "model": kwargs["model"]}


class TimedEmbedder:
    """The real embedder, adding up how long its embedding calls took."""

    def __init__(self, inner: FastEmbedEmbedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.spent_s = 0.0

    def embed(self, texts):
        start = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.spent_s += time.perf_counter() - start


def lookup_minus_embedding_ms(fn, embedder: TimedEmbedder, n: int) -> float:
    """Median over ``n`` calls of (call time - embedding time of that call): what the cache adds."""
    extra = []
    for _ in range(n):
        spent = embedder.spent_s
        start = time.perf_counter()
        fn()
        extra.append(time.perf_counter() - start - (embedder.spent_s - spent))
    return statistics.median(extra) * 1000


def median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def random_units(n: int, dim: int = 384) -> np.ndarray:
    vectors = RNG.standard_normal((n, dim), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def filled_cache(embedder, n: int) -> tuple[SemanticCache, str, float]:
    """A cache whose default namespace holds ``n`` entries of one partition; Q is one of them (real vector)."""
    cache = SemanticCache(storage=InMemoryStorage(), embedder=embedder)
    kwargs = {"model": "m", "messages": [{"role": "user", "content": Q}]}
    canon = canonical_from_kwargs(kwargs, {})
    partition = cache._partition(canon, "default", "wrap")
    vectors = random_units(n - 1)
    entries = [
        CacheEntry(
            id=uuid.uuid4().hex,
            namespace="default",
            partition=partition,
            exact_key=f"filler-{i}",
            embedding_model_id=embedder.model_id,
            prompt_text=f"filler {i}",
            embedding=vectors[i],
            request={},
            response={"format": "json", "data": llm(model="m")},
        )
        for i in range(n - 1)
    ]
    cache.storage.put_many(entries)
    del entries, vectors
    before = rss_mb()
    cached = cache.wrap(llm)
    cached(**kwargs, cache_context={})  # the first lookup builds the index from the storage's change feed
    return cache, partition, rss_mb() - before


def ours(embedder, quick: bool) -> dict:
    out: dict = {}
    query = embedder.embed([PARAPHRASE])[0]
    out["embed_ms"] = median_ms(lambda: embedder.embed([PARAPHRASE]), 30 if quick else 100)
    for name, storage in (("memory", InMemoryStorage()), ("duckdb", DuckDBStorage(tempfile.mkdtemp()))):
        cache = SemanticCache(storage=storage, embedder=embedder)
        cached = cache.wrap(llm)
        cached(model="m", messages=[{"role": "user", "content": Q}], cache_context={})
        out[f"exact_{name}_ms"] = median_ms(
            lambda c=cached: c(model="m", messages=[{"role": "user", "content": Q}], cache_context={}),
            500 if quick else 3000,
        )
        counter = iter(range(10**9))
        out[f"miss_overhead_{name}_ms"] = median_ms(
            lambda c=cached, k=counter: c(
                model="m",
                messages=[{"role": "user", "content": f"Question number {next(k)}?"}],
                cache_context={},
            ),
            20 if quick else 60,
        )
        cache.close()
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    for n in sizes:
        cache, partition, grown_mb = filled_cache(embedder, n)
        queries = iter([query, *random_units(99)])  # other queries each time: cells not warm in the CPU cache
        out[f"search_{n}_ms"] = median_ms(
            lambda c=cache, p=partition, qs=queries: c._mirror.nearest(p, next(qs)), 100
        )
        cached = cache.wrap(llm)

        def ask(c=cached):
            return c(model="m", messages=[{"role": "user", "content": PARAPHRASE}], cache_context={})

        out[f"semantic_{n}_ms"] = median_ms(ask, 30 if quick else 60)
        out[f"semantic_{n}_extra_ms"] = lookup_minus_embedding_ms(ask, cache.embedder, 30 if quick else 60)
        assert cache.stats().semantic_hits > 0, "the paraphrase must hit"
        out[f"index_{n}_mb"] = cache.index_bytes() / 2**20
        out[f"rss_growth_{n}_mb"] = grown_mb
    return out


RECALLM = r"""
import json, statistics, sys, time, uuid
import numpy as np
from fastembed import TextEmbedding
from recallm import CacheConfig, CacheEntry, InMemoryStorage, SemanticCache
from llm_semantic_cache.context import hash_context

model_path, quick = sys.argv[1], sys.argv[2] == "1"

class LocalMiniLM:
    model_id = "sentence-transformers/all-MiniLM-L6-v2"
    def __init__(self):
        self.model = TextEmbedding(self.model_id, specific_model_path=model_path, threads=1)
    def embed(self, text):
        return list(self.model.embed([text]))[0].tolist()

def median_ms(fn, n):
    t = []
    for _ in range(n):
        s = time.perf_counter(); fn(); t.append(time.perf_counter() - s)
    return statistics.median(t) * 1000

def llm(**kw):
    return {"choices": [{"message": {"role": "assistant", "content": "Paris."}}], "model": kw["model"]}

embedder = LocalMiniLM()
out = {}
Q, P = "What is the capital of France?", "what is the capital city of France?"
cache = SemanticCache(storage=InMemoryStorage(), config=CacheConfig(threshold=0.85), embedder=embedder)
cached = cache.wrap(llm, mode="sync")
cached(model="m", messages=[{"role": "user", "content": Q}], cache_context={})
out["exact_memory_ms"] = median_ms(lambda: cached(model="m", messages=[{"role": "user", "content": Q}], cache_context={}), 100 if quick else 300)
storage = InMemoryStorage()
cache = SemanticCache(storage=storage, config=CacheConfig(threshold=0.85), embedder=embedder)
rng = np.random.default_rng(7)
vectors = rng.standard_normal((9_999, 384)).astype(np.float32)
vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
ctx = hash_context({})
for i, v in enumerate(vectors):
    storage.store(CacheEntry(embedding=v.tolist(), prompt_text=f"filler {i}", context_hash=ctx, namespace="default",
                             embedding_model_id=embedder.model_id, response=llm(model="m")))
cached = cache.wrap(llm, mode="sync")
cached(model="m", messages=[{"role": "user", "content": Q}], cache_context={})
query = embedder.embed(P)
out["search_10000_ms"] = median_ms(lambda: storage.search(query, "default", embedder.model_id, ctx, 0.85), 30)
out["semantic_10000_ms"] = median_ms(lambda: cached(model="m", messages=[{"role": "user", "content": P}], cache_context={}), 30)
out["hits"] = cache.stats().hits
print(json.dumps(out))
"""


def recallm(quick: bool) -> dict | None:
    python = reference_python()
    if python is None:
        return None
    done = subprocess.run(
        [python, "-c", RECALLM, str(MODEL_PATH), "1" if quick else "0"], capture_output=True, text=True
    )
    if done.returncode:
        print(f"recallm run failed: {done.stderr[-500:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, no 100k index")
    args = parser.parse_args()
    embedder = TimedEmbedder(FastEmbedEmbedder(model_path=MODEL_PATH))
    mine = ours(embedder, args.quick)
    ref = recallm(args.quick)

    def row(label: str, value: float | None, theirs: float | None = None, unit: str = "ms") -> None:
        left = f"{value:10.3f} {unit}" if value is not None else " " * 13
        right = (
            f"{theirs:10.3f} {unit}"
            if theirs is not None
            else ("   recallm not available" if ref is None else "")
        )
        print(f"{label:<44}{left}   {right}")

    print(f"{'':<44}{'pllm_notebook':>13}   {'recallm 0.2.0':>13}")
    row("embedding one query (median)", mine["embed_ms"])
    row("exact hit, InMemory storage (median)", mine["exact_memory_ms"], ref and ref["exact_memory_ms"])
    row("exact hit, DuckDB storage (median)", mine["exact_duckdb_ms"])
    if ref:
        print(
            f"{'  -> exact hit speed-up vs recallm':<44}{ref['exact_memory_ms'] / mine['exact_memory_ms']:10.1f} x"
        )
    for n in (1_000, 10_000, 100_000):
        if f"search_{n}_ms" not in mine:
            continue
        theirs = ref and ref.get(f"search_{n}_ms")
        row(f"semantic search part, {n:,} entries", mine[f"search_{n}_ms"], theirs)
        row(
            f"semantic hit, whole lookup, {n:,} entries",
            mine[f"semantic_{n}_ms"],
            ref and ref.get(f"semantic_{n}_ms"),
        )
        row("  -> lookup minus its embedding (median)", mine[f"semantic_{n}_extra_ms"])
    row("miss overhead, InMemory (embed + store)", mine["miss_overhead_memory_ms"])
    row("miss overhead, DuckDB (embed + store)", mine["miss_overhead_duckdb_ms"])
    for n in (10_000, 100_000):
        if f"index_{n}_mb" in mine:
            row(f"index matrix, {n:,} x 384", mine[f"index_{n}_mb"], unit="MB")
            row(f"process RSS growth building it, {n:,}", mine[f"rss_growth_{n}_mb"], unit="MB")


if __name__ == "__main__":
    main()
