"""The cache browser on a real semantic cache in a resume directory: list, search, inspect, invalidate."""

from __future__ import annotations

import pytest

import pllm_notebook as pllm
from pllm_notebook.dashboard.cache_browser import CacheBrowser
from pllm_notebook.events import CacheInvalidated, bus

SECRET = "sk-" + "Z" * 40

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture
def browser(resume_dir):
    questions = [
        ("geo", "What is the capital of France?"),
        ("geo", f"Which river flows through Paris? my key is {SECRET}"),
        ("food", "How do I bake sourdough bread?"),
    ]
    orch = pllm.resume_directory(resume_dir, semantic_cache=True)
    with orch:
        for i, (namespace, question) in enumerate(questions):
            orch.agent(f"a{i}").get_msg_state().ask_llm(question, cache_namespace=namespace)
        yield CacheBrowser(orch.cache)
        orch.cache.close()


def test_lists_searches_and_inspects_without_showing_secrets(browser) -> None:
    assert [(n.name, n.entries) for n in browser.namespaces()] == [("geo", 2), ("food", 1)]
    rows = browser.entries("geo")
    assert len(rows) == 2 and all(SECRET not in r.prompt for r in rows)
    hits = browser.search("capital city of France", k=2)
    assert hits[0].prompt == "What is the capital of France?" and hits[0].similarity > hits[1].similarity
    secret_row = next(r for r in rows if "river" in r.prompt)
    detail = browser.inspect(secret_row.entry_id)
    assert detail["namespace"] == "geo" and detail["response_text"]
    assert {"request", "created", "hits", "last_hit"} <= detail.keys()
    assert SECRET not in repr(detail)
    assert browser.inspect("no-such-id") is None


def test_invalidating_an_entry_or_a_namespace_shrinks_the_cache_and_says_so(browser) -> None:
    seen = []
    unsubscribe = bus.subscribe(lambda e: seen.append(e) if isinstance(e, CacheInvalidated) else None)
    try:
        entry = browser.entries("geo")[0].entry_id
        assert browser.invalidate_entry(entry) == 1
        assert browser.invalidate_entry(entry) == 0
        assert browser.invalidate_namespace("food") == 1
    finally:
        unsubscribe()
    assert [(n.name, n.entries) for n in browser.namespaces()] == [("geo", 1)]
    assert [(e.namespace, e.removed) for e in seen] == [("geo", 1), ("food", 1)]


def test_a_read_only_browser_refuses_to_invalidate_and_removes_nothing(browser) -> None:
    read_only = CacheBrowser(browser.cache, read_only=True)
    entry = read_only.entries("geo")[0].entry_id
    with pytest.raises(PermissionError, match="read-only"):
        read_only.invalidate_entry(entry)
    with pytest.raises(PermissionError, match="read-only"):
        read_only.invalidate_namespace("food")
    assert [(n.name, n.entries) for n in read_only.namespaces()] == [("geo", 2), ("food", 1)]
