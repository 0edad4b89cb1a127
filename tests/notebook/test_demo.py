"""The README's demo command: the quickstart runs twice headless and the second run makes no live call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quickstart_second_run_replays_everything():
    done = subprocess.run(
        [sys.executable, "notebooks/run_demo.py", "notebooks/quickstart.ipynb"],
        cwd=REPO,
        env={**os.environ, "PLLM_OFFLINE_LATENCY": "0.05"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("run 1:") and "12 live LLM calls" in line for line in lines), done.stdout
    assert any(line.startswith("run 2:") and " 0 live LLM calls" in line for line in lines), done.stdout
