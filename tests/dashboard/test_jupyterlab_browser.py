"""The inline dashboard in a real JupyterLab, driven by chromium: it moves while cells run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from dashboard_browser import ARTIFACTS, free_port, stop_process, wait_for_http

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOW = "%load_ext pllm_notebook\n%pllm_dashboard"
MEMO_CELL = (
    '%%memoize salt=1\nimport pllm_notebook as pllm\n\nreply = pllm.agent("writer").get_msg_state().ask_llm(\n'
    '    "Summarise the plot of Hamlet in one line"\n)\nprint(reply.final_answer[:40])'
)
CELLS = [SHOW, MEMO_CELL, SHOW, MEMO_CELL]  # the last two are run again after a kernel restart


def write_notebook(path: Path) -> None:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"cell{i}",
            "metadata": {},
            "outputs": [],
            "source": src,
        }
        for i, src in enumerate(CELLS)
    ]
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))


def start_jupyterlab(root: Path, port: int, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(root / ".lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / ".lab-workspaces"),
        "PLLM_OFFLINE_LATENCY": "3",  # long enough to see the call in flight
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--allow-root",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def restart_kernel(port: int) -> None:
    """Restart the notebook's kernel through the Jupyter REST API (as Kernel > Restart does)."""
    base = f"http://127.0.0.1:{port}/api"
    with urllib.request.urlopen(f"{base}/sessions", timeout=30) as response:
        (session,) = json.load(response)
    request = urllib.request.Request(
        f"{base}/kernels/{session['kernel']['id']}/restart", method="POST", data=b""
    )
    urllib.request.urlopen(request, timeout=120).close()


def run_cell(page, index: int) -> None:
    """Run cell ``index`` (never run before) with Ctrl+Enter, pressing again if the key was lost."""
    from playwright.sync_api import expect

    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputArea-prompt")
    for _ in range(4):
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+Enter")
        try:  # JupyterLab marks the cell queued or running at once: a lost key press leaves "[ ]:"
            expect(prompt).not_to_have_text("[ ]:", timeout=15_000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"cell {index} never started running")


def test_inline_dashboard_moves_while_memoized_cells_run(tmp_path: Path, browser_page) -> None:
    from playwright.sync_api import expect

    root = tmp_path / "lab"
    root.mkdir()
    write_notebook(root / "dash.ipynb")
    port = free_port()
    log = (tmp_path / "jupyterlab.log").open("w")
    lab = start_jupyterlab(root, port, log)
    page = browser_page
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/status", lab, timeout=180)
        page.goto(f"http://127.0.0.1:{port}/lab/tree/dash.ipynb")
        expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(len(CELLS), timeout=120_000)
        expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
            1, timeout=120_000
        )

        cells = page.locator(".jp-Notebook .jp-Cell")
        run_cell(page, 0)
        first = cells.nth(0)
        live = first.locator('[data-metric="live_calls"]')
        expect(live).to_have_text("0", timeout=120_000)
        expect(first.get_by_text("No activity yet")).to_be_visible()

        run_cell(page, 1)  # a miss: the call is in flight for 3 s, then done
        in_flight = first.locator('tr[data-kind="in flight"]')
        expect(in_flight).to_have_count(1, timeout=60_000)
        expect(in_flight).to_contain_text("Summarise the plot of Hamlet")
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-in-flight.png"))
        expect(live).to_have_text("1", timeout=60_000)
        expect(first.locator('tr[data-kind="done"]')).to_have_count(1, timeout=30_000)
        expect(first.locator('tr[data-kind="memo miss"]')).to_have_count(1, timeout=30_000)
        expect(first.locator('[data-metric="misses"]')).to_have_text("1")

        # re-run the notebook in a fresh kernel: the memoized cell is replayed from disk, no call
        restart_kernel(port)
        expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
            1, timeout=120_000
        )
        run_cell(page, 2)
        second = cells.nth(2)
        expect(second.locator('[data-metric="live_calls"]')).to_have_text("0", timeout=120_000)
        run_cell(page, 3)
        expect(second.locator('[data-metric="memo_hits"]')).to_have_text("1", timeout=60_000)
        expect(second.locator('tr[data-kind="memo hit"]')).to_have_count(1, timeout=30_000)
        expect(second.locator('[data-metric="hit_rate"]')).to_have_text("100%")
        expect(second.locator('[data-metric="time_saved"]')).not_to_have_text("0.0 s")
        expect(second.locator('[data-metric="live_calls"]')).to_have_text("0")
        second.locator('[data-metric="memo_hits"]').scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-after-hit.png"))
        assert page.external_requests == [], (
            f"the page fetched from outside this machine: {page.external_requests}"
        )
    finally:
        stop_process(lab)
        log.close()
