"""kill -9 a writer at random points, 20 times: the directory always opens, nothing reported is lost,
and no memo entry is ever half there."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache
from pllm_notebook.engine.recording import call_ids, decode_ops
from pllm_notebook.store import ResumeStore

from .cheap_embedder import HashEmbedder

KILLS = 20

WRITER = """
import sys
sys.path.insert(0, sys.argv[3])
import pllm_notebook as pllm
from cheap_embedder import HashEmbedder
from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache
from pllm_notebook.events import MemoStored, bus

directory, run = sys.argv[1], sys.argv[2]
stored = set()
bus.subscribe(lambda e: stored.add(e.key) if isinstance(e, MemoStored) else None)
cache = SemanticCache(DuckDBStorage(directory), CacheConfig(threshold=0.99), embedder=HashEmbedder())
answer = cache.wrap(lambda model, messages: {"text": "cached answer to " + messages[-1]["content"]})
print("READY", flush=True)
with pllm.resume_directory(directory) as orch:
    for i in range(10_000):
        agt = orch.agent(f"run{run}-block{i}")
        with agt.memoize() as mem:
            mem.begin()
            agt.get_msg_state().ask_llm(f"question {i} of run {run}")
            agt.get_msg_state().append(b"a pickled value of block %d" % i)
        if mem.key in stored:
            print("MEMO", mem.key, agt.get_msg_state()[-2].final_answer, flush=True)
        prompt = f"cache prompt {i} of run {run}"
        errors = cache.stats().errors
        result = answer(model="m", messages=[{"role": "user", "content": prompt}], cache_context={})
        if cache.stats().errors == errors:
            print("CACHE", prompt, "|", result["text"], flush=True)
"""


def _check_directory(directory: Path, memos: dict[str, str], cached: dict[str, str]) -> None:
    store = ResumeStore(directory)  # opens, whatever the last writer was doing when it died
    for key, answer in memos.items():
        record = store.memo(key)
        assert record is not None, f"memo {key} was reported stored and is gone"
        ids = call_ids(record.payload["ops"])
        assert ids and store.call(ids[0]).response_text == answer
    for record in store.memos():  # every entry there is whole: its calls and blobs are all present
        decode_ops(record.payload["ops"], store)
    assert store.refused_memos == []
    cache = SemanticCache(DuckDBStorage(directory), CacheConfig(threshold=0.99), embedder=HashEmbedder())
    check = cache.wrap(lambda model, messages: {"text": "LIVE"})
    for prompt, answer in cached.items():
        assert check(model="m", messages=[{"role": "user", "content": prompt}], cache_context={}) == {
            "text": answer
        }
    cache.close()


@pytest.mark.slow
def test_kill_9_at_random_points(tmp_path):
    directory = tmp_path / ".pllm"
    rnd = random.Random(9)
    env = {**os.environ, "PLLM_OFFLINE_LATENCY": "0"}
    here = str(Path(__file__).parent)
    memos: dict[str, str] = {}
    cached: dict[str, str] = {}
    started = time.perf_counter()
    for run in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(directory), str(run), here],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
        lines = []
        while not lines or not lines[-1].startswith("CACHE"):  # each run commits some of both first
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line.rstrip("\n"))
        time.sleep(rnd.uniform(0.0, 1.0))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, err
        for line in lines + out.splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "MEMO":
                key, _, answer = rest.partition(" ")
                memos[key] = answer
            elif kind == "CACHE":
                prompt, _, answer = rest.partition(" | ")
                cached[prompt] = answer
        assert "Traceback" not in err, err
        _check_directory(directory, memos, cached)
    elapsed = time.perf_counter() - started
    assert len(memos) > KILLS and len(cached) > KILLS
    print(
        f"kill -9 figure: {KILLS} kills in {elapsed:.0f} s, {len(memos)} memo entries and {len(cached)} cache "
        "entries reported committed, all intact"
    )
