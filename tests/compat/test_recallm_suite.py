"""recallm's own test suite, from its sdist on PyPI, run against pllm_notebook through the alias package in
``recallm_shim/`` (``recallm`` and ``llm_semantic_cache`` mapped to pllm_notebook's names). The plugin
``recallm_skips`` skips, each with its reason, the tests of recallm's private helpers and of the deliberate
differences listed in docs/cache.md.

The sdist is downloaded with pip (``PLLM_RECALLM_SDIST=/path/recallm-0.2.0.tar.gz`` uses a local copy) and
checked against the pinned sha256 before anything in it is run.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

SDIST = "recallm-0.2.0.tar.gz"
SDIST_SHA256 = "82bf9a57b0c347581c80e27be2bfe09bb475d17de00050629d5c77c21cb09f7c"
SHIM = Path(__file__).parent / "recallm_shim"
#: What the suite gives today; fewer passes means a regression (or a new skip that must say why).
MIN_PASSED = 42


def sdist(folder: Path) -> Path:
    """recallm 0.2.0's sdist, downloaded into ``folder`` unless PLLM_RECALLM_SDIST names a copy."""
    local = os.environ.get("PLLM_RECALLM_SDIST")
    if local:
        return Path(local)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-binary",
            ":all:",
            "--no-deps",
            "recallm==0.2.0",
            "-d",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"could not download recallm's sdist from PyPI (set PLLM_RECALLM_SDIST to a local copy):\n{proc.stderr}"
        )
    return folder / SDIST


def test_recallms_own_suite_passes_against_pllm_notebook(tmp_path):
    archive = sdist(tmp_path)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert digest == SDIST_SHA256, (
        f"{archive} is not the recallm 0.2.0 sdist this test pins (sha256 {digest})"
    )
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("recallm-0.2.0/tests/") and m.isfile()]
        tar.extractall(tmp_path, members=members, filter="data")
    suite = tmp_path / "recallm-0.2.0"
    env = {**os.environ, "PYTHONPATH": str(SHIM), "HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-p",
            "recallm_skips",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "--rootdir",
            str(suite),
            "tests",
        ],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    print(proc.stdout[-6000:])
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    assert proc.returncode == 0, (
        f"recallm's suite failed against pllm_notebook: {summary}\n{proc.stdout[-4000:]}"
    )
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert passed >= MIN_PASSED, summary
    assert " failed" not in summary and " error" not in summary, summary
