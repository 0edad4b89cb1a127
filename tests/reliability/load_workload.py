"""The mixed workload the load tests run in notebook kernels, scripts and readers (imported from a path).

``work`` loops for ``seconds``: memo blocks over a key space shared by every worker (so some are hits
stored by another process) and semantic-cache calls over a shared prompt space. Every entry it saw
stored, or replayed, goes to ``report`` as a JSON line, with the answer it got, for the test to check.
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from cheap_embedder import HashEmbedder  # noqa: E402

import pllm_notebook as pllm  # noqa: E402
from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache  # noqa: E402
from pllm_notebook.events import CacheError, MemoSkipped, MemoStored, bus  # noqa: E402

MEMO_KEYS = 30
PROMPTS = 100


def make_cache(directory: str, cache_url: str | None) -> SemanticCache:
    if cache_url:
        from pllm_notebook.cache.storage_redis import RedisStorage

        storage = RedisStorage.from_url(cache_url)
    else:
        storage = DuckDBStorage(directory)
    return SemanticCache(storage, CacheConfig(threshold=0.99), embedder=HashEmbedder())


def work(directory: str, name: str, seconds: float, report: str, cache_url: str | None = None) -> dict:
    """Run the workload; returns (and writes last to ``report``) the counts of what happened."""
    stored: set[str] = set()
    problems: list[str] = []

    def watch(event) -> None:
        if isinstance(event, MemoStored):
            stored.add(event.key)
        elif isinstance(event, MemoSkipped | CacheError):
            problems.append(repr(event))

    unsubscribe = bus.subscribe(watch)
    rnd = random.Random(name)
    counts = {"memo_stored": 0, "memo_hits": 0, "cache_calls": 0, "cache_live": 0, "errors": 0}
    cache = make_cache(directory, cache_url)
    live: list[str] = []

    def llm(model, messages):
        live.append(messages[-1]["content"])
        return {"text": f"answer to {messages[-1]['content']}"}

    cached_llm = cache.wrap(llm)
    deadline = time.monotonic() + seconds
    with (
        open(report, "a") as out,
        pllm.resume_directory(directory, cache_url=cache_url, semantic_cache=False) as orch,
    ):
        while time.monotonic() < deadline:
            try:
                if rnd.random() < 0.5:
                    slot = rnd.randrange(MEMO_KEYS)
                    agt = orch.agent(f"agent{slot}")
                    agt.get_msg_state().clear()
                    with agt.memoize(salt=slot) as mem:
                        mem.begin()
                        agt.get_msg_state().ask_llm(f"Question {slot}: what is {slot} squared?")
                        agt.get_msg_state().append(b"payload %d" % slot)
                    answer = agt.get_msg_state()[-2].final_answer
                    if mem.hit:
                        counts["memo_hits"] += 1
                    elif mem.key in stored:
                        counts["memo_stored"] += 1
                    else:
                        continue
                    out.write(
                        json.dumps({"kind": "memo", "key": mem.key, "answer": answer, "by": name}) + "\n"
                    )
                else:
                    prompt = f"prompt number {rnd.randrange(PROMPTS)}"
                    before = len(live)
                    result = cached_llm(
                        model="m", messages=[{"role": "user", "content": prompt}], cache_context={}
                    )
                    counts["cache_calls"] += 1
                    counts["cache_live"] += len(live) - before
                    out.write(
                        json.dumps({"kind": "cache", "prompt": prompt, "answer": result["text"]}) + "\n"
                    )
                out.flush()
            except Exception:
                counts["errors"] += 1
                problems.append(traceback.format_exc())
    cache.close()
    unsubscribe()
    counts["problems"] = problems[:5]
    counts["errors"] += len(problems)
    with open(report, "a") as out:
        out.write(json.dumps({"kind": "done", "by": name, **counts}) + "\n")
    return counts


def read(directory: str, name: str, seconds: float, report: str, cache_url: str | None = None) -> dict:
    """A reader: lists calls, memo entries and cache namespaces over and over, counting errors."""
    from pllm_notebook.store.selection import open_resume_store

    counts = {"reads": 0, "errors": 0, "problems": []}
    store = open_resume_store(directory, cache_url)
    cache = make_cache(directory, cache_url)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            store.calls()
            store.memos()
            cache.namespaces()
            counts["reads"] += 1
        except Exception:
            counts["errors"] += 1
            counts["problems"].append(traceback.format_exc())
        time.sleep(0.05)
    with open(report, "a") as out:
        out.write(
            json.dumps({"kind": "done", "by": name, **counts, "problems": counts["problems"][:5]}) + "\n"
        )
    return counts


if __name__ == "__main__":
    role, directory, name, seconds, report = sys.argv[1:6]
    url = sys.argv[6] if len(sys.argv) > 6 else None
    result = (work if role == "work" else read)(directory, name, float(seconds), report, url)
    sys.exit(1 if result["errors"] else 0)
