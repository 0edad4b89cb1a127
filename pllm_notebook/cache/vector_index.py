"""An in-memory index of one partition's unit vectors, kept in step with the storage one row at a time.

Up to ``COARSE_FROM`` live vectors, search is exact brute force (one matrix-vector product over a contiguous
float32 matrix: well under a millisecond at 10k x 384). Beyond that a product over every row reads the
whole matrix (150 MB at 100k x 384, several milliseconds), so the index adds a coarse layer: spherical
k-means centroids (about 2 sqrt(n) of them), with the rows stored grouped by their nearest centroid. A search
scores the rows of the ``PROBES`` centroids nearest to the query (contiguous slices, a few percent of the
rows) plus the rows added since the last grouping. A near-duplicate, the only kind a cache may serve, lies
in its query's nearest cells with very high probability.

Rows are appended on add and marked dead on remove; dead rows are dropped and new rows grouped when the
ungrouped tail or the dead rows grow past a fraction of the index, and the centroids are retrained each
time the index grows ``RETRAIN_GROWTH`` times. Products run in blocks of ``_CHUNK`` rows: numpy's BLAS stays single-threaded
below that size, which is much faster than its threads on a busy two-core machine.
"""

from __future__ import annotations

import numpy as np

__all__ = ["VectorIndex", "COARSE_FROM", "PROBES"]

COARSE_FROM = 8_192
PROBES = 24
_CHUNK = 1024
_TAIL_FRACTION = 0.05
_DEAD_FRACTION = 0.25
RETRAIN_GROWTH = 4
CELLS_PER_SQRT = 2.0  # about CELLS_PER_SQRT * sqrt(n) cells
_TRAIN_SAMPLE = 10_000
_TRAIN_ROUNDS = 5


def _product(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``matrix @ query`` in blocks of ``_CHUNK`` rows."""
    out = np.empty(matrix.shape[0], dtype=np.float32)
    for start in range(0, matrix.shape[0], _CHUNK):
        np.dot(matrix[start : start + _CHUNK], query, out=out[start : start + _CHUNK])
    return out


class VectorIndex:
    """Vectors of one dimension, each under an id."""

    def __init__(self, dim: int, capacity: int = 16) -> None:
        self.dim = dim
        self._matrix = np.empty((max(capacity, 1), dim), dtype=np.float32)
        self._alive = np.zeros(max(capacity, 1), dtype=bool)
        self._ids: list[str | None] = []
        self._rows: dict[str, int] = {}
        self._dead = 0
        self._centroids: np.ndarray | None = None
        self._cells = np.zeros(0, dtype=np.int32)  # the cell of each grouped row
        self._offsets = np.zeros(1, dtype=np.int64)  # grouped rows of cell c: offsets[c]:offsets[c + 1]
        self._grouped = 0  # rows [0, grouped) are grouped by cell, the rest is the tail
        self._trained_at = 0

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._rows

    @property
    def nbytes(self) -> int:
        """Bytes held by the vector matrix (its spare capacity included)."""
        return self._matrix.nbytes

    # -- changes ---------------------------------------------------------------------------------

    def add(self, entry_id: str, vector: np.ndarray) -> None:
        """Add (or replace) the vector of ``entry_id``; it must be a unit vector of length ``dim``."""
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        if vector.shape[0] != self.dim:
            raise ValueError(f"vector has {vector.shape[0]} dimensions, the index holds {self.dim}")
        self.remove(entry_id)
        row = len(self._ids)
        if row == self._matrix.shape[0]:
            self._reserve(max(16, row + row // 2))
        self._matrix[row] = vector
        self._alive[row] = True
        self._ids.append(entry_id)
        self._rows[entry_id] = row

    def add_many(self, entry_ids: list[str], vectors: np.ndarray) -> None:
        """Add several vectors at once (rows of ``vectors``)."""
        self._reserve(len(self._ids) + len(entry_ids))
        for entry_id, vector in zip(entry_ids, vectors, strict=True):
            self.add(entry_id, vector)

    def remove(self, entry_id: str) -> bool:
        """Drop ``entry_id``'s vector; False if it was not there."""
        row = self._rows.pop(entry_id, None)
        if row is None:
            return False
        self._alive[row] = False
        self._ids[row] = None
        self._dead += 1
        if self._dead > _DEAD_FRACTION * len(self._ids) and self._dead > 64:
            self._regroup()
        return True

    def _reserve(self, capacity: int) -> None:
        if capacity <= self._matrix.shape[0]:
            return
        matrix = np.empty((capacity, self.dim), dtype=np.float32)
        matrix[: len(self._ids)] = self._matrix[: len(self._ids)]
        alive = np.zeros(capacity, dtype=bool)
        alive[: len(self._ids)] = self._alive[: len(self._ids)]
        self._matrix, self._alive = matrix, alive

    # -- grouping --------------------------------------------------------------------------------

    def _train(self) -> None:
        """Fit about CELLS_PER_SQRT * sqrt(n) centroids by spherical k-means on a sample of the live rows."""
        live = np.flatnonzero(self._alive[: len(self._ids)])
        rng = np.random.default_rng(len(live))
        sample = self._matrix[np.sort(rng.choice(live, size=min(live.size, _TRAIN_SAMPLE), replace=False))]
        count = min(sample.shape[0], max(PROBES * 4, int(CELLS_PER_SQRT * np.sqrt(live.size))))
        centroids = sample[rng.choice(sample.shape[0], size=count, replace=False)].copy()
        for _ in range(_TRAIN_ROUNDS):
            labels = np.argmax(sample @ centroids.T, axis=1)
            sums = np.zeros_like(centroids)
            np.add.at(sums, labels, sample)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            centroids = np.where(norms > 0, sums / np.where(norms > 0, norms, 1.0), centroids)
        self._centroids = centroids
        self._cells = np.zeros(0, dtype=np.int32)
        self._grouped = 0
        self._trained_at = live.size

    def _regroup(self) -> None:
        """Drop dead rows and, with centroids, store the rows grouped by their nearest centroid."""
        n = len(self._ids)
        keep = np.flatnonzero(self._alive[:n])
        if self._centroids is None:
            cells = np.zeros(keep.size, dtype=np.int32)
        else:
            cells = np.empty(n, dtype=np.int32)
            cells[: self._grouped] = self._cells[: self._grouped]
            for start in range(self._grouped, n, _CHUNK):
                block = self._matrix[start : min(n, start + _CHUNK)]
                cells[start : start + block.shape[0]] = np.argmax(block @ self._centroids.T, axis=1)
            cells = cells[keep]
            order = np.argsort(cells, kind="stable")
            keep, cells = keep[order], cells[order]
        self._matrix[: keep.size] = self._matrix[keep]
        self._alive[: keep.size] = True
        self._alive[keep.size : n] = False
        self._ids = [self._ids[i] for i in keep]
        self._rows = {entry_id: row for row, entry_id in enumerate(self._ids)}
        self._dead = 0
        if self._centroids is not None:
            self._cells = cells
            counts = np.bincount(cells, minlength=self._centroids.shape[0])
            self._offsets = np.concatenate([[0], np.cumsum(counts)])
            self._grouped = keep.size

    def _coarse_ready(self) -> bool:
        """Train or regroup when due; True when searches should use the coarse layer."""
        live = len(self._rows)
        if live < COARSE_FROM:
            return False
        if self._centroids is None or live > RETRAIN_GROWTH * self._trained_at:
            self._train()
            self._regroup()
        elif len(self._ids) - self._grouped > max(1024, _TAIL_FRACTION * self._grouped):
            self._regroup()
        return True

    # -- search ----------------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int = 1) -> list[tuple[str, float]]:
        """The ``k`` nearest ids to the unit vector ``query`` with their cosine similarity, best first."""
        if not self._rows or k <= 0:
            return []
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        coarse = self._coarse_ready()  # may regroup, which drops dead rows: count the rows after it
        n = len(self._ids)
        if coarse:
            near = np.argpartition(-(self._centroids @ query), PROBES - 1)[:PROBES]
            spans = [(int(self._offsets[c]), int(self._offsets[c + 1])) for c in near]
            spans.append((self._grouped, n))
            rows = np.concatenate([np.arange(a, b) for a, b in spans if b > a])
            scores = np.concatenate([_product(self._matrix[a:b], query) for a, b in spans if b > a])
        else:
            rows = np.arange(n)
            scores = _product(self._matrix[:n], query)
        if self._dead:
            scores[~self._alive[rows]] = -np.inf
        k = min(k, scores.shape[0])
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self._ids[rows[j]], float(scores[j])) for j in top if np.isfinite(scores[j])]
