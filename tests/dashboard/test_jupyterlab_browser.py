"""The inline dashboard in a real JupyterLab, driven by chromium: it moves while cells run, Run All included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from dashboard_browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOW = "%load_ext pllm_notebook\n%pllm_dashboard"
MEMO_CELL = (
    '%%memoize salt=1\nimport pllm_notebook as pllm\n\nreply = pllm.agent("writer").get_msg_state().ask_llm(\n'
    '    "Summarise the plot of Hamlet in one line"\n)\nprint(reply.final_answer[:40])'
)
CELLS = [SHOW, MEMO_CELL, SHOW, MEMO_CELL]  # the last two are run again after a kernel restart
EIGHT_CALLS = (
    "# eight calls of 0.5 s, new prompts on every run\n"
    "import uuid\n"
    "import pllm_notebook as pllm\n\n"
    "run = uuid.uuid4().hex[:6]\n"
    "for i in range(8):\n"
    '    pllm.agent("writer").get_msg_state().ask_llm(f"Question {i} of run {run}")\n'
    'print("eight calls made")'
)
RUN_ALL_CELLS = ['import os\n\nos.environ["PLLM_OFFLINE_LATENCY"] = "0.5"\n' + SHOW, EIGHT_CALLS]


PLANTED_KEY = "zq-planted-7f3a9c1e5b2d"
DETAIL_CELLS = [
    '%load_ext pllm_notebook\nimport os\nimport pllm_notebook as pllm\n\nos.environ["PLLM_OFFLINE_LATENCY"] = "0.6"\n'
    'pllm.configure(strategy="concurrent")\n%pllm_dashboard',
    "# ask three questions at once\n"
    'key = os.environ["PLLM_DEMO_API_KEY"]\n'
    "replies = [\n"
    '    pllm.agent(f"a{i}").get_msg_state().ask_llm(\n'
    '        f"Question {i}: which river, key {key}", extra_headers={"Authorization": f"Bearer {key}"}\n'
    "    )\n"
    "    for i in range(3)\n"
    "]\n"
    "[len(r.final_answer) for r in replies]",
    "n = 3",
    "%%memoize salt=1\n# square n\nsquare = n * n\nprint(square)",
    "n = 4",
]


def write_notebook(path: Path, sources: list[str]) -> None:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"cell{i}",
            "metadata": {},
            "outputs": [],
            "source": src,
        }
        for i, src in enumerate(sources)
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
        "PLLM_DEMO_API_KEY": PLANTED_KEY,  # the kernels' environment holds a key the page must never show
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


def own_folder(root: Path, name: str) -> Path:
    """A folder per test's notebook: its kernel's default resume directory (.pllm beside it) is its own."""
    folder = root / name
    folder.mkdir(exist_ok=True)
    return folder


def open_notebook(page, port: int, name: str, cells: int) -> None:
    from playwright.sync_api import expect

    page.goto(f"http://127.0.0.1:{port}/lab/tree/{name}?reset")  # only this notebook open
    expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(cells, timeout=120_000)
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
        1, timeout=120_000
    )


def open_new_notebook(page, port: int, root: Path, name: str, sources: list[str]):
    """Write ``name/name.ipynb`` (its own folder, its own resume directory), open it; returns its cells."""
    write_notebook(own_folder(root, name) / f"{name}.ipynb", sources)
    open_notebook(page, port, f"{name}/{name}.ipynb", len(sources))
    return page.locator(".jp-Notebook .jp-Cell")


def restart_kernel(port: int, notebook: str) -> None:
    """Restart the notebook's kernel through the Jupyter REST API (as Kernel > Restart does)."""
    base = f"http://127.0.0.1:{port}/api"
    with urllib.request.urlopen(f"{base}/sessions", timeout=30) as response:
        (session,) = [s for s in json.load(response) if s["path"] == notebook]
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


def test_inline_dashboard_moves_while_memoized_cells_run(lab: tuple[int, Path], browser_page) -> None:
    from playwright.sync_api import expect

    port, root = lab
    write_notebook(own_folder(root, "memo") / "dash.ipynb", CELLS)
    page = browser_page
    open_notebook(page, port, "memo/dash.ipynb", len(CELLS))

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
    restart_kernel(port, "memo/dash.ipynb")
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


def run_all_from_the_menu(page) -> None:
    """Run > Run All Cells, again if the click was lost (JupyterLab still starting): the last cell queues."""
    from playwright.sync_api import expect

    prompt = page.locator(".jp-Notebook .jp-Cell").last.locator(".jp-InputArea-prompt")
    for _ in range(4):
        page.keyboard.press("Escape")
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            expect(prompt).not_to_have_text("[ ]:", timeout=15_000)
            return
        except AssertionError:
            continue
    raise AssertionError("Run All Cells never started the notebook")


def watch_while_running(page, dashboard_cell: int, calls_cell: int, shot: str) -> tuple[list[str], set[str]]:
    """Read the dashboard every 0.5 s while the calls cell is queued or running: its live-call counts,
    and the prompts it showed in flight."""
    from playwright.sync_api import expect

    cells = page.locator(".jp-Notebook .jp-Cell")
    dashboard = cells.nth(dashboard_cell)
    prompt = cells.nth(calls_cell).locator(".jp-InputArea-prompt")
    try:
        expect(prompt).to_have_text("[*]:", timeout=120_000)
    except AssertionError:
        page.screenshot(path=str(ARTIFACTS / f"failed-{shot}"))
        raise
    counts: list[str] = []
    in_flight: set[str] = set()
    while prompt.inner_text() == "[*]:":
        live = dashboard.locator('[data-metric="live_calls"]')
        counts.append(live.inner_text() if live.count() else "none")
        rows = dashboard.locator('tr[data-kind="in flight"] td:last-child')
        in_flight.update(rows.all_inner_texts())
        if len(in_flight) == 2:
            page.screenshot(path=str(ARTIFACTS / shot))
        time.sleep(0.5)
    return counts, in_flight


def changes(values: list[str]) -> int:
    return sum(a != b for a, b in zip(values, values[1:], strict=False))


def check_live_while_running(page, dashboard, what: str, shot: str) -> None:
    """While the 8-call cell (cell 1) runs, the dashboard (in cell 0) moves: its live-call count changes
    at least 4 times and at least 4 calls are seen in flight; all 8 are counted at the end."""
    from playwright.sync_api import expect

    counts, in_flight = watch_while_running(page, 0, 1, shot)
    assert changes(counts) >= 4, f"the dashboard did not move during {what}: {counts}"
    assert len(in_flight) >= 4, f"calls seen in flight during {what}: {sorted(in_flight)}"
    expect(dashboard.locator('[data-metric="live_calls"]')).to_have_text("8", timeout=30_000)


def test_inline_dashboard_is_live_during_run_all_and_after_a_reload(
    lab: tuple[int, Path], browser_page
) -> None:
    from playwright.sync_api import expect

    port, root = lab
    page = browser_page
    cells = open_new_notebook(page, port, root, "runall", RUN_ALL_CELLS)
    dashboard = cells.nth(0)

    run_all_from_the_menu(page)
    check_live_while_running(page, dashboard, "Run All", "jupyterlab-run-all.png")

    page.locator("[data-command='notebook:restart-run-all']").click()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-restart-dialog.png"))
    page.locator(".jp-Dialog .jp-mod-accept").click()
    check_live_while_running(page, dashboard, "Restart & Run All", "jupyterlab-restart-run-all.png")
    expect(dashboard.locator('tr[data-kind="done"]')).to_have_count(8)

    # a reloaded page, the kernel alive: %pllm_dashboard again shows the session's figures and moves
    page.reload()
    open_notebook(page, port, "runall/runall.ipynb", len(RUN_ALL_CELLS))
    live = dashboard.locator('[data-metric="live_calls"]')
    cells.nth(0).locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    expect(live).to_be_visible(timeout=60_000)
    before = int(live.inner_text())
    cells.nth(1).locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    expect(dashboard.locator('tr[data-kind="in flight"]')).to_have_count(1, timeout=30_000)
    expect(live).to_have_text(str(before + 8), timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-after-reload.png"))
    page.set_viewport_size({"width": 700, "height": 1000})
    dashboard.locator('[data-metric="live_calls"]').scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-narrow-700.png"))
    cell_text = cells.nth(1).locator(".jp-OutputArea").inner_text()
    assert "Error" not in cell_text and "No such comm" not in cell_text, cell_text
    assert page.external_requests == [], (
        f"the page fetched from outside this machine: {page.external_requests}"
    )


WITH_CACHE = "%load_ext pllm_notebook\nimport pllm_notebook as pllm\n\npllm.configure(semantic_cache=True)\n%pllm_dashboard"
TWO_CALLS = 'for question in ["Name a river in Spain", "Name a city in Peru"]:\n    pllm.agent("a").get_msg_state().ask_llm(question)'


def test_a_headless_run_saves_a_compact_snapshot_that_a_reopened_notebook_shows(
    lab: tuple[int, Path], browser_page
) -> None:
    from playwright.sync_api import expect

    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    port, root = lab
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (WITH_CACHE, TWO_CALLS)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    env = {"PLLM_OFFLINE_LATENCY": "0.2"}
    client = nbclient.NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(own_folder(root, "headless"))}},
    )
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        client.execute()
    path = root / "headless" / "headless.ipynb"
    nbformat.write(nb, path)
    size = path.stat().st_size
    assert size < 200_000, f"the headless run saved {size} bytes"

    page = browser_page
    open_notebook(page, port, "headless/headless.ipynb", 2)
    dashboard = page.locator(".jp-Notebook .jp-Cell").nth(0)
    snapshot = dashboard.locator(".pllm-dashboard-static")
    expect(snapshot).to_contain_text("Name a city in Peru", timeout=60_000)
    expect(snapshot).to_contain_text("Name a river in Spain")
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-reopened-headless.png"))

    # run again in the front end: the live figures (both calls), and below them the Panel cache browser
    run_all_from_the_menu(page)
    expect(dashboard.locator(".pllm-feed tbody tr")).to_have_count(2, timeout=60_000)
    expect(dashboard.locator(".pllm-namespaces table.pllm-table")).to_contain_text("default", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-cache-browser.png"), full_page=True)
    outputs = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea").inner_text()
    assert "Error" not in outputs and "No such comm" not in outputs, outputs


def page_text_everywhere(page) -> str:
    """The page's whole DOM, shadow roots included (Panel renders inside them)."""
    return page.evaluate(
        """() => {
            const out = [];
            const walk = (root) => {
                out.push(root.innerHTML || "");
                root.querySelectorAll("*").forEach((el) => el.shadowRoot && walk(el.shadowRoot));
            };
            walk(document.documentElement);
            return out.join("\\n");
        }"""
    )


def test_a_clicked_row_opens_its_detail_and_the_timeline_has_a_bar_per_call(
    lab: tuple[int, Path], browser_page
) -> None:
    from playwright.sync_api import expect

    port, root = lab
    page = browser_page
    cells = open_new_notebook(page, port, root, "detail", DETAIL_CELLS)
    dashboard = cells.nth(0)
    run_all_from_the_menu(page)
    expect(cells.last.locator(".jp-InputArea-prompt")).to_have_text("[5]:", timeout=120_000)
    run_cell(page, 3)  # again, now that n changed: a miss that says why
    misses = dashboard.locator('.pllm-feed tr[data-kind="memo miss"]')
    expect(misses).to_have_count(2, timeout=60_000)
    expect(dashboard.locator('[data-metric="live_calls"]')).to_have_text("3")

    # cells are named as people know them: In [n] and the first comment or line
    calls = dashboard.locator('.pllm-feed tr[data-kind="done"]')
    expect(calls).to_have_count(3)
    expect(calls.first.locator("td.c-cell")).to_have_text("In [2] ask three questions at once")
    expect(misses.first.locator("td.c-cell")).to_have_text("In [6] square n")
    expect(dashboard.locator("table.pllm-table")).to_contain_text("In [6] square n")

    # the timeline: one bar per call; the three ran at once
    expect(dashboard.locator("svg.timeline rect.call")).to_have_count(3)
    expect(dashboard.locator(".pllm-chart", has_text="calls over time")).to_contain_text("at most 3 at once")
    expect(dashboard.locator("svg.similarity")).to_have_count(0)  # no semantic cache: no similarity chart
    expect(dashboard.locator(".pllm-chart", has_text="saved so far")).to_be_visible()

    calls.first.click()
    detail = dashboard.locator(".pllm-detail")
    expect(detail.locator("pre.answer")).to_be_visible(timeout=60_000)
    expect(detail.locator("pre.prompt")).to_contain_text("which river, key [REDACTED]")
    for caption in ("tokens", "cost", "latency", "provider / model", "source"):
        expect(detail.locator("dt", has_text=caption).first).to_be_visible()
    expect(detail).to_contain_text("offline / offline-small")
    expect(detail).to_contain_text("live (the provider answered)")
    expect(detail).to_contain_text("In [2] ask three questions at once")
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-call-detail.png"))

    misses.nth(1).click()  # the first run of the memoized cell
    expect(detail.locator("dd", has_text="new cell")).to_be_visible(timeout=60_000)
    dashboard.locator(".pllm-cells tr", has_text="In [6] square n").click()  # its newest run, from the table
    expect(detail.locator("dd", has_text="input 'n' changed")).to_be_visible(timeout=60_000)
    expect(detail.locator("dl.inputs")).to_contain_text("input n")
    expect(dashboard.locator(".pllm-cells tr.selected")).to_have_count(1)
    expect(detail).not_to_contain_text("reading the rest", timeout=60_000)
    detail.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-memo-detail.png"))
    news = page.locator(".jp-toast-button", has_text="No")
    if news.count():  # JupyterLab's "notified about news?" toast covers the dashboard's corner
        news.first.click()
    dashboard.locator('[data-metric="live_calls"]').scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-dashboard-1400.png"))
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()  # a 700 px notebook column
    page.set_viewport_size({"width": 700, "height": 1000})
    dashboard.locator('[data-metric="live_calls"]').scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-dashboard-700.png"))
    detail.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-memo-detail-700.png"))

    calls.first.click()
    expect(detail.locator("pre.answer")).to_be_visible(timeout=60_000)
    assert PLANTED_KEY not in page_text_everywhere(page)
    assert page.external_requests == [], (
        f"the page fetched from outside this machine: {page.external_requests}"
    )
