"""``pllm-notebook dashboard redis://...`` in a real chromium: it follows a shared Redis store while this
process (the kernel) writes to it, browses the semantic cache in that Redis, and an invalidation made on
the page lands in the store's activity log."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dashboard_browser import ARTIFACTS, free_port, logged_invalidations, stop_process, wait_for_http

import pllm_notebook as pllm
from pllm_notebook.store.redis_resume_store import RedisResumeStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "shared-store-browser-token-0123456789"


def ask(directory: Path, url: str, questions: list[tuple[str, str]]) -> None:
    """One agent per question, through the semantic cache in the Redis at ``url`` (on by default there)."""
    with pllm.resume_directory(directory, cache_url=url) as orch:
        for i, (namespace, question) in enumerate(questions):
            orch.agent(f"agent{i}").get_msg_state().ask_llm(question, cache_namespace=namespace)


def test_the_served_page_follows_a_redis_store_and_invalidates_there(
    tmp_path: Path, redis_url: str, browser_page
) -> None:
    from playwright.sync_api import expect

    ask(
        tmp_path / "a",
        redis_url,
        [("geo", "What is the capital of France?"), ("food", "How do I bake bread?")],
    )
    port = free_port()
    log_path = tmp_path / "server.log"
    command = [sys.executable, "-m", "pllm_notebook.cli", "dashboard", redis_url, "--port", str(port)]
    env = {**os.environ, "PLLM_DASHBOARD_TOKEN": TOKEN}
    page = browser_page
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/", server)
            page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}")
            live = page.locator('[data-metric="live_calls"]')
            expect(live).to_have_text("2", timeout=90_000)
            expect(page.locator('tr[data-kind="done"]')).to_have_count(2, timeout=30_000)
            namespaces = page.locator(".pllm-namespaces table.pllm-table")
            expect(namespaces).to_contain_text("food", timeout=30_000)

            # another directory's run on the same store, while the page is open: the page is pushed it
            ask(
                tmp_path / "b",
                redis_url,
                [("geo", "What's the capital city of France?"), ("geo", "Name a river in Spain.")],
            )
            expect(page.locator('[data-metric="semantic_hits"]')).to_have_text("1", timeout=60_000)
            expect(live).to_have_text("3", timeout=30_000)
            expect(page.locator('tr[data-kind="semantic hit"]')).to_contain_text(
                "capital city", timeout=30_000
            )

            started = time.time()
            page.locator("select").first.select_option("food")
            page.get_by_role("button", name="Invalidate namespace").click()
            expect(page.locator(".pllm-cache-message")).to_contain_text("1 entries removed", timeout=30_000)
            expect(namespaces).not_to_contain_text("food", timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "standalone-redis.png"), full_page=True)
            assert page.external_requests == [], f"the page fetched from outside: {page.external_requests}"
            # read while the server runs: its store writes the log in batches
            (logged,) = logged_invalidations(RedisResumeStore(redis_url))
            assert (logged.namespace, logged.removed) == ("food", 1)
            assert started <= logged.ts <= time.time()
        finally:
            stop_process(server)
    output = log_path.read_text()
    assert "Traceback" not in output and output.count(TOKEN) == 1
