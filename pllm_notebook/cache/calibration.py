"""Turn labelled pairs into per-embedder preset thresholds, and measure how a cache decides on them.

Labelled pairs are JSON lines ``{"a": str, "b": str, "label": 1 or 0}``: label 1 means a cache hit of
``b`` on ``a`` would be right. A cache hit here is what ``SemanticCache`` does: the cosine similarity clears
the threshold AND the guards (``guards.check_candidate``) accept the pair. Calibration sweeps the threshold
over the pairs, reads the precision/recall curve of that decision, and places each preset by its promise:

- strict: the embedder's best precision with useful recall: the lowest threshold whose precision is
  within 1 point of the best precision reached with recall >= 20%.
- balanced: the best F0.5 (precision weighs twice as much as recall: a wrong hit is worse than a miss).
- loose: the best F1 (precision and recall weigh the same) among thresholds keeping precision >= 0.73:
  at most about 3 wrong hits in 11 on hard pairs. (Below that, on held-out QQP, the guards stop paying
  for themselves: at equal recall raw cosine makes as few wrong hits, because the duplicates the guards
  turn away would cost a lower threshold about as many wrong hits as the guards stop.)

The same module measures the two protocols of ``benchmarks/eval_semantic.py``: pairwise (each pair on its
own) and cache replay (insert every ``a``, query every ``b``, count right hits, wrong hits and misses).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .guards import GUARD_VERSION, check_candidate
from .presets import PRESETS, Calibration

__all__ = [
    "LabelledPair",
    "load_pairs",
    "split_pairs",
    "embed_cached",
    "pair_similarities",
    "guard_verdicts",
    "precision_recall_curve",
    "choose_thresholds",
    "figures_at",
    "calibrate",
    "replay",
    "ReplayCounts",
]

MIN_USEFUL_RECALL = 0.20
STRICT_SLACK = 0.01
LOOSE_MIN_PRECISION = 0.73


@dataclass(frozen=True)
class LabelledPair:
    """Two prompts and whether one may answer the other (1) or not (0)."""

    a: str
    b: str
    label: int


def load_pairs(path: str | Path, limit: int | None = None) -> list[LabelledPair]:
    """Read labelled pairs from a JSONL file; errors name the line and the expected format."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"pairs file {path} does not exist (expected JSON lines {{'a', 'b', 'label'}})")
    pairs: list[LabelledPair] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                a, b, label = row["a"], row["b"], row["label"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise ValueError(
                    f"{path}:{number}: expected a JSON object with 'a' (str), 'b' (str) and 'label' (1 or 0)"
                ) from None
            if (
                not isinstance(a, str)
                or not isinstance(b, str)
                or label not in (0, 1)
                or isinstance(label, bool)
            ):
                raise ValueError(f"{path}:{number}: 'a' and 'b' must be strings and 'label' 1 or 0")
            pairs.append(LabelledPair(a, b, int(label)))
            if limit is not None and len(pairs) >= limit:
                break
    if not pairs or len({p.label for p in pairs}) < 2:
        raise ValueError(f"{path}: calibration needs pairs of both labels (1 = same meaning, 0 = different)")
    return pairs


def split_pairs(pairs: Sequence[LabelledPair], part: int, parts: int = 2) -> list[LabelledPair]:
    """One of ``parts`` disjoint, stable splits (by a hash of ``a``, so one question never spans two)."""

    def bucket(text: str) -> int:
        return int(hashlib.sha256(("pllm-split:" + text).encode()).hexdigest()[:8], 16) % parts

    return [p for p in pairs if bucket(p.a) == part]


def embed_cached(
    embedder: Any, texts: Sequence[str], cache_dir: str | Path | None = None, batch_size: int = 32
) -> np.ndarray:
    """Unit vectors for ``texts`` (one row each), kept in ``cache_dir`` as .npy so a re-run embeds nothing.

    Texts are embedded in batches of similar length, so a long text does not pad a whole batch.
    """
    from .embedders import embed_texts

    unique = list(dict.fromkeys(texts))
    path = None
    if cache_dir is not None:
        digest = hashlib.sha256("\0".join([embedder.model_id, *unique]).encode()).hexdigest()[:24]
        path = Path(cache_dir) / f"embeddings-{digest}.npy"
        if path.is_file():
            matrix = np.load(path)
            if matrix.shape[0] == len(unique):
                return _rows_for(texts, unique, matrix)
    by_length = sorted(range(len(unique)), key=lambda i: len(unique[i]))
    matrix = np.empty((0, 0), dtype=np.float32)
    for start in range(0, len(by_length), batch_size):
        rows = by_length[start : start + batch_size]
        vectors = embed_texts(embedder, [unique[i] for i in rows])
        if not start:
            matrix = np.empty((len(unique), vectors.shape[1]), dtype=np.float32)
        matrix[rows] = vectors
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, matrix)
    return _rows_for(texts, unique, matrix)


def _rows_for(texts: Sequence[str], unique: list[str], matrix: np.ndarray) -> np.ndarray:
    index = {text: i for i, text in enumerate(unique)}
    return matrix[[index[t] for t in texts]]


def pair_similarities(a_vectors: np.ndarray, b_vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of ``a_vectors`` with the same row of ``b_vectors`` (unit rows)."""
    return np.einsum("ij,ij->i", a_vectors, b_vectors)


def guard_verdicts(
    pairs: Sequence[LabelledPair], guard: Callable[[str, str], str | None] = check_candidate
) -> np.ndarray:
    """True where the guards let ``b`` hit ``a``."""
    return np.array([guard(p.b, p.a) is None for p in pairs], dtype=bool)


def precision_recall_curve(
    similarities: np.ndarray, labels: np.ndarray, accepted: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Precision, recall and hit counts of "similarity >= t (and accepted)" for every distinct t."""
    labels = np.asarray(labels, dtype=bool)
    allowed = np.ones_like(labels) if accepted is None else np.asarray(accepted, dtype=bool)
    order = np.argsort(-similarities, kind="stable")
    sims = similarities[order]
    right = np.cumsum(allowed[order] & labels[order])
    wrong = np.cumsum(allowed[order] & ~labels[order])
    last = np.r_[sims[1:] != sims[:-1], True]
    right, wrong, thresholds = right[last], wrong[last], sims[last]
    hits = right + wrong
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(hits > 0, right / np.maximum(hits, 1), 1.0)
    return {
        "threshold": thresholds,
        "precision": precision,
        "recall": right / max(int(labels.sum()), 1),
        "right": right,
        "wrong": wrong,
    }


def choose_thresholds(curve: dict[str, np.ndarray]) -> dict[str, float]:
    """Place strict, balanced and loose on a precision/recall curve by their promises (module docstring)."""
    precision, recall, thresholds = curve["precision"], curve["recall"], curve["threshold"]
    useful = recall >= MIN_USEFUL_RECALL
    if not useful.any():
        raise ValueError(
            f"no threshold reaches {MIN_USEFUL_RECALL:.0%} recall on these pairs; more label-1 pairs are needed"
        )
    best = float(precision[useful].max())
    candidates = np.flatnonzero(useful & (precision >= best - STRICT_SLACK - 1e-12))
    strict_at = int(candidates.max())
    balanced_at = max(_best_f(precision, recall, beta=0.5, floor=0.5), strict_at)
    loose_at = max(_best_f(precision, recall, beta=1.0, floor=LOOSE_MIN_PRECISION), balanced_at)
    return {
        name: float(thresholds[i])
        for name, i in zip(PRESETS, (strict_at, balanced_at, loose_at), strict=True)
    }


def _best_f(precision: np.ndarray, recall: np.ndarray, beta: float, floor: float) -> int:
    """Index of the curve point with the best F-beta among those with precision >= ``floor`` (0 if none)."""
    b2 = beta * beta
    score = (1 + b2) * precision * recall / np.maximum(b2 * precision + recall, 1e-12)
    return int(np.argmax(np.where(precision >= floor, score, -1.0)))


def figures_at(curve: dict[str, np.ndarray], threshold: float) -> dict[str, float]:
    """Precision, recall and counts of the decision at ``threshold`` (the lowest curve point above it)."""
    at = np.flatnonzero(curve["threshold"] >= threshold - 1e-9)
    if not at.size:
        return {"threshold": threshold, "precision": 1.0, "recall": 0.0, "right": 0, "wrong": 0}
    i = int(at.max())
    return {
        "threshold": round(float(threshold), 4),
        "precision": round(float(curve["precision"][i]), 4),
        "recall": round(float(curve["recall"][i]), 4),
        "right": int(curve["right"][i]),
        "wrong": int(curve["wrong"][i]),
    }


def calibrate(
    pairs: Sequence[LabelledPair],
    embedder: Any,
    source: dict[str, Any] | None = None,
    cache_dir: str | Path | None = None,
) -> tuple[Calibration, dict[str, np.ndarray]]:
    """A calibration for ``embedder`` from ``pairs``, and the precision/recall curve it was read from."""
    a = embed_cached(embedder, [p.a for p in pairs], cache_dir)
    b = embed_cached(embedder, [p.b for p in pairs], cache_dir)
    labels = np.array([p.label for p in pairs], dtype=bool)
    curve = precision_recall_curve(pair_similarities(a, b), labels, guard_verdicts(pairs))
    thresholds = choose_thresholds(curve)
    figures = {name: figures_at(curve, thresholds[name]) for name in PRESETS}
    grid = [figures_at(curve, t) for t in np.round(np.arange(0.70, 1.0, 0.01), 2)]
    calibration = Calibration(
        model_id=embedder.model_id,
        thresholds=thresholds,
        figures=figures,
        source={
            **(source or {}),
            "pairs": len(pairs),
            "positives": int(labels.sum()),
            "guards": GUARD_VERSION,
            "decision": "cosine >= threshold and guards accept",
        },
        curve=[[g["threshold"], g["precision"], g["recall"]] for g in grid],
    )
    return calibration, curve


@dataclass(frozen=True)
class ReplayCounts:
    """Outcome of querying every ``b`` against a cache holding every ``a``."""

    queries: int
    positives: int
    right_hits: int
    wrong_hits: int
    rejected: int

    @property
    def misses(self) -> int:
        return self.queries - self.right_hits - self.wrong_hits

    @property
    def precision(self) -> float:
        hits = self.right_hits + self.wrong_hits
        return self.right_hits / hits if hits else 1.0

    @property
    def recall(self) -> float:
        return self.right_hits / self.positives if self.positives else 0.0

    @property
    def wrong_hit_rate(self) -> float:
        return self.wrong_hits / self.queries if self.queries else 0.0


def replay(
    stored: Sequence[str],
    stored_vectors: np.ndarray,
    queries: Sequence[str],
    query_vectors: np.ndarray,
    right_answers: Sequence[set[str]],
    threshold: float,
    guard: Callable[[str, str], str | None] | None = check_candidate,
) -> ReplayCounts:
    """Query every text against a cache of ``stored`` texts, as ``SemanticCache`` decides.

    A query hits the most similar stored text if it clears ``threshold`` and ``guard`` accepts it (a
    rejected nearest text is a miss: trying the next ones was measured to add more wrong hits than right).
    The hit is right when that text is in ``right_answers[i]``; a query with an empty set is a negative,
    where any hit is wrong.
    """
    similarity = query_vectors @ stored_vectors.T
    nearest = np.argmax(similarity, axis=1)
    right = wrong = rejected = 0
    for i, query in enumerate(queries):
        j = int(nearest[i])
        if similarity[i, j] < threshold:
            continue
        if guard is not None and guard(query, stored[j]) is not None:
            rejected += 1
        elif stored[j] in right_answers[i]:
            right += 1
        else:
            wrong += 1
    positives = sum(1 for answers in right_answers if answers)
    return ReplayCounts(len(queries), positives, right, wrong, rejected)
