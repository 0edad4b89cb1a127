"""Run a notebook headless twice in a fresh resume directory and show what the second run saved.

    python notebooks/run_demo.py notebooks/quickstart.ipynb

Each run starts a fresh kernel (with a private HOME and IPython folder) in the same temporary working
folder, so both use one ``.pllm/`` resume directory. For each run it prints the wall time of executing the
cells (kernel start-up is shown apart) and the number of live LLM calls, read from the resume directory.
Exits non-zero if a cell fails or if the second run made a live call.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from private_home import private_home_variables  # notebooks/ is on sys.path when this runs


@dataclass
class RunResult:
    """One headless execution of a notebook."""

    cells_s: float
    kernel_start_s: float
    live_calls: int
    errors: list[str]


def private_environment(root: Path) -> None:
    """Point HOME, IPython and Jupyter folders at ``root`` so a user's own configuration plays no part."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(private_home_variables(home))


def live_calls(resume_dir: Path) -> int:
    """How many calls in the resume directory reached the provider."""
    if not resume_dir.exists():
        return 0
    from pllm_notebook.store import ResumeStore

    store = ResumeStore.open(resume_dir)
    store.sync()
    return sum(1 for call in store.calls() if call.response.get("source", "live") == "live")


def run_once(notebook: Path, workdir: Path) -> RunResult:
    """Execute ``notebook`` in a fresh kernel whose working folder is ``workdir``."""
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    before = live_calls(workdir / ".pllm")
    client.reset_execution_trackers()
    started = time.perf_counter()
    with client.setup_kernel():
        client.wait_for_reply(client.kc.kernel_info())
        kernel_start = time.perf_counter() - started
        started = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        cells_s = time.perf_counter() - started
    errors = [
        f"cell {cell.get('id', i)}: {out['ename']}: {out['evalue']}"
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out["output_type"] == "error"
    ]
    return RunResult(cells_s, kernel_start, live_calls(workdir / ".pllm") - before, errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (default: a temporary one)")
    args = parser.parse_args(argv)
    notebook = args.notebook.resolve()
    if not notebook.exists():
        parser.error(f"{notebook} does not exist")
    root = Path(tempfile.mkdtemp(prefix="pllm-demo-")) if args.keep is None else args.keep.resolve()
    workdir = root / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    private_environment(root)
    latency = os.environ.get("PLLM_OFFLINE_LATENCY", "1.0")
    print(f"{notebook.name}: two headless runs in {workdir} (offline provider, {latency} s per live call)")
    try:
        return _compare_runs(notebook, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


def _compare_runs(notebook: Path, workdir: Path) -> int:
    results = []
    for number in (1, 2):
        result = run_once(notebook, workdir)
        results.append(result)
        print(
            f"run {number}: {result.cells_s:6.2f} s executing cells, {result.live_calls} live LLM calls "
            f"(kernel start {result.kernel_start_s:.2f} s)"
        )
        for error in result.errors:
            print(f"  error in {error}")
    first, second = results
    print(f"second run took {second.cells_s / first.cells_s:.1%} of the first")
    if any(r.errors for r in results):
        print("FAILED: a cell raised (see above)")
        return 1
    if second.live_calls:
        print(f"FAILED: the second run made {second.live_calls} live call(s); it should replay everything")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
