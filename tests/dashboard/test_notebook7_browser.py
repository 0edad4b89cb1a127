"""The inline dashboard in Notebook 7, driven by chromium: live during Run All and Restart & Run All.

Notebook 7's page is served by the same Jupyter server as JupyterLab (``/notebooks/<path>``), so this
module shares the session's server and the JupyterLab test's helpers; what differs is the page.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from dashboard_browser import ARTIFACTS
from test_jupyterlab_browser import RUN_ALL_CELLS, check_live_while_running, own_folder, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def kernel_state(port: int, notebook: str) -> str:
    """The execution state of ``notebook``'s kernel ("" before it has one), from the Jupyter REST API."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/sessions", timeout=30) as response:
        sessions = [s for s in json.load(response) if s["path"] == notebook]
    return sessions[0]["kernel"]["execution_state"] if sessions else ""


def open_in_notebook7(page, port: int, notebook: str, cells: int) -> None:
    from playwright.sync_api import expect

    page.goto(f"http://127.0.0.1:{port}/notebooks/{notebook}")
    expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(cells, timeout=120_000)
    for _ in range(240):  # the page starts the notebook's kernel: wait until it is ready
        if kernel_state(port, notebook) == "idle":
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"the kernel of {notebook} never became idle")


def menu(page, top: str, item: str) -> None:
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel", has_text=top).click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def test_inline_dashboard_is_live_during_run_all_in_notebook7(lab: tuple[int, Path], browser_page) -> None:
    from playwright.sync_api import expect

    port, root = lab
    write_notebook(own_folder(root, "nb7") / "runall.ipynb", RUN_ALL_CELLS)
    page = browser_page
    open_in_notebook7(page, port, "nb7/runall.ipynb", len(RUN_ALL_CELLS))
    dashboard = page.locator(".jp-Notebook .jp-Cell").nth(0)

    menu(page, "Run", "Run All Cells")
    check_live_while_running(page, dashboard, "Run All", "notebook7-run-all.png")

    menu(page, "Kernel", "Restart Kernel and Run All Cells")
    page.screenshot(path=str(ARTIFACTS / "notebook7-restart-dialog.png"))
    page.locator(".jp-Dialog .jp-mod-accept").click()
    check_live_while_running(page, dashboard, "Restart & Run All", "notebook7-restart-run-all.png")
    expect(dashboard.locator('tr[data-kind="done"]')).to_have_count(8)
    cell_text = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea").inner_text()
    assert "Error" not in cell_text and "No such comm" not in cell_text, cell_text
    assert page.external_requests == [], (
        f"the page fetched from outside this machine: {page.external_requests}"
    )
