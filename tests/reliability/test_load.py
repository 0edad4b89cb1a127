"""4 processes on one resume directory (or one Redis) for 30 s: two notebook kernels, a script, and the
dashboard server (or a reader). Zero errors, and every entry any of them reported is there and correct."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from pllm_notebook.engine.recording import call_ids
from pllm_notebook.store.selection import open_resume_store

from .redis_server import free_port

SECONDS = 30
HERE = Path(__file__).parent
WORKLOAD = HERE / "load_workload.py"


def _kernel_notebook(directory: Path, name: str, report: Path, url: str | None) -> nbformat.NotebookNode:
    cells = [
        f"import sys\nsys.path.insert(0, {str(HERE)!r})\nimport load_workload",
        f"counts = load_workload.work({str(directory)!r}, {name!r}, {SECONDS}, {str(report)!r}, {url!r})\ncounts",
        "assert counts['errors'] == 0, counts['problems']",
    ]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])


def _run_kernel(notebook: nbformat.NotebookNode, failures: list[str]) -> None:
    try:
        NotebookClient(notebook, timeout=SECONDS * 4, kernel_name="python3").execute()
    except Exception as exc:  # reported by the test
        failures.append(f"{type(exc).__name__}: {exc}")


def _records(reports: list[Path]) -> list[dict]:
    rows = []
    for report in reports:
        rows += [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
    return rows


def _check(directory: Path, url: str | None, rows: list[dict]) -> dict[str, int]:
    """Every reported entry is there and correct; returns the figures."""
    done = [r for r in rows if r["kind"] == "done"]
    for row in done:
        assert row["errors"] == 0, row
    memo_answers: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["kind"] == "memo":
            memo_answers[row["key"]].add(row["answer"])
        elif row["kind"] == "cache":
            assert row["answer"] == f"answer to {row['prompt']}", row
    store = open_resume_store(directory, url)
    store.sync(force=True)
    for key, answers in memo_answers.items():
        record = store.memo(key)
        assert record is not None, f"memo {key} was reported stored and is gone"
        ids = call_ids(record.payload["ops"])
        assert store.call(ids[0]).response_text in answers, "the stored entry is one a process reported"
    from .load_workload import make_cache

    fresh = make_cache(str(directory), url)
    check = fresh.wrap(lambda model, messages: {"text": "LIVE"})
    prompts = {r["prompt"] for r in rows if r["kind"] == "cache"}
    for prompt in prompts:
        assert check(model="m", messages=[{"role": "user", "content": prompt}], cache_context={}) == {
            "text": f"answer to {prompt}"
        }
    fresh.close()
    workers = [r for r in done if "memo_hits" in r]
    return {
        "memo_stored": sum(r["memo_stored"] for r in workers),
        "memo_hits": sum(r["memo_hits"] for r in workers),
        "cache_calls": sum(r["cache_calls"] for r in workers),
        "cache_live": sum(r["cache_live"] for r in workers),
        "memo_keys": len(memo_answers),
        "prompts": len(prompts),
    }


def _script(role: str, directory: Path, name: str, report: Path, url: str | None) -> subprocess.Popen:
    """A worker process; its output goes to ``<report>.log`` (read by :func:`_finish`)."""
    args = [sys.executable, str(WORKLOAD), role, str(directory), name, str(SECONDS), str(report)]
    with open(report.with_suffix(".log"), "w") as sink:
        return subprocess.Popen(args + ([url] if url else []), stdout=sink, stderr=subprocess.STDOUT)


def _finish(proc: subprocess.Popen, report: Path) -> None:
    proc.wait(timeout=SECONDS * 4)
    assert proc.returncode == 0, report.with_suffix(".log").read_text()[-3000:]


def _run_four(
    tmp_path: Path, directory_of: dict[str, Path], url: str | None, fourth
) -> tuple[dict[str, int], float]:
    reports = [tmp_path / f"report-{n}.jsonl" for n in ("kernelA", "kernelB", "script", "fourth")]
    failures: list[str] = []
    kernels = [
        threading.Thread(target=_run_kernel, args=(_kernel_notebook(directory_of[n], n, r, url), failures))
        for n, r in zip(("kernelA", "kernelB"), reports[:2], strict=True)
    ]
    started = time.perf_counter()
    for kernel in kernels:
        kernel.start()
    script = _script("work", directory_of["script"], "script", reports[2], url)
    stop_fourth = fourth(reports[3])
    try:
        _finish(script, reports[2])
        for kernel in kernels:
            kernel.join(timeout=SECONDS * 4)
    finally:
        stop_fourth()  # stops the dashboard even when a worker failed
    elapsed = time.perf_counter() - started
    assert failures == []
    return _check(directory_of["script"], url, _records([r for r in reports if r.exists()])), elapsed


@pytest.mark.slow
def test_four_processes_on_one_resume_directory(tmp_path):
    directory = tmp_path / ".pllm"
    open_resume_store(directory)  # the dashboard needs the file to exist before it starts
    from pllm_notebook.cache import DuckDBStorage

    DuckDBStorage(directory).namespace_sizes()
    port = free_port()

    def dashboard(report: Path):
        token = secrets.token_urlsafe(24)
        log = report.with_suffix(".log")  # a file, not a pipe nobody reads until the end (it could fill)
        with open(log, "w") as sink:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pllm_notebook.cli", "dashboard", str(directory), "--port", str(port)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PLLM_DASHBOARD_TOKEN": token},
            )
        pages = {"ok": 0}
        stop = threading.Event()
        # the owner's browser: the token's URL is traded for a cookie, which later visits carry
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

        def browse() -> None:  # a browser opening the page now and then: each visit builds a view
            while not stop.wait(3.0):
                try:
                    with opener.open(f"http://127.0.0.1:{port}/?token={token}", timeout=10) as page:
                        pages["ok"] += page.status == 200
                except OSError:
                    pass

        browser = threading.Thread(target=browse, daemon=True)
        browser.start()

        def finish() -> None:
            stop.set()
            alive = proc.poll() is None
            proc.terminate()
            proc.wait(timeout=30)
            output = log.read_text()
            assert alive, f"the dashboard died during the run: {output[-3000:]}"
            assert "Traceback" not in output, output[-3000:]
            assert pages["ok"] >= 1, f"the dashboard served no page during the run: {output[-3000:]}"
            report.write_text(
                json.dumps({"kind": "done", "by": "dashboard", "errors": 0, "pages": pages["ok"]}) + "\n"
            )

        return finish

    shared = dict.fromkeys(("kernelA", "kernelB", "script"), directory)
    figures, elapsed = _run_four(tmp_path, shared, None, dashboard)
    assert (
        figures["memo_hits"] > 0
        and figures["memo_stored"] > 0
        and figures["cache_calls"] > figures["cache_live"]
    )
    print(
        f"load figure (directory, 2 kernels + script + dashboard, {SECONDS} s each, {elapsed:.0f} s): {figures}"
    )


@pytest.mark.slow
def test_four_processes_sharing_one_redis(tmp_path, redis_server):
    def reader(report: Path):
        proc = _script("read", tmp_path / "reader", "reader", report, redis_server.url)

        def finish() -> None:
            _finish(proc, report)

        return finish

    # each process has its own directory: Redis is all they share
    own = {name: tmp_path / name / ".pllm" for name in ("kernelA", "kernelB", "script")}
    figures, elapsed = _run_four(tmp_path, own, redis_server.url, reader)
    reads = [r for r in _records([tmp_path / "report-fourth.jsonl"]) if r["kind"] == "done"][0]["reads"]
    assert figures["memo_hits"] > 0 and figures["memo_stored"] > 0 and reads > 0
    print(
        f"load figure (Redis, 2 kernels + script + reader, {SECONDS} s each, {elapsed:.0f} s): {figures}, reads={reads}"
    )
