"""Soak: SIGKILL two writer processes sharing one resume directory, at random points, many times.

Each writer (``tests/reliability/kill_workload.py``) stores memo entries, replays earlier ones (activity
log and last-replayed writes), writes semantic-cache entries and compacts the database file every few
blocks; a small ``PLLM_COMPACT_WAL_BYTES`` makes commits compact too. One of the two is killed at a random
moment after it opened the directory, then restarted, while the other keeps writing. After every kill the
directory is opened and every table read (a corrupt open is counted); every ``--check-every`` kills, and
at the end, every memo and cache entry a writer reported committed is looked up and every stored memo
entry decoded.

    nice -n 10 python benchmarks/soak_kill9.py --kills 1000

prints kills (and how many landed inside an explicit compaction), corrupt opens (must be 0), entries
reported committed and found intact (must be all), and the wall time. Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pllm_notebook.errors import StoreError  # noqa: E402
from pllm_notebook.store import Database  # noqa: E402
from tests.reliability.kill_workload import check_directory, parse_reports, start_writer  # noqa: E402

TABLES = ("calls", "memos", "deletions", "cache_entries", "activity")


class Writer:
    """One writer slot: its process, the lines it printed, and when it will be killed.

    A third of the writers are killed at a random moment after they start opening the directory
    (opening, migrating, replaying); the rest at a random moment after their first new memo entry.
    """

    def __init__(self, directory: Path, slot: str, run: int, env: dict, rnd: random.Random, args) -> None:
        self.proc = start_writer(
            directory, f"{slot}x{run}", slot=slot, compact_every=args.compact_every, env=env
        )
        self.lines: list[str] = []
        self.kill_at: float | None = None
        self._rnd, self._max_delay = rnd, args.max_delay
        self._arm_on = "READY" if rnd.random() < 1 / 3 else "MEMO run"
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if self.kill_at is None and line.startswith(self._arm_on):
                self.kill_at = time.monotonic() + self._rnd.uniform(0.0, self._max_delay)
            self.lines.append(line)

    def kill(self) -> tuple[list[str], str]:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        self._reader.join(timeout=60)
        return self.lines, self.proc.stderr.read()


def open_and_read(directory: Path) -> str | None:
    """Open the directory's file as a new process would and read every table; the error if that fails."""
    try:
        with Database(directory).connect() as con:
            for table in TABLES:
                con.execute(f"SELECT count(*), sum(hash(t)) FROM {table} t").fetchall()
    except StoreError as exc:
        return str(exc)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-delay", type=float, default=1.5, help="kill up to this long after arming (s)")
    parser.add_argument("--compact-every", type=int, default=5, help="each writer compacts every N blocks")
    parser.add_argument("--compact-wal-bytes", type=int, default=200_000)
    parser.add_argument("--check-every", type=int, default=50)
    parser.add_argument("--directory", type=Path, default=None)
    parser.add_argument(
        "--max-seconds", type=float, default=None, help="stop killing after this long (the summary says so)"
    )
    args = parser.parse_args()

    directory = args.directory or Path(tempfile.mkdtemp(prefix="soak-kill9-")) / ".pllm"
    env = {
        **os.environ,
        "PLLM_OFFLINE_LATENCY": "0",
        "PLLM_COMPACT_WAL_BYTES": str(args.compact_wal_bytes),
        "PYTHONPATH": str(ROOT),
    }
    os.environ["PLLM_COMPACT_WAL_BYTES"] = str(args.compact_wal_bytes)
    rnd = random.Random(args.seed)
    memos: dict[str, str] = {}
    cached: dict[str, str] = {}
    corrupt: list[str] = []
    failures: list[str] = []
    kills = in_compaction = 0
    started = time.perf_counter()
    runs = iter(range(10**9))
    writers = {slot: Writer(directory, slot, next(runs), env, rnd, args) for slot in ("a", "b")}
    stop_at = None if args.max_seconds is None else time.monotonic() + args.max_seconds
    while kills < args.kills and (stop_at is None or time.monotonic() < stop_at):
        time.sleep(0.01)
        for slot, writer in writers.items():
            if writer.proc.poll() is not None and writer.kill_at is None:
                failures.append(f"writer {slot} exited by itself: {writer.proc.stderr.read()[-2000:]}")
                writers[slot] = Writer(directory, slot, next(runs), env, rnd, args)
                continue
            if writer.kill_at is None or time.monotonic() < writer.kill_at:
                continue
            lines, err = writer.kill()
            kills += 1
            in_compaction += bool(lines) and lines[-1] == "COMPACTING"
            parse_reports(lines, memos, cached)
            if "Traceback" in err:
                failures.append(f"kill {kills}, writer {slot}: {err[-2000:]}")
            error = open_and_read(directory)
            if error:
                corrupt.append(error)
                print(f"kill {kills}: corrupt open: {error}", flush=True)
            if kills % args.check_every == 0:
                try:
                    check_directory(directory, memos, cached)
                except AssertionError as exc:
                    failures.append(f"after kill {kills}: {exc}")
                print(
                    f"{kills} kills, {len(corrupt)} corrupt opens, {len(memos)} memo and {len(cached)} cache "
                    f"entries reported, {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
            writers[slot] = Writer(directory, slot, next(runs), env, rnd, args)
            if kills >= args.kills:
                break
    for writer in writers.values():
        lines, _ = writer.kill()
        parse_reports(lines, memos, cached)
    try:
        check_directory(directory, memos, cached)
        intact = "all intact"
    except AssertionError as exc:
        failures.append(f"final check: {exc}")
        intact = "NOT all intact"
    elapsed = time.perf_counter() - started
    db = Database(directory)
    print(
        ("STOPPED AT --max-seconds: " if kills < args.kills else "")
        + f"soak_kill9: {kills} SIGKILLs over 2 writer processes ({in_compaction} inside an explicit compaction), "
        f"{len(corrupt)} corrupt opens, {len(memos)} memo entries and {len(cached)} cache entries reported "
        f"committed, {intact}; {elapsed:.0f} s wall; database {db.disk_bytes() / 1e6:.1f} MB on disk"
    )
    for failure in failures:
        print("FAILURE:", failure)
    return 1 if corrupt or failures else 0


if __name__ == "__main__":
    sys.exit(main())
