"""Fixtures of the dashboard tests: a headless Debian chromium driven by Playwright, one Jupyter server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    stop_process,
    wait_for_http,
)


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator:
    """A fresh chromium page; records every request that left the machine (there must be none)."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (apt-get install chromium chromium-driver)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.external_requests = []
        page.on(
            "request",
            lambda r: (
                page.external_requests.append(r.url)
                if r.url.startswith("http") and not r.url.startswith(("http://127.0.0.1", "http://localhost"))
                else None
            ),
        )
        try:
            yield page
        finally:
            context.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """One Jupyter server for the session's browser tests, JupyterLab and Notebook 7 pages alike
    (starting one takes a while); yields its port and root. Each test works in a folder of its own."""
    from test_jupyterlab_browser import start_jupyterlab

    root = tmp_path_factory.mktemp("lab")
    port = free_port()
    log_path = root.parent / "jupyterlab.log"
    with log_path.open("w") as log:
        server = start_jupyterlab(root, port, log)
        try:
            wait_for_http(f"http://127.0.0.1:{port}/api/status", server, timeout=180)
            yield port, root
        finally:
            stop_process(server)
