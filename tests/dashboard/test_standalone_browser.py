"""``pllm-notebook dashboard DIR`` in a real chromium, while this process keeps writing to DIR."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from dashboard_browser import ARTIFACTS, free_port, stop_process, wait_for_http

import pllm_notebook as pllm

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def ask(directory: Path, questions: list[tuple[str, str]]) -> None:
    """One agent per question, asking through the semantic cache in ``namespace``."""
    with pllm.resume_directory(directory, semantic_cache=True) as orch:
        for i, (namespace, question) in enumerate(questions):
            orch.agent(f"agent{i}").get_msg_state().ask_llm(question, cache_namespace=namespace)
        orch.cache.close()


def test_standalone_dashboard_follows_the_directory_and_invalidates_a_namespace(
    resume_dir: Path, browser_page, python_exe: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ask(resume_dir, [("geo", "What is the capital of France?"), ("food", "How do I bake bread?")])
    ask(resume_dir, [("food", "How should I cook dried pasta?")])
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [python_exe, "-m", "pllm_notebook.cli", "dashboard", str(resume_dir), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    page = browser_page
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(url, server)
        page.goto(url)
        live = page.locator('[data-metric="live_calls"]')
        expect(live).to_have_text("3", timeout=90_000)
        expect(page.locator('tr[data-kind="done"]')).to_have_count(3, timeout=30_000)
        namespaces = page.locator(".pllm-namespaces table.pllm-table")
        expect(namespaces).to_contain_text("food", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "standalone-before.png"), full_page=True)

        # the "kernel" (this process) writes while the page is open: the page is pushed the news
        ask(resume_dir, [("geo", "What's the capital city of France?"), ("geo", "Name a river in Spain.")])
        expect(page.locator('[data-metric="semantic_hits"]')).to_have_text("1", timeout=60_000)
        expect(live).to_have_text("4", timeout=30_000)
        expect(page.locator('tr[data-kind="semantic hit"]')).to_have_count(1, timeout=30_000)
        expect(page.locator('tr[data-kind="semantic hit"]')).to_contain_text("capital city")

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
    finally:
        stop_process(server)
        log.close()
    assert "Traceback" not in (tmp_path / "server.log").read_text()
