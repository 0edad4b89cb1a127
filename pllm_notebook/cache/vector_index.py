"""An in-memory index of one partition's unit vectors, kept in step with the storage one row at a time.

Up to ``COARSE_FROM`` vectors, search is exact brute force (one matrix-vector product over a contiguous
float32 matrix: well under a millisecond at 10k x 384). Beyond that a product over every row costs several
milliseconds (it reads the whole matrix), so the index adds a coarse layer: spherical k-means centroids
(about sqrt(n) of them) and the centroid of each row; a search scores the rows of the ``probes`` nearest
centroids only. A near-duplicate (the only kind a cache may serve) lies in its query's nearest cells with
very high probability. The centroids are trained once and again each time the index doubles.
"""

from __future__ import annotations

import numpy as np

__all__ = ["VectorIndex"]


COARSE_FROM = 20_000
PROBES = 16
_CHUNK = 8192  # rows per product: numpy's BLAS stays single-threaded below this, which is faster on busy CPUs
_TRAIN_SAMPLE = 16_384
_TRAIN_ROUNDS = 5


def _product(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``matrix @ query`` in blocks of ``_CHUNK`` rows."""
    out = np.empty(matrix.shape[0], dtype=np.float32)
    for start in range(0, matrix.shape[0], _CHUNK):
        np.dot(matrix[start : start + _CHUNK], query, out=out[start : start + _CHUNK])
    return out


class VectorIndex:
    """Vectors of one dimension, each under an id; removing swaps the last row into the hole."""

    def __init__(self, dim: int, capacity: int = 16) -> None:
        self.dim = dim
        self._matrix = np.empty((max(capacity, 1), dim), dtype=np.float32)
        self._cells = np.zeros(max(capacity, 1), dtype=np.int32)
        self._centroids: np.ndarray | None = None
        self._trained_at = 0
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._rows

    @property
    def nbytes(self) -> int:
        """Bytes held by the vector matrix (its spare capacity included)."""
        return self._matrix.nbytes

    def add(self, entry_id: str, vector: np.ndarray) -> None:
        """Add (or replace) the vector of ``entry_id``; it must be a unit vector of length ``dim``."""
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        if vector.shape[0] != self.dim:
            raise ValueError(f"vector has {vector.shape[0]} dimensions, the index holds {self.dim}")
        row = self._rows.get(entry_id)
        if row is None:
            row = len(self._ids)
            if row == self._matrix.shape[0]:
                grown = np.empty((row * 2, self.dim), dtype=np.float32)
                grown[:row] = self._matrix
                self._matrix = grown
                self._cells = np.concatenate([self._cells, np.zeros(row, dtype=np.int32)])
            self._ids.append(entry_id)
            self._rows[entry_id] = row
        self._matrix[row] = vector
        if self._centroids is not None:
            self._cells[row] = int(np.argmax(self._centroids @ vector))

    def add_many(self, entry_ids: list[str], vectors: np.ndarray) -> None:
        """Add several vectors at once (rows of ``vectors``)."""
        for entry_id, vector in zip(entry_ids, vectors, strict=True):
            self.add(entry_id, vector)

    def remove(self, entry_id: str) -> bool:
        """Drop ``entry_id``'s vector; False if it was not there."""
        row = self._rows.pop(entry_id, None)
        if row is None:
            return False
        last = len(self._ids) - 1
        if row != last:
            moved = self._ids[last]
            self._matrix[row] = self._matrix[last]
            self._cells[row] = self._cells[last]
            self._ids[row] = moved
            self._rows[moved] = row
        self._ids.pop()
        return True

    def search(self, query: np.ndarray, k: int = 1) -> list[tuple[str, float]]:
        """The ``k`` nearest ids to the unit vector ``query`` with their cosine similarity, best first."""
        n = len(self._ids)
        if n == 0 or k <= 0:
            return []
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if n < COARSE_FROM:
            rows = None
            scores = _product(self._matrix[:n], query)
        else:
            if self._centroids is None or n > 2 * self._trained_at:
                self._train()
            near = np.argpartition(-(self._centroids @ query), PROBES - 1)[:PROBES]
            rows = np.flatnonzero(np.isin(self._cells[:n], near))
            if not rows.size:
                return []
            scores = _product(np.take(self._matrix, rows, axis=0), query)
        k = min(k, scores.shape[0])
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        found = top if rows is None else rows[top]
        return [(self._ids[i], float(scores[j])) for i, j in zip(found, top, strict=True)]

    def _train(self) -> None:
        """Fit about sqrt(n) centroids by spherical k-means on a sample and assign every row to one."""
        n = len(self._ids)
        rng = np.random.default_rng(n)
        sample = self._matrix[rng.choice(n, size=min(n, _TRAIN_SAMPLE), replace=False)]
        count = max(PROBES * 4, int(np.sqrt(n)))
        centroids = sample[rng.choice(sample.shape[0], size=count, replace=False)].copy()
        for _ in range(_TRAIN_ROUNDS):
            labels = np.argmax(sample @ centroids.T, axis=1)
            sums = np.zeros_like(centroids)
            np.add.at(sums, labels, sample)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            centroids = np.where(norms > 0, sums / np.where(norms > 0, norms, 1.0), centroids)
        for start in range(0, n, 8192):
            block = self._matrix[start : min(n, start + 8192)]
            self._cells[start : start + block.shape[0]] = np.argmax(block @ centroids.T, axis=1)
        self._centroids = centroids
        self._trained_at = n
