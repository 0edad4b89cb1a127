"""A scratch virtual environment, outside the repository, holding an earlier release of pllm_notebook.

Benchmarks print the figures of the last release beside this tree's. The package is not on PyPI, so a
release is a git tag: the newest ``v<major>.<minor>...`` tag reachable from ``HEAD`` (``git describe``),
or any ref given with ``--baseline``. Its tree is exported with ``git archive`` (committed files only, no
work-tree edits) and installed, not editable, into a venv cached per commit under the temp folder, so a
second run reuses it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RELEASE_TAGS = "v[0-9]*"
EXTRAS = "all"
BENCH_PACKAGES = ("pandas", "nbclient", "nbformat", "ipykernel")
"""What the benchmarks need beside the package's own ``[all]`` extras (the dev tools are not needed)."""


@dataclass(frozen=True)
class Baseline:
    """An installed earlier release: its interpreter, its exported source tree and how to name it."""

    python: str
    source: Path
    label: str


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def last_release() -> str | None:
    """The newest release tag reachable from ``HEAD``, or None when the history has none."""
    try:
        return _git("describe", "--tags", "--abbrev=0", "--match", RELEASE_TAGS, "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return None


def baseline_env(ref: str) -> Baseline:
    """Install ``ref`` (a tag, branch or commit of this repository) into its cached venv.

    Raises ``RuntimeError`` naming what went wrong (unknown ref, failed install).
    """
    try:
        commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    except (OSError, subprocess.CalledProcessError) as exc:
        raise RuntimeError(f"{ref!r} is not a commit of {REPO} (git tag -l 'v*' lists the releases)") from exc
    root = Path(tempfile.gettempdir()) / f"pllm-baseline-{commit[:12]}"
    python, source, done = root / "venv" / "bin" / "python", root / "src", root / "installed"
    if not done.exists():
        try:
            _export(commit, source)
            if not python.exists():
                subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
            print(f"installing {ref} ({commit[:7]}) into {root} (once)", file=sys.stderr, flush=True)
            with (root / "pip.log").open("w") as log:
                subprocess.run(
                    [str(python), "-m", "pip", "install", "-q", f"{source}[{EXTRAS}]", *BENCH_PACKAGES],
                    check=True,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        except (OSError, subprocess.CalledProcessError) as exc:
            raise RuntimeError(
                f"could not install {ref} ({commit[:7]}) into {root} ({root}/pip.log): {exc}"
            ) from exc
        done.write_text(commit)
    return Baseline(str(python), source, f"{ref} ({commit[:7]})" if ref != commit else commit[:7])


def _export(commit: str, target: Path) -> None:
    """The committed tree of ``commit`` into ``target`` (replacing what an interrupted run left)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    archive = target.with_suffix(".tar")
    subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", f"--output={archive}", commit], check=True
    )
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    archive.unlink()
