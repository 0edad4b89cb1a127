"""Secrets never reach the disk, Redis or the dashboard; memo entries are signed; contexts isolate."""

from __future__ import annotations

import os
import random
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import pllm_notebook as pllm
from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache, ThreadSafeInMemoryStorage
from pllm_notebook.cache.storage_redis import RedisStorage
from pllm_notebook.events import bus
from pllm_notebook.store import DB_FILENAME, ResumeStore

from .cheap_embedder import HashEmbedder
from .conftest import FAKE_KEY, ODD_KEY, PATTERN_TOKEN, SECRETS


def _ask_with_secrets(orch) -> None:
    agt = orch.agent("secretive")
    with agt.memoize() as mem:
        mem.begin()
        agt.get_msg_state().ask_llm(
            "What is the capital of France?",
            api_key=FAKE_KEY,
            extra_headers={"Authorization": f"Bearer {FAKE_KEY}", "X-Corp-Key": ODD_KEY},
            metadata={"note": f"ticket {PATTERN_TOKEN}", "auth": f"Bearer {FAKE_KEY}"},
        )


def _leaks(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        return [s for s in SECRETS if s.encode() in text]
    return [s for s in SECRETS if s in text]


def _directory_leaks(directory: Path) -> list[str]:
    found = []
    for path in directory.rglob("*"):
        if path.is_file():
            found += [f"{path.name}: {s}" for s in _leaks(path.read_bytes())]
    with duckdb.connect(str(directory / DB_FILENAME), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        for table in tables:  # strings may be compressed in the file: read them back too
            found += [f"{table}: {s}" for s in _leaks(repr(con.execute(f"SELECT * FROM {table}").fetchall()))]
    return found


def test_a_fake_key_never_reaches_the_directory_or_the_dashboard(tmp_path, secret_env):
    directory = tmp_path / ".pllm"
    seen = []
    unsubscribe = bus.subscribe(seen.append)
    try:
        cache = SemanticCache(DuckDBStorage(directory), CacheConfig(threshold=0.9), embedder=HashEmbedder())
        with pllm.resume_directory(directory, semantic_cache=cache) as orch:
            _ask_with_secrets(orch)
        cache.close()
    finally:
        unsubscribe()
    assert _directory_leaks(directory) == []
    assert _leaks(repr(seen)) == [], "events feed the inline dashboard"

    from pllm_notebook.dashboard.cache_browser import CacheBrowser
    from pllm_notebook.dashboard.follower import DirectoryFollower
    from pllm_notebook.dashboard.formatting import static_html
    from pllm_notebook.dashboard.model import DashboardModel

    model = DashboardModel(str(directory))
    follower = DirectoryFollower(directory, model)
    follower.poll()
    html = static_html(model.flush())
    assert "secretive" in html, "the dashboard shows the call"
    browser = CacheBrowser(
        SemanticCache(DuckDBStorage(directory), CacheConfig(threshold=0.9), embedder=HashEmbedder())
    )
    shown = [html]
    for namespace in browser.namespaces():
        for row in browser.entries(namespace.name):
            shown += [repr(row), repr(browser.inspect(row.entry_id))]
    assert len(shown) > 1, "the cache browser shows the entry"
    follower.store.flush()
    assert _leaks("".join(shown)) == []


def test_the_grep_finds_a_key_when_nothing_redacts_it(tmp_path, secret_env):
    """The check above is real: with redaction switched off, the same grep finds the key."""
    directory = tmp_path / ".pllm"
    with pllm.Orchestrator(directory, redact=lambda request: request) as orch:
        _ask_with_secrets(orch)
    assert FAKE_KEY in " ".join(_directory_leaks(directory))


def test_a_fake_key_never_reaches_redis(tmp_path, redis_server, secret_env):
    cache = SemanticCache(
        RedisStorage.from_url(redis_server.url), CacheConfig(threshold=0.9), embedder=HashEmbedder()
    )
    with pllm.resume_directory(tmp_path / ".pllm", cache_url=redis_server.url, semantic_cache=cache) as orch:
        _ask_with_secrets(orch)
    client = redis_server.client()
    keys = client.keys("*")
    assert any(b"store:calls" in k for k in keys) and any(b"cache:e:" in k for k in keys)
    dumped = []
    for key in keys:
        dumped.append(client.dump(key))
        kind = client.type(key)
        if kind == b"hash":
            dumped.append(repr(client.hgetall(key)).encode())
        elif kind == b"string":
            dumped.append(client.get(key))
        elif kind == b"stream":
            dumped.append(repr(client.xrange(key)).encode())
    assert _leaks(b"".join(dumped)) == []
    assert (
        not (tmp_path / ".pllm").exists()
        or _leaks(b"".join(p.read_bytes() for p in (tmp_path / ".pllm").rglob("*") if p.is_file())) == []
    )


# -- integrity of memo entries --------------------------------------------------------------------

BLOCK = """
import sys
import pllm_notebook as pllm
with pllm.resume_directory(sys.argv[1]) as orch:
    agt = orch.agent("writer")
    with agt.memoize() as mem:
        mem.begin()
        agt.get_msg_state().ask_llm("Write one line about tea.")
        agt.get_msg_state().append(b"raw bytes kept as a pickled blob")
    print(agt.get_msg_state()[-2].final_answer)
    print("memo hits", orch.stats().memo_hits)
"""


def _run_block(directory: Path, config_home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PLLM_OFFLINE_LATENCY": "0", "XDG_CONFIG_HOME": str(config_home)}
    return subprocess.run(
        [sys.executable, "-c", BLOCK, str(directory)], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_integrity_key_lives_outside_the_directory(tmp_path):
    directory, config = tmp_path / ".pllm", tmp_path / "config"
    first = _run_block(directory, config)
    assert first.returncode == 0, first.stderr
    keys = list((config / "pllm_notebook" / "keys").glob("*.key"))
    assert len(keys) == 1 and stat.S_IMODE(keys[0].stat().st_mode) == 0o600
    key = keys[0].read_text().strip()
    assert key.encode() not in b"".join(p.read_bytes() for p in directory.rglob("*") if p.is_file())
    assert (directory / "directory_id").read_text().strip() == keys[0].stem


def test_a_tampered_memo_entry_is_refused_with_a_clear_message(tmp_path):
    directory, config = tmp_path / ".pllm", tmp_path / "config"
    first = _run_block(directory, config)
    assert first.returncode == 0, first.stderr
    again = _run_block(directory, config)
    assert again.stdout.splitlines() == [first.stdout.splitlines()[0], "memo hits 1"], (
        "an intact entry replays"
    )
    with duckdb.connect(str(directory / DB_FILENAME)) as con:
        payload = con.execute("SELECT payload FROM memos").fetchall()[0][0]
        con.execute(
            "UPDATE memos SET payload = ?", [payload.replace('"state": "writer"', '"state": "intruder"')]
        )
    tampered = _run_block(directory, config)
    assert tampered.returncode == 0, tampered.stderr
    assert "failed its integrity check and will not be replayed" in tampered.stderr
    assert "A resume directory is code, like a pickle file" in tampered.stderr
    assert tampered.stdout.splitlines()[1] == "memo hits 0", "the block ran again instead of replaying"
    assert tampered.stderr.count("failed its integrity check") == 1, "reported once"


def test_a_directory_from_another_machine_needs_its_key_or_an_explicit_trust(tmp_path):
    directory = tmp_path / ".pllm"
    first = _run_block(directory, tmp_path / "machine-a")
    assert first.returncode == 0, first.stderr
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    elsewhere = _run_block(copy, tmp_path / "machine-b")
    assert (
        "failed its integrity check" in elsewhere.stderr
        and "pllm-notebook repair --trust" in elsewhere.stderr
    )
    assert elsewhere.stdout.splitlines()[1] == "memo hits 0"
    code = (
        "import sys, argparse\nfrom pllm_notebook.store import repair\n"
        "p = argparse.ArgumentParser(); repair.add_arguments(p)\nsys.exit(repair.run(p.parse_args(sys.argv[1:])))"
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "machine-b")}
    trusted = subprocess.run(
        [sys.executable, "-c", code, "--trust", str(directory)], capture_output=True, text=True, env=env
    )
    assert trusted.returncode == 0 and "re-signed 1 memo entries" in trusted.stdout, trusted.stderr
    replay = _run_block(directory, tmp_path / "machine-b")
    assert "integrity" not in replay.stderr and replay.stdout.splitlines()[1] == "memo hits 1"


def test_memo_rows_without_a_signature_are_refused(tmp_path):
    directory = tmp_path / ".pllm"
    store = ResumeStore(directory)
    with store.db.transaction() as con:
        con.execute(
            "INSERT INTO memos (seq, key, kind, label, agent, inputs, payload, duration_s, created, mac) "
            "VALUES (nextval('change_seq'), 'k', 'block', 'x', 'a', '{}', '{\"ops\": []}', 0, ?, NULL)",
            [time.time()],
        )
    fresh = ResumeStore(directory)
    assert fresh.memo("k") is None and [m.key for m in fresh.refused_memos] == ["k"]


# -- isolation ----------------------------------------------------------------------------------------


def _isolation_run(cache: SemanticCache, requests: int, seed: int) -> dict[str, int]:
    """Random requests over 4 namespaces x 50 contexts x 40 prompts; each answer names its own origin."""
    rnd = random.Random(seed)
    prompts = [f"question {i} about topic {i % 7}" for i in range(40)]
    live = []

    def answer(model, messages, origin, **kwargs):
        live.append(origin)
        return {"text": f"{origin}|{messages[-1]['content']}"}

    call = cache.wrap(answer)
    for _ in range(requests):
        namespace = f"ns{rnd.randrange(4)}"
        context = {"user": rnd.randrange(25), "project": rnd.choice(["a", "b"])}
        origin = f"{namespace}/{context['user']}{context['project']}"
        result = call(
            model="m",
            messages=[{"role": "user", "content": rnd.choice(prompts)}],
            origin=origin,
            cache_context=context,
            cache_namespace=namespace,
        )
        assert result["text"].split("|", 1)[0] == origin, f"served an entry of another context: {result}"
    return {"served": requests - len(live), "live": len(live)}


@pytest.mark.slow
def test_namespaces_and_contexts_isolate_100k_requests():
    cache = SemanticCache(ThreadSafeInMemoryStorage(), CacheConfig(threshold=0.8), embedder=HashEmbedder())
    started = time.perf_counter()
    counts = _isolation_run(cache, 100_000, seed=7)
    elapsed = time.perf_counter() - started
    assert counts["served"] > 80_000 and counts["live"] > 1_000
    print(f"isolation figure: 100000 requests, {counts['served']} served from the cache, {elapsed:.1f} s")


def test_namespaces_and_contexts_isolate_across_redis_clients(redis_server):
    one = SemanticCache(
        RedisStorage.from_url(redis_server.url), CacheConfig(threshold=0.8), embedder=HashEmbedder()
    )
    two = SemanticCache(
        RedisStorage.from_url(redis_server.url), CacheConfig(threshold=0.8), embedder=HashEmbedder()
    )
    first = _isolation_run(one, 1_000, seed=1)
    second = _isolation_run(two, 1_000, seed=2)
    assert first["live"] > 0 and second["served"] > first["served"]
