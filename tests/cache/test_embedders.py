"""FastEmbedEmbedder: lazy, offline with a local folder, a fast clear error without one."""

from __future__ import annotations

import numpy as np
import pytest

from pllm_notebook.cache import FastEmbedEmbedder
from pllm_notebook.cache.embedders import MODEL_PATH_ENV, embed_texts
from pllm_notebook.errors import ConfigError


def test_unit_vectors_from_the_local_model(real_embedder):
    vectors = real_embedder.embed(["first text", "a second, longer text"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_embedder.model_id == "sentence-transformers/all-MiniLM-L6-v2"


def test_the_constructor_loads_nothing(tmp_path):
    embedder = FastEmbedEmbedder(model_path=tmp_path / "missing")
    with pytest.raises(ConfigError, match="no ONNX model"):
        embedder.embed(["x"])


def test_no_path_and_no_network_fails_at_once_with_the_way_out(monkeypatch):
    monkeypatch.delenv(MODEL_PATH_ENV, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match=MODEL_PATH_ENV):
        FastEmbedEmbedder().embed(["x"])


def test_any_object_with_model_id_and_embed_works():
    class Letters:
        model_id = "letters"

        def embed(self, texts):
            return [[t.count("a"), t.count("b") + 1.0] for t in texts]

    vectors = embed_texts(Letters(), ["aab", "b"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_the_cache_loads_its_model_on_warmup_not_in_the_constructor(tmp_path):
    from pllm_notebook import SemanticCache

    cache = SemanticCache(embedder=FastEmbedEmbedder(model_path=tmp_path / "missing"))  # no error yet
    with pytest.raises(ConfigError, match="no ONNX model"):
        cache.warmup()
