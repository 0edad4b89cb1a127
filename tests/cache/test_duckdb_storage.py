"""DuckDBStorage: durable entries shared by processes, followed incrementally, inspectable for a browser."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
import time

from pllm_notebook import DuckDBStorage, SemanticCache
from pllm_notebook.cache import CacheConfig
from pllm_notebook.events import CacheError

Q = "What is the capital of France?"

WORKER = textwrap.dedent(
    """
    import sys
    from pllm_notebook import DuckDBStorage, SemanticCache
    directory, action, prompt = sys.argv[1:4]
    cache = SemanticCache(storage=DuckDBStorage(directory))
    llm = lambda **kw: {"choices": [{"message": {"content": "from pid %d" % __import__("os").getpid()}}]}
    if action == "ask":
        reply = cache.wrap(llm)(model="m", messages=[{"role": "user", "content": prompt}], cache_context={})
        s = cache.stats()
        print(reply["choices"][0]["message"]["content"], s.exact_hits, s.semantic_hits, sep="|")
    elif action == "invalidate":
        print(cache.invalidate_namespace(prompt))
    cache.close()
    """
)


def worker(python_exe, directory, action, prompt=""):
    out = subprocess.run(
        [python_exe, "-c", WORKER, str(directory), action, prompt], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().split("|")


def llm(**kwargs):
    return {"choices": [{"message": {"content": "from the test process"}}]}


def user(text):
    return [{"role": "user", "content": text}]


def test_entries_survive_and_other_processes_writes_are_followed(resume_dir, python_exe, real_embedder):
    cache = SemanticCache(storage=DuckDBStorage(resume_dir), embedder=real_embedder)
    cached = cache.wrap(llm)
    cached(model="m", messages=user(Q), cache_context={})
    cache.close()
    # another process answers from this process's entry, then stores its own
    answer = worker(python_exe, resume_dir, "ask", "what is the capital city of France?")
    assert answer == ["from the test process", "0", "1"], "a semantic hit on this process's entry"
    worker(python_exe, resume_dir, "ask", "Who wrote the play Hamlet?")
    # this process sees the new entry without reloading (its mirror follows the change feed)
    known = cache._mirror.namespace_sizes()
    answer = cached(model="m", messages=user("Who wrote Hamlet?"), cache_context={})
    assert answer["choices"][0]["message"]["content"].startswith("from pid")
    assert cache._mirror.namespace_sizes() == {"default": known["default"] + 1}


def test_invalidate_namespace_is_durable_and_seen_by_other_processes(resume_dir, python_exe, real_embedder):
    cache = SemanticCache(storage=DuckDBStorage(resume_dir), embedder=real_embedder)
    cached = cache.wrap(llm)
    cached(model="m", messages=user(Q), cache_context={})
    assert cached(model="m", messages=user(Q), cache_context={})["choices"][0]["message"]["content"].endswith(
        "process"
    )
    assert worker(python_exe, resume_dir, "invalidate", "default") == ["1"]
    reply = cached(model="m", messages=user(Q), cache_context={})
    assert reply == llm(), "live again"
    assert cache.stats().exact_hits == 1
    assert SemanticCache(storage=DuckDBStorage(resume_dir), embedder=real_embedder).namespaces() == {
        "default": 1
    }


def test_browser_functions(resume_dir, real_embedder, events):
    cache = SemanticCache(storage=DuckDBStorage(resume_dir), embedder=real_embedder)
    cached = cache.wrap(llm)
    for prompt in (Q, "Who wrote Hamlet?", "How far away is the moon?"):
        cached(model="m", messages=user(prompt), cache_context={}, cache_namespace="geo")
    cached(model="m", messages=user(Q), cache_context={}, cache_namespace="other")
    assert cache.namespaces() == {"geo": 3, "other": 1}
    nearest = cache.similar("capital of France", k=2)
    assert [s.entry.prompt_text for s in nearest] == [Q, Q]
    assert (
        nearest[0].similarity > 0.7 > cache.similar("capital of France", k=3, namespace="geo")[1].similarity
    )
    newest = cache.entries("geo", limit=2)
    assert [e.prompt_text for e in newest] == ["How far away is the moon?", "Who wrote Hamlet?"]
    full = cache.get_entry(newest[0].id)
    assert full.embedding.shape == (384,) and full.request["messages"] == user("How far away is the moon?")
    assert cache.invalidate_entry(newest[0].id) and not cache.invalidate_entry(newest[0].id)
    assert cache.namespaces() == {"geo": 2, "other": 1}
    assert [e.entry_id for e in events if e.kind == "cache_invalidated"] == [newest[0].id]


def test_lru_eviction_uses_hits_from_this_process(resume_dir, real_embedder):
    cache = SemanticCache(
        storage=DuckDBStorage(resume_dir), config=CacheConfig(max_entries=2), embedder=real_embedder
    )
    calls = []
    cached = cache.wrap(lambda **kw: calls.append(kw) or {"n": len(calls)})
    cached(model="m", messages=user("Name a prime number."), cache_context={})
    cached(model="m", messages=user("Who wrote Hamlet?"), cache_context={})
    cached(model="m", messages=user("Name a prime number."), cache_context={})  # a hit, buffered touch
    cached(model="m", messages=user("How far away is the moon?"), cache_context={})
    assert sorted(e.prompt_text for e in cache.entries("default")) == [
        "How far away is the moon?",
        "Name a prime number.",
    ]
    assert cache.get_entry(cache.entries("default")[1].id).hits == 1


def test_a_damaged_store_fails_open(resume_dir, real_embedder, events):
    cache = SemanticCache(storage=DuckDBStorage(resume_dir), embedder=real_embedder)
    cached = cache.wrap(llm)
    cached(model="m", messages=user(Q), cache_context={})
    (resume_dir / "pllm.duckdb").write_bytes(b"this is not a database" * 100)
    (resume_dir / "generation").write_text("moved\n")
    assert cached(model="m", messages=user("Who wrote Hamlet?"), cache_context={}) == llm()
    stages = {e.stage for e in events if isinstance(e, CacheError)}
    assert {"sync", "store"} <= stages
    assert cache.stats().errors >= 2


def test_ttl_on_duckdb_hides_expired_entries_and_purges_them_on_write(resume_dir, real_embedder):
    cache = SemanticCache(
        storage=DuckDBStorage(resume_dir), config=CacheConfig(default_ttl=2.0), embedder=real_embedder
    )
    calls = []
    cached = cache.wrap(lambda **kw: calls.append(kw) or {"n": len(calls)})
    cached(model="m", messages=user(Q), cache_context={})
    assert cached(model="m", messages=user(Q), cache_context={}) == {"n": 1}
    [entry] = cache.entries("default")
    time.sleep(max(0.0, entry.expires - time.time()) + 0.05)
    assert cached(model="m", messages=user(Q), cache_context={}) == {"n": 2}, "expired: live again"
    assert cache.namespaces() == {"default": 1}, "the write purged the expired entry"


def test_secrets_in_a_prompt_are_not_written_to_disk(resume_dir, real_embedder):
    key = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0" * 2
    cache = SemanticCache(storage=DuckDBStorage(resume_dir), embedder=real_embedder)
    cached = cache.wrap(llm)
    cached(model="m", messages=user(f"Is {key} a valid key?"), cache_context={}, api_key=key)
    assert cached(model="m", messages=user(f"Is {key} a valid key?"), cache_context={}) == llm()
    [entry] = cache.entries("default")
    assert key not in entry.prompt_text and key not in json.dumps(entry.request)
    assert "[REDACTED]" in entry.prompt_text


def test_own_writes_need_no_read_back_but_others_writes_do(resume_dir, python_exe, real_embedder):
    storage = DuckDBStorage(resume_dir)
    cache = SemanticCache(storage=storage, embedder=real_embedder)
    cached = cache.wrap(llm)
    cached(model="m", messages=user(Q), cache_context={})
    assert cache._mirror._stamp == storage.change_stamp(), "the mirror already holds what it wrote"
    worker(python_exe, resume_dir, "ask", "Who wrote the play Hamlet?")
    assert cache._mirror._stamp != storage.change_stamp()
    assert cached(model="m", messages=user("Who wrote the play Hamlet?"), cache_context={}) != llm()


def test_a_deleted_directory_is_not_served_from_memory(resume_dir, real_embedder):
    cache = SemanticCache(storage=DuckDBStorage(resume_dir), embedder=real_embedder)
    calls = []
    cached = cache.wrap(lambda **kw: calls.append(kw) or {"n": len(calls)})
    cached(model="m", messages=user(Q), cache_context={})
    shutil.rmtree(resume_dir)
    assert cached(model="m", messages=user(Q), cache_context={}) == {"n": 2}
    assert cached(model="m", messages=user(Q), cache_context={}) == {"n": 2}, "the new directory caches again"
