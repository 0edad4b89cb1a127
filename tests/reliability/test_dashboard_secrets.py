"""The served dashboard, rendered in a real chromium, never shows a key used in a call's headers or kwargs."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pllm_notebook as pllm
from pllm_notebook.cache import CacheConfig, DuckDBStorage, SemanticCache

from .cheap_embedder import HashEmbedder
from .conftest import SECRETS
from .test_security import _ask_with_secrets

sys.path.insert(0, str(Path(__file__).parents[1] / "dashboard"))
from dashboard_browser import CHROMIUM, CHROMIUM_ARGS, free_port, stop_process, wait_for_http  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ALL_HTML = """() => {
  const parts = [];
  const walk = (root) => {
    parts.push(root.innerHTML || "");
    root.querySelectorAll("*").forEach((el) => { if (el.shadowRoot) walk(el.shadowRoot); });
  };
  walk(document.documentElement);
  return parts.join("\\n");
}"""


def test_the_served_dashboard_never_shows_a_key(tmp_path, secret_env):
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (apt-get install chromium chromium-driver)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    directory = tmp_path / ".pllm"
    cache = SemanticCache(DuckDBStorage(directory), CacheConfig(threshold=0.9), embedder=HashEmbedder())
    with pllm.resume_directory(directory, semantic_cache=cache) as orch:
        _ask_with_secrets(orch)
    cache.close()
    entry_id = DuckDBStorage(directory).entries("default")[0].id
    port = free_port()
    token = secrets.token_urlsafe(24)
    log = tmp_path / "server.log"
    with open(log, "w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "pllm_notebook.cli", "dashboard", str(directory), "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PLLM_DASHBOARD_TOKEN": token},
        )
    try:
        url = f"http://127.0.0.1:{port}/?token={token}"
        wait_for_http(url, server)
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            page.goto(url)
            playwright_api.expect(page.locator('[data-metric="live_calls"]')).to_have_text(
                "1", timeout=90_000
            )
            page.get_by_placeholder("id from a table above").fill(entry_id)
            page.get_by_role("button", name="Inspect").click()
            entry = page.locator(".pllm-entry pre")
            playwright_api.expect(entry).to_contain_text('"request"', timeout=30_000)
            html = page.evaluate(ALL_HTML)
            browser.close()
    finally:
        stop_process(server)
    assert "secretive" in html and "[REDACTED]" in html, "the page shows the call and its redacted request"
    assert [s for s in SECRETS if s in html] == []
    assert "Traceback" not in log.read_text()
