"""pytest plugin for running recallm's own tests against pllm_notebook (``-p recallm_skips``).

It supplies the ``fake_embedder`` fixture recallm's sdist uses but does not ship, and skips, each with its
reason, the tests of recallm's private helpers and of deliberate differences (listed in docs/cache.md).
"""

from __future__ import annotations

import math

import pytest

PRIVATE = "tests a private helper of recallm that pllm_notebook does not have"
STRUCTLOG = (
    "reads recallm's structlog events; pllm_notebook reports every lookup, bypass and error as a typed "
    "event on pllm_notebook.bus (CacheLookup, CacheError) and logs warnings with the logging module"
)
EXACT_MATCH = (
    "deliberate difference: a request with no user message is still answered by exact match (the same "
    "whole request, system prompt included, gets the stored answer); recallm cannot embed it and bypasses"
)

#: Whole files: every test in them is about a private helper or a file the sdist does not ship.
FILES = {
    "test_context.py": PRIVATE + " (hash_context; cache_context is hashed canonically in cache/canonical.py)",
    "test_prompt.py": PRIVATE + " (extract_prompt_text; the prompt is found in cache/canonical.py)",
    "test_models.py": PRIVATE + " (pydantic ChatCompletion models; responses are stored as they came)",
    "test_similarity.py": PRIVATE + " (cosine_similarity; the vector index is cache/vector_index.py)",
    "test_metrics.py": PRIVATE
    + " (module-level Prometheus helpers; metrics are per cache: cache/metrics.py)",
    "test_dashboard.py": "reads dashboards/semantic-cache.json, which recallm's sdist does not ship",
}

#: Single tests, by node id (file::name).
TESTS = {
    "test_cache.py::test_stream_bypass_logs_embedding_model": STRUCTLOG,
    "test_cache.py::test_no_user_message_bypass_logs_embedding_model": STRUCTLOG,
    "test_cache.py::test_cache_hit_logs_score_threshold_model": STRUCTLOG,
    "test_cache.py::test_cache_miss_empty_store_logs_best_score_none": STRUCTLOG,
    "test_cache.py::test_async_lookup_timeout_emits_warning": STRUCTLOG,
    "test_cache.py::test_namespace_size_check_uses_time_gate": PRIVATE
    + " (_last_size_check; a size bound is CacheConfig(max_entries=...) instead of a warning)",
    "test_cache.py::test_build_entry_raises_for_unsupported_response": PRIVATE + " (_build_entry)",
    "test_cache.py::test_no_user_message_bypasses_cache": EXACT_MATCH,
    "test_config.py::test_resolve_threshold_from_named_profile_strict": PRIVATE + " (resolve_threshold)",
    "test_config.py::test_resolve_threshold_from_named_profile_balanced": PRIVATE + " (resolve_threshold)",
    "test_config.py::test_resolve_threshold_from_named_profile_loose": PRIVATE + " (resolve_threshold)",
    "test_config.py::test_resolve_threshold_from_raw_float": PRIVATE + " (resolve_threshold)",
    "test_config.py::test_resolve_threshold_rejects_out_of_range_float": PRIVATE + " (resolve_threshold)",
    "test_config.py::test_resolve_threshold_rejects_unknown_profile": PRIVATE + " (resolve_threshold)",
    "test_config.py::test_cache_config_defaults": "deliberate difference: the default embedding model is "
    "sentence-transformers/all-MiniLM-L6-v2 (shipped as a local ONNX folder), not BAAI/bge-small-en-v1.5",
    "test_config.py::test_cache_config_resolved_threshold_uses_profile": "deliberate difference: presets "
    "are calibrated per embedder (strict is 0.947 for all-MiniLM-L6-v2), not recallm's fixed 0.97",
    "test_embeddings.py::test_fastembed_embedder_import_error_message": PRIVATE + " (_load_model)",
}


class SkippedFile(pytest.File):
    """A test file that is not imported at all: it imports recallm's private modules."""

    def collect(self):
        yield SkippedItem.from_parent(self, name="whole file")


class SkippedItem(pytest.Item):
    def runtest(self) -> None:
        pytest.skip(FILES[self.path.name])

    def reportinfo(self):
        return self.path, 0, self.name


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path, parent):
    if module_path.name in FILES:
        return SkippedFile.from_parent(parent, path=module_path)
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        file = item.path.name
        reason = TESTS.get(f"{file}::{getattr(item, 'originalname', item.name)}")
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


class LetterEmbedder:
    """A deterministic embedder on recallm's protocol (one text in, one unit vector out)."""

    model_id = "fake-model"

    def embed(self, text: str) -> list[float]:
        counts = [text.lower().count(c) + 0.01 for c in "abcdefghijklmnopqrstuvwxyz0123456789 "]
        norm = math.sqrt(sum(v * v for v in counts))
        return [v / norm for v in counts]


@pytest.fixture
def fake_embedder() -> LetterEmbedder:
    return LetterEmbedder()
