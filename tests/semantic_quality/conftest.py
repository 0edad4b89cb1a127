"""Fixtures of the semantic-quality tests: the real local embedder, with its vectors kept on disk.

Vectors of the fixed test sets are computed once and kept in pytest's cache folder (or a session temp
folder when the cache plugin is off), so a re-run embeds nothing new.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from pllm_notebook.cache.calibration import embed_cached
from pllm_notebook.cache.embedders import FastEmbedEmbedder

SHARED_DATA = Path(os.environ.get("PLLM_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared")) / "data"


class KnownVectors:
    """The real embedder, answering texts it has already embedded from memory."""

    def __init__(self, inner: FastEmbedEmbedder, cache_dir: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.cache_dir = cache_dir
        self._known: dict[str, np.ndarray] = {}

    def prepare(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts`` (from the disk cache when it has them), remembered for ``embed``."""
        vectors = embed_cached(self.inner, texts, self.cache_dir)
        self._known.update(zip(texts, vectors, strict=True))
        return vectors

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._known]
        if missing:
            self._known.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([self._known[t] for t in texts])


@pytest.fixture(scope="session")
def known_vectors(request: pytest.FixtureRequest, tmp_path_factory, private_home) -> KnownVectors:
    cache = getattr(request.config, "cache", None)
    folder = Path(cache.mkdir("pllm_semantic_quality")) if cache else tmp_path_factory.mktemp("vectors")
    return KnownVectors(FastEmbedEmbedder(), folder)
