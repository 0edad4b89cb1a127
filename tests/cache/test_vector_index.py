"""The in-memory vector index: exact below the coarse threshold, near-duplicates found above it."""

from __future__ import annotations

import numpy as np
import pytest

from pllm_notebook.cache import vector_index
from pllm_notebook.cache.vector_index import VectorIndex

RNG = np.random.default_rng(3)


def units(n: int, dim: int = 64) -> np.ndarray:
    v = RNG.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def near(v: np.ndarray, noise: float = 0.02) -> np.ndarray:
    q = v + RNG.standard_normal(v.shape[0]).astype(np.float32) * noise
    return q / np.linalg.norm(q)


def test_exact_search_add_replace_remove():
    data = units(300)
    index = VectorIndex(64)
    index.add_many([f"e{i}" for i in range(300)], data)
    scores = data @ data[7]
    best = [f"e{i}" for i in np.argsort(-scores)[:3]]
    assert [i for i, _ in index.search(data[7], k=3)] == best
    assert index.search(data[7])[0] == ("e7", pytest.approx(1.0, abs=1e-5))
    index.remove("e7")
    assert "e7" not in index and len(index) == 299
    assert index.search(data[7])[0][0] != "e7"
    index.add("e8", data[7])  # replacing a vector keeps one row per id
    assert len(index) == 299 and index.search(data[7])[0][0] == "e8"
    with pytest.raises(ValueError, match="dimensions"):
        index.add("bad", np.ones(3, dtype=np.float32))


def test_coarse_layer_finds_near_duplicates_and_follows_changes(monkeypatch):
    monkeypatch.setattr(vector_index, "COARSE_FROM", 1000)
    data = units(4000)
    index = VectorIndex(64)
    index.add_many([f"e{i}" for i in range(4000)], data)
    probes = RNG.choice(4000, size=100, replace=False)
    found = sum(index.search(near(data[i]))[0][0] == f"e{i}" for i in probes)
    assert found >= 97, "near-duplicates are in their query's nearest cells"
    assert index._centroids is not None
    extra = units(1)[0]
    index.add("late", extra)  # added after training: assigned to a cell at once
    assert index.search(near(extra))[0][0] == "late"
    index.remove("late")
    assert all(i != "late" for i, _ in index.search(extra, k=5))


def test_a_search_that_regroups_past_dead_rows_scores_only_live_rows(monkeypatch):
    monkeypatch.setattr(vector_index, "COARSE_FROM", 1000)
    index = VectorIndex(64)
    index.add_many([f"e{i}" for i in range(2000)], units(2000))
    index.search(units(1)[0])  # trains the coarse layer and groups every row
    replaced = units(300)
    index.add_many([f"e{i}" for i in range(300)], replaced)  # 300 dead rows, too few to drop at once
    late = units(1100)
    index.add_many([f"new{i}" for i in range(1100)], late)  # a tail long enough to regroup
    found = index.search(late[1000], k=3)  # the search regroups, dropping the dead rows: the rows move
    assert found[0] == ("new1000", pytest.approx(1.0, abs=1e-5))
    assert len({entry_id for entry_id, _ in found}) == 3 and len(index) == 3100
