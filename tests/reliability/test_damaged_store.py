"""A damaged or too-new resume directory: a clear error naming the file and the way out, never a reset."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import pllm_notebook as pllm
from pllm_notebook.errors import CorruptStoreError, SchemaTooNewError
from pllm_notebook.store import DB_FILENAME, Database, ResumeStore

ASK = """
import sys
import pllm_notebook as pllm
with pllm.resume_directory(sys.argv[1]) as orch:
    for i in range(int(sys.argv[2])):
        agt = orch.agent(f"agent-{i}")
        with agt.memoize() as mem:
            mem.begin()
            agt.get_msg_state().ask_llm(f"question {i} " + "padding " * 200)
        print(agt.get_msg_state()[-1].final_answer, flush=True)
"""


def _run(directory: Path, count: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "PLLM_OFFLINE_LATENCY": "0"}
    return subprocess.run(
        [sys.executable, "-c", ASK, str(directory), str(count)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _cli(*args: str) -> subprocess.CompletedProcess:
    code = (
        "import sys, argparse, importlib\n"
        "m = importlib.import_module('pllm_notebook.store.' + sys.argv[1])\n"
        "p = argparse.ArgumentParser(); m.add_arguments(p)\n"
        "sys.exit(m.run(p.parse_args(sys.argv[2:])))\n"
    )
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> tuple[Path, list[str]]:
    directory = tmp_path_factory.mktemp("filled") / ".pllm"
    done = _run(directory, 40)
    assert done.returncode == 0, done.stderr
    Database(directory).compact()  # the rows move from the WAL into the file the tests damage
    return directory, done.stdout.splitlines()


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for name in ("pllm.duckdb", "pllm.duckdb.wal", "directory_id"):
        if (src / name).exists():
            (dst / name).write_bytes((src / name).read_bytes())
    return dst


def _truncate(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) // 2)


def _scribble(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.seek(4096 * 3)
        fh.write(os.urandom(4096 * 4))


def _scribble_header(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.seek(100)
        fh.write(os.urandom(300))


@pytest.mark.parametrize(
    "damage", [_truncate, _scribble, _scribble_header], ids=["truncated", "corrupted", "header"]
)
def test_a_damaged_file_gives_a_clear_error_and_repair_saves_the_rest(filled, tmp_path, damage):
    source, answers = filled
    directory = _copy(source, tmp_path / ".pllm")
    db = directory / DB_FILENAME
    damage(db)
    damaged_bytes = db.read_bytes()

    with pytest.raises(CorruptStoreError) as caught:
        ResumeStore(directory)
    message = str(caught.value)
    assert str(db) in message
    assert f"pllm-notebook repair {directory}" in message and "new directory" in message
    assert db.read_bytes() == damaged_bytes, "opening a damaged file must not change it"

    # the script face says the same thing, and changes nothing either
    run = _run(directory, 1)
    assert run.returncode != 0 and "pllm-notebook repair" in run.stderr
    assert db.read_bytes() == damaged_bytes

    repaired = _cli("repair", str(directory))
    assert repaired.returncode == 0, repaired.stderr
    assert "the damaged file is kept at" in repaired.stdout
    kept = list(directory.glob(f"{DB_FILENAME}.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged_bytes, "the damaged file is kept, unchanged"

    # the directory opens again; whatever was saved replays, the rest runs again
    after = _run(directory, 40)
    assert after.returncode == 0, after.stderr
    store = ResumeStore(directory)
    assert len([m for m in store.memos() if m.kind == "block"]) == 40
    info = _cli("info", str(directory))
    assert info.returncode == 0 and "memos      40" in info.stdout and "kept aside by repair" in info.stdout


def _damage_one_table(directory: Path) -> str:
    """Overwrite one DuckDB block (256 KB) so that one table is unreadable and the others are not."""
    from pllm_notebook.store.repair import _salvage

    db = directory / DB_FILENAME
    original = db.read_bytes()
    block = 256 * 1024
    for offset in range(block, len(original), block):
        damaged = bytearray(original)
        damaged[offset + 8192 : offset + 12288] = os.urandom(4096)
        db.write_bytes(bytes(damaged))
        found, lost, problems = _salvage(db)
        if not problems and sorted(t for t, n in lost.items() if n) in (["calls"], ["memos"]):
            return next(t for t, n in lost.items() if n)
    pytest.fail("no single block holds one table only; the file layout changed")


def test_repair_keeps_every_row_of_the_tables_that_still_read(filled, tmp_path):
    source, answers = filled
    directory = _copy(source, tmp_path / ".pllm")
    lost_table = _damage_one_table(directory)
    repaired = _cli("repair", str(directory))
    assert repaired.returncode == 0, repaired.stderr
    with duckdb.connect(str(directory / DB_FILENAME), read_only=True) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ("calls", "memos")}
    assert f"{lost_table}: 0 rows saved, 40 unreadable" in repaired.stdout
    if lost_table == "memos":
        assert counts == {"calls": 40, "memos": 0}
    else:  # memo entries that replay a lost call are dropped too: they could never be replayed
        assert counts == {"calls": 0, "memos": 0}
        assert "40 memo entries replay calls that could not be read" in repaired.stdout
    after = _run(directory, 40)
    assert after.returncode == 0, after.stderr
    if lost_table == "memos":
        assert after.stdout.splitlines() == answers, "the saved calls replay: the same answers, no live call"
    print(f"repair figure: lost {lost_table} (one 256 KB block overwritten), saved the rest, re-run is clean")


def test_a_healthy_directory_is_left_alone(filled, tmp_path):
    source, _ = filled
    directory = _copy(source, tmp_path / ".pllm")
    before = (directory / DB_FILENAME).read_bytes()
    result = _cli("repair", str(directory))
    assert result.returncode == 0 and "nothing to repair" in result.stdout
    assert (directory / DB_FILENAME).read_bytes() == before
    assert not list(directory.glob("*.damaged-*"))


def test_a_schema_from_a_newer_version_is_refused_not_reset(filled, tmp_path):
    source, _ = filled
    directory = _copy(source, tmp_path / ".pllm")
    db = directory / DB_FILENAME
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE pllm_meta SET value = '999' WHERE key = 'schema_version'")
    before = db.read_bytes()
    with pytest.raises(SchemaTooNewError) as caught:
        pllm.resume_directory(directory)
    message = str(caught.value)
    assert str(db) in message and "999" in message
    assert "pip install -U" in message and "another resume directory" in message
    assert db.read_bytes() == before
    result = _cli("repair", str(directory))
    assert result.returncode == 1 and "not repaired" in result.stdout
    assert db.read_bytes() == before


def test_info_describes_a_directory(filled):
    directory, _ = filled
    result = _cli("info", str(directory))
    assert result.returncode == 0, result.stderr
    for expected in ("calls      40", "memos      40 (40 block)", "integrity key", "schema     version"):
        assert expected in result.stdout


def test_repair_keeps_the_semantic_cache_and_info_counts_it(tmp_path):
    from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache

    from .cheap_embedder import HashEmbedder

    directory = tmp_path / ".pllm"
    cache = SemanticCache(
        storage=DuckDBStorage(directory), config=CacheConfig(threshold=0.9), embedder=HashEmbedder()
    )
    create = cache.wrap(lambda **kw: {"answer": kw["messages"][-1]["content"].upper()}, mode="sync")
    for i in range(3):
        create(model="m", messages=[{"role": "user", "content": f"question {i}"}], cache_context={})
    cache.storage.flush()
    repaired = _cli("repair", "--force", str(directory))
    assert repaired.returncode == 0, repaired.stderr
    assert "cache_entries: 3 rows saved, 0 unreadable" in repaired.stdout
    info = _cli("info", str(directory))
    assert "cache      3 entries: default (3)" in info.stdout, info.stdout
