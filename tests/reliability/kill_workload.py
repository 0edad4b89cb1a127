"""The writer that the kill -9 test and ``benchmarks/soak_kill9.py`` SIGKILL at random points, and the
check that the directory it leaves opens with everything it reported stored.

The writer runs memo blocks (a call and a pickled value each; each stored entry is printed ``MEMO agent
key answer`` once it is committed; the first three are named by writer slot, so a restarted writer replays
them: memo hits, activity-log writes and last-replayed stamps), writes a semantic-cache entry (printed ``CACHE prompt | answer`` once written) and,
every ``compact_every`` blocks, compacts the database file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache
from pllm_notebook.engine.recording import call_ids, decode_ops
from pllm_notebook.store import ResumeStore

from .cheap_embedder import HashEmbedder

HERE = Path(__file__).parent

WRITER = """
import sys
sys.path.insert(0, sys.argv[3])
import pllm_notebook as pllm
from cheap_embedder import HashEmbedder
from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache
from pllm_notebook.events import MemoStored, bus

directory, run, compact_every, slot = sys.argv[1], sys.argv[2], int(sys.argv[4]), sys.argv[5]
stored = set()
bus.subscribe(lambda e: stored.add(e.key) if isinstance(e, MemoStored) else None)
cache = SemanticCache(DuckDBStorage(directory), CacheConfig(threshold=0.99), embedder=HashEmbedder())
answer = cache.wrap(lambda model, messages: {"text": "cached answer to " + messages[-1]["content"]})
print("READY", flush=True)

with pllm.resume_directory(directory) as orch:
    for i in range(10_000):
        agt = orch.agent(f"w{slot}-warm{i}" if i < 3 else f"run{run}-block{i}")
        with agt.memoize() as mem:
            mem.begin()
            agt.get_msg_state().ask_llm(f"question {i} of {agt.name}")
            agt.get_msg_state().append(b"a pickled value of block %d" % i)
        if mem.key in stored:
            print("MEMO", agt.name, mem.key, agt.get_msg_state()[-2].final_answer, flush=True)
        prompt = f"cache prompt {i} of run {run}"
        errors = cache.stats().errors
        result = answer(model="m", messages=[{"role": "user", "content": prompt}], cache_context={})
        if cache.stats().errors == errors:
            print("CACHE", prompt, "|", result["text"], flush=True)
        if compact_every and i % compact_every == compact_every - 1:
            print("COMPACTING", flush=True)
            orch.store.db.compact()
            print("COMPACTED", flush=True)
"""


def start_writer(
    directory: Path, run: str, *, slot: str = "0", compact_every: int = 0, env: dict | None = None
) -> subprocess.Popen:
    """A writer process on ``directory`` (``slot`` names its blocks); its first line is READY."""
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), run, str(HERE), str(compact_every), slot],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def parse_reports(lines: list[str], memos: dict[str, str], cached: dict[str, str]) -> None:
    """Add what the writer reported committed (its MEMO and CACHE lines) to ``memos`` and ``cached``."""
    for line in lines:
        kind, _, rest = line.partition(" ")
        if kind == "MEMO":
            _agent, key, answer = rest.split(" ", 2)
            memos[key] = answer
        elif kind == "CACHE":
            prompt, _, answer = rest.partition(" | ")
            cached[prompt] = answer


def check_directory(directory: Path, memos: dict[str, str], cached: dict[str, str]) -> None:
    """Open the directory as the next kernel would: everything reported is there, every entry whole."""
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
