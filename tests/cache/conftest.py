"""Fixtures of the cache tests: one real embedder (the local ONNX model) shared by the session."""

from __future__ import annotations

import pytest

from pllm_notebook.cache import FastEmbedEmbedder
from pllm_notebook.events import bus


class CountingEmbedder:
    """The real embedder, counting how many texts it was asked to embed."""

    def __init__(self, inner: FastEmbedEmbedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.texts = 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="session")
def real_embedder(private_home) -> FastEmbedEmbedder:
    return FastEmbedEmbedder()


@pytest.fixture
def embedder(real_embedder) -> CountingEmbedder:
    return CountingEmbedder(real_embedder)


@pytest.fixture
def events():
    """Every event emitted during the test, in order."""
    seen = []
    unsubscribe = bus.subscribe(seen.append)
    yield seen
    unsubscribe()
