"""Similarity presets ("strict", "balanced", "loose") turned into a cosine threshold for one embedder.

A preset is a promise about precision, not a number: the same cosine means different things for different
embedding models. Each embedder therefore gets its own thresholds, computed from labelled pairs by
``pllm-notebook calibrate`` (see ``calibration.py``) and stored as a small JSON file. Calibrations for the
bundled models ship in ``calibrations/``; users register their own with ``load_calibration(path)``.
An embedder without a calibration falls back to raw thresholds and says so once.
"""

from __future__ import annotations

import json
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = [
    "PRESETS",
    "UNCALIBRATED_THRESHOLDS",
    "Calibration",
    "resolve_threshold",
    "load_calibration",
    "register_calibration",
    "calibration_for",
]

PRESETS: tuple[str, ...] = ("strict", "balanced", "loose")

#: Raw cosine thresholds used for an embedder nobody calibrated (the values recallm uses for every model).
UNCALIBRATED_THRESHOLDS: dict[str, float] = {"strict": 0.97, "balanced": 0.92, "loose": 0.85}

SHIPPED_DIR = Path(__file__).resolve().parent / "calibrations"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Calibration:
    """The thresholds of each preset for one embedder, and the figures they were computed from."""

    model_id: str
    thresholds: dict[str, float]
    figures: dict[str, dict[str, float]] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    curve: list[list[float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written by ``pllm-notebook calibrate`` and read by ``load_calibration``."""
        return {
            "format": FORMAT_VERSION,
            "model_id": self.model_id,
            "thresholds": {name: round(self.thresholds[name], 4) for name in PRESETS},
            "figures": self.figures,
            "source": self.source,
            "curve": self.curve,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], origin: str = "calibration") -> Calibration:
        """Validate a calibration read from JSON; errors name ``origin`` and what is wrong."""
        if not isinstance(data, dict) or not isinstance(data.get("model_id"), str) or not data["model_id"]:
            raise ConfigError(f"{origin}: not a calibration (needs a 'model_id' string and 'thresholds')")
        raw = data.get("thresholds")
        if not isinstance(raw, dict) or set(raw) != set(PRESETS):
            raise ConfigError(f"{origin}: 'thresholds' must give exactly {', '.join(PRESETS)}")
        thresholds: dict[str, float] = {}
        for name in PRESETS:
            value = raw[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise ConfigError(f"{origin}: threshold {name!r} is {value!r}; it must be a number in [0, 1]")
            thresholds[name] = float(value)
        if not thresholds["strict"] >= thresholds["balanced"] >= thresholds["loose"]:
            raise ConfigError(
                f"{origin}: thresholds must satisfy strict >= balanced >= loose, got {thresholds}"
            )
        return cls(
            model_id=data["model_id"],
            thresholds=thresholds,
            figures=dict(data.get("figures") or {}),
            source=dict(data.get("source") or {}),
            curve=list(data.get("curve") or []),
        )


def _model_key(model_id: str) -> str:
    """Match "sentence-transformers/all-MiniLM-L6-v2", "all-minilm-l6-v2" and a local folder of that name."""
    return model_id.strip().rstrip("/").rsplit("/", 1)[-1].lower()


_registry: dict[str, Calibration] = {}
_warned: set[str] = set()
_lock = threading.Lock()
_shipped_loaded = False


def _load_shipped() -> None:
    global _shipped_loaded
    with _lock:
        if _shipped_loaded:
            return
        for path in sorted(SHIPPED_DIR.glob("*.json")):
            calibration = Calibration.from_dict(json.loads(path.read_text(encoding="utf-8")), str(path))
            _registry.setdefault(_model_key(calibration.model_id), calibration)
        _shipped_loaded = True


def register_calibration(calibration: Calibration) -> None:
    """Use ``calibration`` for its embedder from now on (replaces a shipped one for the same model)."""
    _load_shipped()
    with _lock:
        _registry[_model_key(calibration.model_id)] = calibration


def load_calibration(path: str | Path, register: bool = True) -> Calibration:
    """Read a calibration written by ``pllm-notebook calibrate`` and, by default, register it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"calibration file {path} does not exist; write one with `pllm-notebook calibrate`"
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"calibration file {path} is not valid JSON ({exc})") from None
    calibration = Calibration.from_dict(data, str(path))
    if register:
        register_calibration(calibration)
    return calibration


def calibration_for(model_id: str) -> Calibration | None:
    """The calibration registered (or shipped) for this embedder, or None."""
    _load_shipped()
    return _registry.get(_model_key(model_id))


def resolve_threshold(threshold: str | float, model_id: str, calibration: Calibration | None = None) -> float:
    """The cosine threshold that ``threshold`` means for the embedder ``model_id``.

    ``threshold`` is a preset name ("strict", "balanced", "loose") or a raw cosine in [0, 1], used as is.
    A preset uses ``calibration`` if given, else the one registered for ``model_id``; an embedder with no
    calibration gets ``UNCALIBRATED_THRESHOLDS`` and one warning that its presets mean nothing measured.
    Raises ``ConfigError`` (a ``ValueError``) for anything else.
    """
    allowed = f"one of {', '.join(repr(p) for p in PRESETS)} or a number in [0, 1]"
    if isinstance(threshold, bool):
        raise ConfigError(f"threshold must be {allowed}, got {threshold!r}")
    if isinstance(threshold, str):
        name = threshold.strip().lower()
        if name not in PRESETS:
            try:
                threshold = float(name)
            except ValueError:
                raise ConfigError(f"threshold must be {allowed}, got {threshold!r}") from None
        else:
            found = calibration or calibration_for(model_id)
            if found is not None:
                return found.thresholds[name]
            _warn_uncalibrated(model_id)
            return UNCALIBRATED_THRESHOLDS[name]
    if not isinstance(threshold, int | float) or not 0.0 <= float(threshold) <= 1.0:
        raise ConfigError(f"threshold must be {allowed}, got {threshold!r}")
    return float(threshold)


def _warn_uncalibrated(model_id: str) -> None:
    key = _model_key(model_id)
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    message = (
        f"similarity presets are uncalibrated for embedder {model_id!r}: using raw cosine thresholds "
        f"{UNCALIBRATED_THRESHOLDS}, whose precision was never measured for this model. Calibrate with "
        "`pllm-notebook calibrate --pairs FILE.jsonl --embedder ...` and load the result with "
        "pllm_notebook.cache.presets.load_calibration(path)."
    )
    warnings.warn(message, UserWarning, stacklevel=3)
