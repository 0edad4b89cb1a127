"""Disk full while writing: the call still returns its answer, the failure is reported once, and nothing
half-written remains (the next run, with space again, re-runs and saves everything)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pllm_notebook.cache import DuckDBStorage
from pllm_notebook.engine.recording import decode_ops
from pllm_notebook.store import ResumeStore

WRITER = """
import sys
sys.path.insert(0, sys.argv[2])
import pllm_notebook as pllm
from cheap_embedder import HashEmbedder
from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache

directory = sys.argv[1]
cache = SemanticCache(DuckDBStorage(directory), CacheConfig(threshold=0.99), embedder=HashEmbedder())
with pllm.resume_directory(directory, semantic_cache=cache) as orch:
    for i in range(3):
        agt = orch.agent(f"writer{i}")
        with agt.memoize() as mem:
            mem.begin()
            agt.get_msg_state().ask_llm(f"Tell me about disks, part {i}." + " More detail." * 2000)
            agt.get_msg_state().append(b"x" * 300_000)
        print("ANSWER", agt.get_msg_state()[-2].final_answer, flush=True)
    print("MEMO HITS", orch.stats().memo_hits, flush=True)
"""


def _run(directory: Path, limit_bytes: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-c", WRITER, str(directory), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        env={**os.environ, "PLLM_OFFLINE_LATENCY": "0"},
        preexec_fn=limit if limit_bytes else None,
        timeout=180,
    )


def _prepare(directory: Path) -> None:
    ResumeStore(directory)
    DuckDBStorage(directory).namespace_sizes()  # the file exists at the current schema


def _assert_clean_and_recovers(directory: Path) -> None:
    leftovers = [p for p in directory.rglob(".tmp-*")]
    assert leftovers == [], "no half-written blob remains"
    store = ResumeStore(directory)
    for record in store.memos():  # whatever was saved is whole
        decode_ops(record.payload["ops"], store)
    with_space = _run(directory)
    assert with_space.returncode == 0, with_space.stderr
    replay = _run(directory)
    assert replay.returncode == 0 and "MEMO HITS 3" in replay.stdout, "the re-run saved everything"


def _assert_answered_and_reported_once(full: subprocess.CompletedProcess) -> None:
    assert full.returncode == 0, full.stderr
    assert full.stdout.count("ANSWER ") == 3, "every call returned its answer"
    assert "Traceback" not in full.stderr
    for block in range(3):
        assert full.stderr.count(f"memo writer{block}@") <= 1, "each unsaved block is reported once"
    assert full.stderr.count("pllm_notebook could not save to") <= 1, "the store reports its failure once"
    assert full.stderr.count("semantic cache: store failed") <= 1, "the cache reports its failure once"
    assert "No space left on device" in full.stderr or "File too large" in full.stderr


@pytest.fixture
def small_tmpfs(tmp_path):
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_loses_no_answer_and_leaves_nothing_half_written(small_tmpfs):
    directory = small_tmpfs / ".pllm"
    _prepare(directory)
    free = shutil.disk_usage(small_tmpfs).free
    filler = small_tmpfs / "filler"
    with open(filler, "wb") as fh:  # leave about 40 KB: less than one memo's blob or one cache write
        fh.write(b"\0" * max(0, free - 40 * 1024))
    full = _run(directory)
    _assert_answered_and_reported_once(full)
    assert "No space left on device" in full.stderr
    filler.unlink()
    _assert_clean_and_recovers(directory)


def test_a_file_size_limit_loses_no_answer_and_leaves_nothing_half_written(tmp_path):
    directory = tmp_path / ".pllm"
    _prepare(directory)
    full = _run(directory, limit_bytes=200 * 1024)
    _assert_answered_and_reported_once(full)
    _assert_clean_and_recovers(directory)


def test_a_read_only_directory_names_the_file_and_the_way_out(small_tmpfs):
    directory = small_tmpfs / ".pllm"
    done = _run(directory)
    assert done.returncode == 0, done.stderr
    files = {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    remount = subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], capture_output=True)
    if remount.returncode != 0:
        pytest.skip(f"cannot remount read-only: {remount.stderr.decode().strip()}")
    again = _run(directory)
    assert again.returncode != 0
    assert "Traceback" in again.stderr and "StoreError" in again.stderr
    message = again.stderr.strip().splitlines()[-1]
    assert str(directory) in message and "read-only" in message and "copy it somewhere writable" in message
    for command in ("info", "gc"):
        shown = subprocess.run(
            [sys.executable, "-m", "pllm_notebook.cli", command, str(directory)],
            capture_output=True,
            text=True,
        )
        assert shown.returncode == 1 and "read-only" in shown.stderr and str(directory) in shown.stderr, shown
    assert {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()} == files, "nothing was changed"
