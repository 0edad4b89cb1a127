"""The resume directory under several processes, crashes and bad files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

import pllm_notebook as pllm
from pllm_notebook.errors import CorruptStoreError, SchemaTooNewError
from pllm_notebook.store import DB_FILENAME, Database, ResumeStore

WRITER = textwrap.dedent(
    """
    import sys
    import pllm_notebook as pllm
    directory, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with pllm.resume_directory(directory) as orch:
        for i in range(count):
            agt = orch.agent(f"{name}-{i}")
            with agt.memoize() as mem:
                mem.begin()
                agt.get_msg_state().ask_llm(f"question {i} from {name}")
            print(agt.get_msg_state()[-1].final_answer, flush=True)
    """
)


def _spawn(directory: Path, name: str, count: int) -> subprocess.Popen:
    env = {**os.environ, "PLLM_OFFLINE_LATENCY": "0"}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), name, str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_two_processes_writing_at_once_lose_nothing(resume_dir):
    procs = [_spawn(resume_dir, name, 25) for name in ("left", "right")]
    outputs = {}
    for name, proc in zip(("left", "right"), procs, strict=True):
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert "Could not set lock" not in err
        outputs[name] = out.splitlines()
    with duckdb.connect(str(resume_dir / DB_FILENAME), read_only=True) as con:
        memos = con.execute("SELECT count(*) FROM memos WHERE kind = 'block'").fetchall()[0][0]
        answers = {r[0] for r in con.execute("SELECT response_text FROM calls").fetchall()}
    assert memos == 50
    assert set(outputs["left"]) | set(outputs["right"]) <= answers
    # and every block now replays, in a third process, with no live call
    proc = _spawn(resume_dir, "left", 25)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    assert out.splitlines() == outputs["left"]


def test_a_reader_sees_what_another_process_stored(resume_dir):
    store = ResumeStore.open(resume_dir)
    assert store.memos() == []
    proc = _spawn(resume_dir, "other", 3)
    proc.communicate(timeout=120)
    assert len(store.memos()) == 3, "the in-memory mirror followed the other process's writes"


def test_a_killed_writer_leaves_no_partial_memo(resume_dir):
    slow_block = textwrap.dedent(
        """
        import sys, time
        import pllm_notebook as pllm
        with pllm.resume_directory(sys.argv[1]) as orch:
            agt = orch.agent("victim")
            with agt.memoize() as mem:
                mem.begin()
                conv = agt.get_msg_state()
                conv.ask_llm("step one")
                print("half", flush=True)
                time.sleep(60)
                conv.ask_llm("step two")
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", slow_block, str(resume_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PLLM_OFFLINE_LATENCY": "0"},
    )
    assert proc.stdout.readline().strip() == "half"
    time.sleep(0.3)  # let the writer thread commit the first call
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    runs = []
    with pllm.resume_directory(resume_dir) as orch:
        agt = orch.agent("victim")
        with agt.memoize() as mem:
            mem.begin()
            runs.append(1)
            conv = agt.get_msg_state()
            conv.ask_llm("step one")
            conv.ask_llm("step two")
        assert runs == [1], "the block ran: nothing of the killed run was replayed as a memo"
        assert [r.source for r in conv.responses()] == ["memo", "live"], "the paid first call resumed"


def test_a_newer_schema_gives_a_clear_error(tmp_path):
    directory = tmp_path / "newer"
    ResumeStore.open(directory)
    with duckdb.connect(str(directory / DB_FILENAME)) as con:
        con.execute("UPDATE pllm_meta SET value = '999' WHERE key = 'schema_version'")
    with (
        pytest.raises(SchemaTooNewError, match=r"schema version 999.*pip install -U pllm-notebook"),
        Database(directory).connect(),
    ):
        pass


def test_a_damaged_file_gives_a_clear_error_and_is_left_alone(tmp_path):
    directory = tmp_path / "damaged"
    directory.mkdir()
    garbage = b"this is not a duckdb file" * 1000
    (directory / DB_FILENAME).write_bytes(garbage)
    with pytest.raises(CorruptStoreError, match=r"pllm-notebook repair"):
        ResumeStore.open(directory)
    assert (directory / DB_FILENAME).read_bytes() == garbage, "nothing was reset or overwritten"


def test_hashes_are_length_prefixed():
    from pllm_notebook.hashing import stable_hash

    assert stable_hash(["ab", "c"]) != stable_hash(["a", "bc"])
    assert stable_hash({"a": 1, "b": 2}) == stable_hash({"b": 2, "a": 1})
    assert stable_hash("1") != stable_hash(1)
    assert stable_hash(float("nan")) == stable_hash(float("nan"))


def test_deleting_the_directory_starts_afresh_in_the_same_process(resume_dir):
    import shutil

    def run():
        with pllm.resume_directory(resume_dir) as orch:
            agt = orch.agent("w")
            with agt.memoize() as mem:
                mem.begin()
                agt.get_msg_state().ask_llm("hello")
            return orch.stats()

    assert run().llm_calls == 1
    assert run().memo_hits == 1
    shutil.rmtree(resume_dir)  # what a user does to start over, kernel still running
    assert run().llm_calls == 1, "nothing is replayed from a directory that no longer exists"
    assert run().memo_hits == 1, "and the new directory works as before"


def test_a_damaged_blob_is_set_aside_and_written_afresh(tmp_path):
    from pllm_notebook.errors import IntegrityError
    from pllm_notebook.store import BlobStore

    blobs = BlobStore(tmp_path / "blobs")
    digest = blobs.put(b"pickled variable")
    path = tmp_path / "blobs" / digest[:2] / digest[2:]
    path.write_bytes(b"pickled variablX")
    with pytest.raises(IntegrityError, match="moved to"):
        blobs.get(digest)
    assert path.with_name(path.name + ".damaged").read_bytes() == b"pickled variablX", "kept, not deleted"
    assert blobs.put(b"pickled variable") == digest
    assert blobs.get(digest) == b"pickled variable"


def test_events_logged_while_another_process_holds_the_lock_keep_the_newest_in_order(resume_dir):
    from pllm_notebook.events import MemoHit, bus
    from pllm_notebook.store.resume_store import ACTIVITY_KEEP

    store = ResumeStore.open(resume_dir)
    burst = ACTIVITY_KEEP + 5_000
    with Database(resume_dir).locked():  # another holder: the writer cannot commit meanwhile
        for i in range(burst):
            bus.emit(MemoHit(key=f"k{i}", label="cell", directory=str(resume_dir)))
        assert len(store._activity) <= ACTIVITY_KEEP, "the backlog waiting for the lock stays bounded"
    assert store.flush(timeout=120)
    logged = store.activity_since(0)
    assert [event.key for _, event in logged] == [f"k{i}" for i in range(burst - ACTIVITY_KEEP, burst)]
    assert [seq for seq, _ in logged] == sorted(seq for seq, _ in logged)
