"""Reproduce the torn DuckDB file after SIGKILL with plain DuckDB (no pllm_notebook code).

A child process writes to one DuckDB file and is killed with SIGKILL at a random moment; the parent then
opens the file and reads every row of every table, as the next kernel would. Three access patterns:

- ``plain``: one thread, connect, insert 1-50 rows of a FLOAT[384] table, close (the loop that survived
  300 kills in the design notes).
- ``ours``: what the resume directory did before the fix: two threads in one process (the store's
  writer and the cache), each taking an flock on ``lock`` through its own file descriptor, opening a
  short-lived connection, committing a batch (calls, a memo with a large JSON payload, cache entries
  with FLOAT[384] vectors, a burst of activity rows, now and then a DELETE of old activity) and closing
  it, which checkpoints. Big commits go over DuckDB's ``auto_checkpoint_skip_wal_threshold`` (100 kB)
  and are checkpointed in place at commit time.
- ``wal``: the same pattern with checkpoints switched off (``checkpoint_threshold`` and
  ``auto_checkpoint_skip_wal_threshold`` out of reach, ``PRAGMA disable_checkpoint_on_shutdown``): every
  commit only appends to the WAL, so the main file is never rewritten in place.

    nice -n 10 python benchmarks/repro_torn_checkpoint.py --mode ours --kills 300

prints kills, corrupt opens and wall time. The window is a few microseconds per checkpoint, so random
kills find it rarely (about 1 in 120 in the old kill test). ``--mode torn`` shows it deterministically:
it records the bytes a checkpoint writes over the live metadata block at offset 12288 (strace shows the
same ``pwrite64(fd, ..., 262144, 12288)`` before the new header is written at 4096 or 8192), and
applies only the first N pages of that write to a copy of the file, as a SIGKILL arriving during the
write leaves it (Linux stops a buffered write between pages when a fatal signal is pending):

    python benchmarks/repro_torn_checkpoint.py --mode torn
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKER = r"""
import fcntl, json, os, random, sys, threading
import duckdb

path, mode, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
lock_path = os.path.join(os.path.dirname(path), "lock")
WAL_ONLY = {"checkpoint_threshold": "1TB", "auto_checkpoint_skip_wal_threshold": "1000000000000"}

def connect():
    con = duckdb.connect(path, config=WAL_ONLY if mode == "wal" else {})
    if mode == "wal":
        con.execute("PRAGMA disable_checkpoint_on_shutdown")
    return con

def setup():
    con = connect()
    con.execute("CREATE SEQUENCE IF NOT EXISTS seq")
    con.execute("CREATE TABLE IF NOT EXISTS vecs (seq BIGINT, id VARCHAR, v FLOAT[])")
    con.execute("CREATE TABLE IF NOT EXISTS calls (seq BIGINT, id VARCHAR, request JSON, response VARCHAR)")
    con.execute("CREATE TABLE IF NOT EXISTS memos (seq BIGINT, key VARCHAR, payload JSON)")
    con.execute("CREATE TABLE IF NOT EXISTS activity (seq BIGINT, ts DOUBLE, kind VARCHAR, event JSON)")
    con.close()

def plain_loop():
    rnd = random.Random(seed)
    while True:
        con = duckdb.connect(path)
        n = rnd.randint(1, 50)
        con.execute("INSERT INTO vecs SELECT nextval('seq'), 'x', list_transform(range(384), lambda i: random()::FLOAT) FROM range(?)", [n])
        con.close()

def ours_loop(who):
    rnd = random.Random(seed * 10 + who)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    i = 0
    while True:
        i += 1
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            con = connect()
            con.execute("BEGIN TRANSACTION")
            if who == 0:  # the resume store's writer: calls, a memo, logged events
                for _ in range(rnd.randint(1, 5)):
                    con.execute("INSERT INTO calls VALUES (nextval('seq'), ?, ?, ?)",
                                [f"c{i}", json.dumps({"messages": ["q" * rnd.randint(10, 3000)]}), "answer" * 50])
                con.execute("INSERT INTO memos VALUES (nextval('seq'), ?, ?)",
                            [f"m{i}", json.dumps({"ops": ["x" * rnd.randint(100, 200_000)]})])
                n = rnd.randint(1, 600)
                con.execute("INSERT INTO activity SELECT nextval('seq'), unnest(?), unnest(?), unnest(?)",
                            [[1.0] * n, ["hit"] * n, [json.dumps({"k": "e" * 200})] * n])
                if i % 10 == 0:
                    con.execute("DELETE FROM activity WHERE seq < (SELECT max(seq) - 5000 FROM activity)")
            else:  # the semantic cache: entries with vectors
                n = rnd.randint(1, 50)
                con.execute("INSERT INTO vecs SELECT nextval('seq'), 'x', list_transform(range(384), lambda i: random()::FLOAT) FROM range(?)", [n])
            con.execute("COMMIT")
            con.close()
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

setup()
print("READY", flush=True)
if mode == "plain":
    plain_loop()
else:
    threads = [threading.Thread(target=ours_loop, args=(w,), daemon=True) for w in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
"""


def check(path: Path, mode: str) -> str | None:
    """Open the file as the next writer would and read every row; the error text if that fails."""
    import duckdb

    try:
        config = {"checkpoint_threshold": "1TB"} if mode == "wal" else {}
        con = duckdb.connect(str(path), config=config)
        if mode == "wal":
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            con.execute(f"SELECT count(*), sum(hash(t)) FROM {table} t").fetchall()
        con.close()
    except duckdb.Error as exc:
        return str(exc)
    return None


def torn_demo() -> int:
    """Tear the in-place rewrite of block 0 after 1..64 pages; count the copies DuckDB cannot open."""
    import duckdb

    work = Path(tempfile.mkdtemp(prefix="torn-demo-"))
    before, after, torn = work / "before.duckdb", work / "after.duckdb", work / "torn.duckdb"
    con = duckdb.connect(str(before))
    con.execute("CREATE TABLE t (a INTEGER, j VARCHAR)")
    con.execute("INSERT INTO t VALUES (1, 'x')")
    con.close()  # checkpoint 1: block 0 holds the live metadata
    shutil.copy(before, after)
    con = duckdb.connect(str(after))
    con.execute("INSERT INTO t VALUES (2, 'y')")
    con.close()  # checkpoint 2 rewrites block 0 in place, then the header
    old, new = before.read_bytes(), after.read_bytes()
    corrupt = []
    for pages in range(1, 65):
        cut = 12288 + 4096 * pages
        torn.write_bytes(old[:12288] + new[12288:cut] + old[cut:])  # the old header still points at block 0
        try:
            con = duckdb.connect(str(torn))
            con.execute("SELECT count(*) FROM t").fetchall()
            con.close()
        except duckdb.Error as exc:
            corrupt.append((pages, str(exc)))
    shutil.rmtree(work)
    print(f"duckdb {duckdb.__version__}: block 0 rewritten in place by the checkpoint at close")
    print(f"torn after 1..64 of its 64 pages: {len(corrupt)} copies cannot be opened")
    for pages, error in corrupt[:3]:
        print(f"  {pages} page(s): {error}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("plain", "ours", "wal", "torn"), default="ours")
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh-every", type=int, default=100, help="start a new file every N kills")
    args = parser.parse_args()
    if args.mode == "torn":
        return torn_demo()
    import duckdb

    rnd = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="torn-"))
    corrupt: list[str] = []
    started = time.perf_counter()
    path = work / "db.duckdb"
    for kill in range(args.kills):
        if kill % args.fresh_every == 0:
            shutil.rmtree(work)
            work.mkdir()
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), args.mode, str(args.seed * 100_000 + kill)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = proc.stdout.readline().strip()
        if ready != "READY":  # the previous kill left a file even setup cannot open
            proc.kill()
            corrupt.append(proc.stderr.read().strip().splitlines()[-1])
            shutil.rmtree(work)
            work.mkdir()
            continue
        time.sleep(rnd.uniform(0.05, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        error = check(path, args.mode)
        if error:
            corrupt.append(error)
            print(f"kill {kill + 1}: corrupt open: {error[:160]}", flush=True)
            shutil.copytree(work, work.with_name(f"{work.name}-corrupt-{kill + 1}"))
            shutil.rmtree(work)
            work.mkdir()
    elapsed = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)
    print(
        f"duckdb {duckdb.__version__} mode={args.mode}: {args.kills} kills, {len(corrupt)} corrupt opens, "
        f"{elapsed:.0f} s"
    )
    return 1 if corrupt else 0


if __name__ == "__main__":
    sys.exit(main())
