"""``pllm-notebook dashboard DIR`` in a real chromium: it follows DIR while this process writes to it, lets in
only the holder of its token, and a read-only one removes nothing whatever the page is sent."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dashboard_browser import ARTIFACTS, free_port, logged_invalidations, stop_process, wait_for_http

import pllm_notebook as pllm
from pllm_notebook.events import CacheInvalidated
from pllm_notebook.store import ResumeStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = f"test-token-{secrets.token_hex(12)}"
REFUSAL = "403: Forbidden: open the URL with the token that pllm-notebook dashboard printed"
WEBSOCKET_PROBE = """([url, protocols]) => new Promise((resolve) => {
    let opened = false;
    const ws = new WebSocket(url, protocols);
    ws.onopen = () => { opened = true; };
    ws.onclose = () => resolve(opened ? "opened, then closed" : "closed before open");
    setTimeout(() => resolve(opened ? "still open" : "still connecting"), 15000);
})"""
STEAL_AUTOLOAD = """(url) => fetch(url, {credentials: "include"}).then(
    (r) => r.text().then((t) => `status ${r.status}: ${t.slice(0, 80)}`),
    (e) => `refused: ${e}`,
)"""


def ask(directory: Path, questions: list[tuple[str, str]]) -> None:
    """One agent per question, asking through the semantic cache in ``namespace``."""
    with pllm.resume_directory(directory, semantic_cache=True) as orch:
        for i, (namespace, question) in enumerate(questions):
            orch.agent(f"agent{i}").get_msg_state().ask_llm(question, cache_namespace=namespace)
        orch.cache.close()


@contextmanager
def dashboard_server(
    python_exe: str, directory: Path, log_path: Path, *options: str
) -> Iterator[tuple[int, int]]:
    """``pllm-notebook dashboard DIR`` with its token in the environment; yields its port and process id."""
    port = free_port()
    env = {**os.environ, "PLLM_DASHBOARD_TOKEN": TOKEN}
    command = [
        python_exe,
        "-m",
        "pllm_notebook.cli",
        "dashboard",
        str(directory),
        "--port",
        str(port),
        *options,
    ]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/", server)
            yield port, server.pid
        finally:
            stop_process(server)
    output = log_path.read_text()
    assert "Traceback" not in output
    assert output.count(TOKEN) == 1, "the token must be printed once (the URL) and logged nowhere else"


@contextmanager
def another_site() -> Iterator[str]:
    """A page on another port of this machine: what a hostile local user or web page could serve."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>another site</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def http_status(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def invalidations(directory: Path, timeout: float = 30.0) -> list[CacheInvalidated]:
    """The invalidations the activity log holds, once there is one (the server's writer commits in batches)."""
    return logged_invalidations(ResumeStore.open(directory), timeout)


def test_standalone_dashboard_follows_the_directory_and_invalidates_a_namespace(
    resume_dir: Path, browser_page, python_exe: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ask(resume_dir, [("geo", "What is the capital of France?"), ("food", "How do I bake bread?")])
    ask(resume_dir, [("food", "How should I cook dried pasta?")])
    page = browser_page
    with dashboard_server(python_exe, resume_dir, tmp_path / "server.log") as (port, pid):
        assert TOKEN.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()  # not in ps output
        started = time.time()
        page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}")
        assert page.url == f"http://127.0.0.1:{port}/", "the token must leave the address bar and history"
        live = page.locator('[data-metric="live_calls"]')
        expect(live).to_have_text("3", timeout=90_000)
        expect(page.locator('tr[data-kind="done"]')).to_have_count(3, timeout=30_000)
        namespaces = page.locator(".pllm-namespaces table.pllm-table")
        expect(namespaces).to_contain_text("food", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "standalone-before.png"), full_page=True)
        assert TOKEN not in page.content()

        # the "kernel" (this process) writes while the page is open: the page is pushed the news
        ask(resume_dir, [("geo", "What's the capital city of France?"), ("geo", "Name a river in Spain.")])
        expect(page.locator('[data-metric="semantic_hits"]')).to_have_text("1", timeout=60_000)
        expect(live).to_have_text("4", timeout=30_000)
        expect(page.locator('tr[data-kind="semantic hit"]')).to_have_count(1, timeout=30_000)
        expect(page.locator('tr[data-kind="semantic hit"]')).to_contain_text("capital city")

        # a click on the row opens the call's detail, read by the server from DIR
        page.locator('tr[data-kind="semantic hit"]').click()
        detail = page.locator(".pllm-detail")
        expect(detail.locator("pre.answer")).to_be_visible(timeout=30_000)
        expect(detail.locator("pre.prompt")).to_contain_text("user: What's the capital city of France?")
        expect(detail).to_contain_text("semantic (the cache held a request that means the same)")
        expect(detail.locator("dt", has_text="similarity")).to_be_visible()
        expect(page.locator("svg.similarity")).to_have_count(1)  # the directory's lookups were semantic
        page.screenshot(path=str(ARTIFACTS / "standalone-detail.png"), full_page=True)

        # search by meaning, then inspect the nearest entry
        page.get_by_placeholder("text").fill("capital of France")
        page.get_by_role("button", name="Search").click()
        nearest = page.locator(".pllm-search tbody tr").first
        expect(nearest).to_contain_text("What is the capital of France?", timeout=60_000)
        entry_id = nearest.locator("td").nth(1).inner_text()
        page.get_by_placeholder("id from a table above").fill(entry_id)
        page.get_by_role("button", name="Inspect").click()
        expect(page.locator(".pllm-entry pre")).to_contain_text('"response_text"', timeout=30_000)
        expect(page.locator(".pllm-entry pre")).to_contain_text(entry_id)

        # invalidate a namespace from the page and see the cache shrink
        expect(namespaces.locator("tr", has_text="food")).to_contain_text("2")
        page.locator("select").first.select_option("food")
        page.get_by_role("button", name="Invalidate namespace").click()
        expect(page.locator(".pllm-cache-message")).to_contain_text("2 entries removed", timeout=30_000)
        expect(namespaces).not_to_contain_text("food", timeout=30_000)
        expect(namespaces.locator("tr", has_text="geo")).to_contain_text("2")
        page.screenshot(path=str(ARTIFACTS / "standalone-after-invalidate.png"), full_page=True)
        assert page.external_requests == [], (
            f"the page fetched from outside this machine: {page.external_requests}"
        )
        (logged,) = invalidations(resume_dir)
        assert (logged.namespace, logged.removed) == ("food", 2)
        assert started <= logged.ts <= time.time()


def test_without_its_token_the_dashboard_refuses_everything_and_read_only_removes_nothing(
    resume_dir: Path, browser_page, python_exe: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ask(resume_dir, [("geo", "What is the capital of France?"), ("food", "How do I bake bread?")])
    page = browser_page
    with (
        dashboard_server(python_exe, resume_dir, tmp_path / "server.log", "--read-only") as (port, _pid),
        another_site() as elsewhere,
    ):
        base = f"http://127.0.0.1:{port}"
        for path in ["/", "/?token=a-wrong-token-of-some-length", "/autoload.js?bokeh-autoload-element=x"]:
            response = page.goto(base + path)
            assert response.status == 403
            assert page.locator("body").inner_text() == REFUSAL  # nothing but the refusal
        page.screenshot(path=str(ARTIFACTS / "standalone-refused.png"))
        probe = page.evaluate(WEBSOCKET_PROBE, [f"ws://127.0.0.1:{port}/ws", ["bokeh", "forged"]])
        assert probe == "closed before open"

        # the owner sees a working page without destructive buttons
        page.goto(f"{base}/?token={TOKEN}")
        expect(page.locator('[data-metric="live_calls"]')).to_have_text("2", timeout=90_000)
        namespaces = page.locator(".pllm-namespaces table.pllm-table")
        expect(namespaces).to_contain_text("food", timeout=30_000)
        expect(page.get_by_role("button", name=re.compile("Invalidate"))).to_have_count(0)
        expect(page.get_by_text("(read-only)")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "standalone-read-only.png"), full_page=True)
        session_token = re.search(r'"token":\s*"([^"]+)"', page.content()).group(1)

        # another site in the owner's browser (it holds the cookie) cannot read a session or join one
        page.goto(elsewhere)
        stolen = page.evaluate(
            STEAL_AUTOLOAD, f"{base}/autoload.js?bokeh-autoload-element=x&bokeh-app-path=/"
        )
        assert stolen.startswith(("refused", "status 403")), stolen
        probe = page.evaluate(WEBSOCKET_PROBE, [f"ws://127.0.0.1:{port}/ws", ["bokeh", session_token]])
        assert probe == "closed before open"
        # a browser that does send the owner's cookie along (SameSite rules vary) is refused by origin
        (cookie,) = page.context.cookies(base)
        owner = {"Cookie": f"{cookie['name']}={cookie['value']}"}
        assert http_status(f"{base}/", owner) == 200
        assert http_status(f"{base}/", {**owner, "Origin": elsewhere.rstrip("/")}) == 403
    with pllm.resume_directory(resume_dir, semantic_cache=True) as orch:
        assert orch.cache.namespaces() == {"geo": 1, "food": 1}
        orch.cache.close()
    assert invalidations(resume_dir, timeout=0) == []
