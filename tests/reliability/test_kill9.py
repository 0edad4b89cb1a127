"""kill -9 a writer at random points, 20 times: the directory always opens, nothing reported is lost,
and no memo entry is ever half there. The writer compacts the file every few blocks, and a small WAL
threshold makes commits compact too, so kills also land inside compactions."""

from __future__ import annotations

import os
import random
import signal
import time

import pytest

from .kill_workload import check_directory, parse_reports, start_writer

KILLS = 20


@pytest.mark.slow
def test_kill_9_at_random_points(tmp_path):
    directory = tmp_path / ".pllm"
    rnd = random.Random(9)
    env = {**os.environ, "PLLM_OFFLINE_LATENCY": "0", "PLLM_COMPACT_WAL_BYTES": "200000"}
    memos: dict[str, str] = {}
    cached: dict[str, str] = {}
    started = time.perf_counter()
    for run in range(KILLS):
        proc = start_writer(directory, str(run), compact_every=7, env=env)
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
        lines = []
        while not any(x.startswith("MEMO run") for x in lines) or not lines[-1].startswith("CACHE"):
            line = proc.stdout.readline()  # each run commits a new memo entry and a cache entry first
            assert line, proc.stderr.read()
            lines.append(line.rstrip("\n"))
        time.sleep(rnd.uniform(0.0, 1.0))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, err
        parse_reports(lines + out.splitlines(), memos, cached)
        assert "Traceback" not in err, err
        check_directory(directory, memos, cached)
    elapsed = time.perf_counter() - started
    assert len(memos) >= KILLS and len(cached) >= KILLS
    print(
        f"kill -9 figure: {KILLS} kills in {elapsed:.0f} s, {len(memos)} memo entries and {len(cached)} cache "
        "entries reported committed, all intact"
    )
