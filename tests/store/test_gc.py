"""``pllm-notebook gc`` and ``max_bytes``: old versions, superseded calls, expired cache entries and
unnamed blobs go, the latest version of every cell and block stays, and the size on disk really falls."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import duckdb
import pytest

from pllm_notebook.cache import CacheEntry, DuckDBStorage
from pllm_notebook.events import MemoHit, bus
from pllm_notebook.store import CallRecord, Database, MemoRecord, ResumeStore
from pllm_notebook.store.migrations import MIGRATIONS, SCHEMA_VERSION

BIG = 2_000_000


def _call(store: ResumeStore, call_id: str, resume_key: str, created: float) -> None:
    store.put_call(
        CallRecord(
            f"answer {call_id}",
            "m",
            provider="offline",
            call_id=call_id,
            resume_key=resume_key,
            agent="a",
            request={"q": call_id},
            created=created,
        )
    )


def _memo(store, key, label, source, *, salt="None", state="s", calls=(), blobs=(), created=0.0, kind="cell"):
    ops = [{"t": "r", "id": c} for c in calls] + [{"t": "p", "blob": b} for b in blobs]
    ops.append({"t": "v", "text": os.urandom(BIG // 2).hex() if kind == "cell" else ""})  # a big row
    store.put_memo(
        MemoRecord(
            key=key,
            kind=kind,
            label=label,
            agent="",
            inputs={"source": source, "salt": salt, "state": state},
            payload={"ops": ops},
            created=created,
        )
    )


def _age_blobs(directory) -> None:
    old = time.time() - 3600
    for path in (directory / "blobs").rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))


def _size(directory, part: str = "") -> int:
    """Bytes on disk under ``directory`` (``part="blobs"``: the blobs only; ``"db"``: everything else)."""
    files = [p for p in directory.rglob("*") if p.is_file()]
    if part:
        files = [p for p in files if (p.relative_to(directory).parts[0] == "blobs") == (part == "blobs")]
    return sum(p.stat().st_size for p in files)


@pytest.fixture
def filled(tmp_path):
    """A directory where cell A was edited twice (a 2 MB value per version), a block ran in a loop,
    a call was made again under its resume key, and a cache entry has expired."""
    directory = tmp_path / ".pllm"
    store = ResumeStore(directory)
    blobs = [store.blobs.put(os.urandom(BIG)) for _ in range(3)]
    for n in range(3):
        _call(store, f"cellA-v{n}", f"rk-cellA-v{n}", 100.0 + n)
        _memo(store, f"A{n}", "cell A", f"src{n}", calls=[f"cellA-v{n}"], blobs=[blobs[n]], created=100.0 + n)
    _memo(store, "A-salted", "cell A", "src0", salt="'other'", created=50.0)  # another salt: its own group
    for i in range(3):  # one version of a block run in a loop: every iteration is the latest run
        _memo(store, f"loop{i}", "agt@nb:3", "loopsrc", state=f"state{i}", created=90.0 + i, kind="block")
    _call(store, "plain-old", "rk-plain", 10.0)  # superseded by ignore_cache
    _call(store, "plain-new", "rk-plain", 20.0)
    store.flush()
    cache = DuckDBStorage(directory)
    expiry = time.time() + 2  # later than the put takes even on a busy machine: an expired put is dropped
    for name, expires in (("fresh", None), ("expired", expiry)):
        cache.put(
            CacheEntry(
                id=name,
                namespace="ns",
                partition="p",
                exact_key=name,
                embedding_model_id="m",
                prompt_text=name,
                embedding=None,
                request={"q": name},
                response={"text": "x" * 1000},
                response_text="x",
                expires=expires,
            )
        )
    _age_blobs(directory)
    time.sleep(max(0.0, expiry - time.time()) + 0.1)  # the cache entry's TTL runs out
    return directory, store, blobs


def _gc(directory, *args) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pllm_notebook.cli", "gc", str(directory), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gc_drops_old_versions_and_the_size_on_disk_falls(filled):
    directory, store, blobs = filled
    files_before = {p: p.stat().st_size for p in directory.rglob("*") if p.is_file()}
    dry = _gc(directory, "--dry-run")
    assert "would drop 2 memo entries, 3 calls, 1 expired cache entries" in dry, dry
    assert "2 blobs (4.0 MB)" in dry, dry
    info = subprocess.run(
        [sys.executable, "-m", "pllm_notebook.cli", "info", str(directory)], capture_output=True, text=True
    ).stdout
    assert "would drop 2 memo entries, 3 calls, 1 expired cache entries" in info, info
    assert {p: p.stat().st_size for p in directory.rglob("*") if p.is_file()} == files_before, (
        "dry run changed files"
    )

    before = {part: _size(directory, part) for part in ("db", "blobs")}
    out = _gc(directory)
    after = {part: _size(directory, part) for part in ("db", "blobs")}
    assert "dropped 2 memo entries, 3 calls, 1 expired cache entries" in out, out
    assert before["blobs"] - after["blobs"] == 2 * BIG
    assert before["db"] - after["db"] > BIG // 2, (before, after)  # two rows of 1 MB of randomness went

    store.sync()  # a process that had the directory open follows the deletions
    assert store.memo("A0") is None and store.memo("A1") is None
    assert store.memo("A2") is not None and store.memo("A-salted") is not None
    assert all(store.memo(f"loop{i}") is not None for i in range(3))
    assert store.call("cellA-v2") is not None and store.call("cellA-v0") is None
    assert store.call_for_resume_key("rk-plain").call_id == "plain-new"
    assert store.call("plain-old") is None
    assert store.blobs.get(blobs[2])
    fresh = ResumeStore(directory)
    assert sorted(m.key for m in fresh.memos()) == sorted(["A2", "A-salted", "loop0", "loop1", "loop2"])
    assert [e.id for e in DuckDBStorage(directory).entries("ns")] == ["fresh"]


def test_keep_two_keeps_the_previous_version(filled):
    directory, store, _ = filled
    _gc(directory, "--keep", "2")
    store.sync()
    assert store.memo("A0") is None and store.memo("A1") is not None and store.memo("A2") is not None


def test_fresh_unnamed_blobs_are_left_alone(tmp_path):
    directory = tmp_path / ".pllm"
    store = ResumeStore(directory)
    _memo(store, "k", "cell", "src")
    digest = store.blobs.put(b"written just before its entry commits")
    out = _gc(directory)
    assert "0 blobs" in out
    assert store.blobs.get(digest)


def test_replays_stamp_last_replayed_and_the_budget_drops_the_least_used(filled):
    directory, store, blobs = filled
    bus.emit(MemoHit(key="A0", label="cell A", directory=str(directory)))
    store.flush()
    with Database(directory).connect() as con:
        stamps = dict(con.execute("SELECT key, last_replayed FROM memos").fetchall())
    assert stamps["A0"] is not None and stamps["A1"] is None

    from pllm_notebook.store import gc

    db = Database(directory)
    before = _size(directory)
    with db.locked():
        chosen = gc.plan_budget(db, max_bytes=0)
        gc.apply(db, chosen)
    # over any budget, everything goes but the most recently used entry: the replayed one, not the newest
    assert sorted(chosen.memo_keys) == ["A-salted", "A1", "A2", "loop0", "loop1", "loop2"]
    store.sync()
    assert [m.key for m in store.memos()] == ["A0"]
    assert _size(directory) < before - 2 * BIG


def test_a_version_3_directory_migrates_without_loss(tmp_path):
    directory = tmp_path / ".pllm"
    directory.mkdir()
    con = duckdb.connect(str(directory / "pllm.duckdb"))
    con.execute("CREATE TABLE pllm_meta (key VARCHAR, value VARCHAR)")
    for step in MIGRATIONS[:3]:
        step(con)
    con.execute("INSERT INTO pllm_meta VALUES ('schema_version', '3')")
    con.execute(
        "INSERT INTO memos VALUES (nextval('change_seq'), 'old', 'cell', 'c', '', '{}', '{\"ops\": []}', 1.0, 2.0, NULL)"
    )
    con.close()
    with Database(directory).connect() as con:
        assert con.execute("SELECT value FROM pllm_meta").fetchall() == [(str(SCHEMA_VERSION),)]
        assert con.execute("SELECT key, created, last_replayed FROM memos").fetchall() == [("old", 2.0, None)]


def test_max_bytes_keeps_a_directory_under_its_budget(tmp_path):
    import pllm_notebook as pllm

    directory = tmp_path / ".pllm"
    budget = 4 * BIG
    with pllm.resume_directory(directory, max_bytes=budget) as orch:
        for i in range(6):
            agt = orch.agent(f"block{i}")
            with agt.memoize() as mem:
                mem.begin()
                agt.get_msg_state().append(os.urandom(BIG))
            assert _size(directory, "blobs") + Database(directory).disk_bytes() <= budget
        kept = [m.label.split("@")[0] for m in orch.store.memos()]
    assert kept and kept[-1] == "block5" and "block0" not in kept
