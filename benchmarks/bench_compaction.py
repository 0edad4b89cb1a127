"""What WAL-only writes cost: opening a connection replays the WAL, and compaction copies the file.

    python benchmarks/bench_compaction.py

prints the median open + close time at several WAL sizes (activity-log batches, the commonest write) and
the time and result of a compaction at several database sizes (cache entries with 384-float vectors).
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from pllm_notebook.store import Database

EVENT = json.dumps({"kind": "memo_hit", "key": "k" * 64, "label": "cell", "ts": 1.0})


def _open_ms(db: Database) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        with db.connect() as con:
            con.execute("SELECT 1").fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-compaction-"))
    db = Database(work / "wal")
    print("WAL size -> open + close, median of 5")
    for target_mb in (0, 1, 4):
        while db.wal_bytes() < target_mb * 1e6:
            with db.connect() as con:  # not transaction(): no compaction while the WAL is being grown
                con.execute(
                    "INSERT INTO activity SELECT nextval('change_seq'), 1.0, 'memo_hit', ? FROM range(200)",
                    [EVENT],
                )
        print(f"  {db.wal_bytes() / 1e6:5.1f} MB: {_open_ms(db):6.1f} ms")
    print("database size -> compaction time (file + WAL before -> after)")
    db = Database(work / "big")
    for rows in (10_000, 50_000):
        with db.connect() as con:
            con.execute(
                "INSERT INTO cache_entries (seq, id, namespace, partition_key, exact_key, embedding, response) "
                "SELECT nextval('change_seq'), 'id' || range, 'ns', 'p', 'k' || range, "
                "list_transform(range(384), lambda i: random()::FLOAT), '{}' FROM range(?)",
                [rows],
            )
        started = time.perf_counter()
        before, after = db.compact()
        print(f"  {before / 1e6:6.1f} MB -> {after / 1e6:6.1f} MB: {time.perf_counter() - started:5.2f} s")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
