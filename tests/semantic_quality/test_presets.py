"""Presets resolve to calibrated thresholds per embedder; bad values and files fail with clear errors."""

from __future__ import annotations

import json
import warnings

import pytest

from pllm_notebook.cache import CacheConfig
from pllm_notebook.cache.presets import (
    PRESETS,
    UNCALIBRATED_THRESHOLDS,
    Calibration,
    calibration_for,
    load_calibration,
    resolve_threshold,
)

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def test_presets_of_the_bundled_model_come_from_its_shipped_calibration():
    shipped = calibration_for(MODEL)
    assert shipped is not None and shipped.source["pairs_file"] == "qqp_pairs_dev.jsonl"
    values = [resolve_threshold(name, MODEL) for name in PRESETS]
    assert values == [shipped.thresholds[name] for name in PRESETS]
    assert values[0] > values[1] > values[2]
    assert resolve_threshold("Balanced", "all-MiniLM-L6-v2") == values[1]
    precisions = [shipped.figures[name]["precision"] for name in PRESETS]
    recalls = [shipped.figures[name]["recall"] for name in PRESETS]
    assert precisions == sorted(precisions, reverse=True) and recalls == sorted(recalls)


def test_a_number_is_used_as_the_threshold():
    assert resolve_threshold(0.9, MODEL) == 0.9
    assert resolve_threshold(1, MODEL) == 1.0
    assert resolve_threshold("0.75", MODEL) == 0.75


@pytest.mark.parametrize("bad", ["medium", "", 1.5, -0.1, True, None, [0.9]])
def test_anything_else_is_refused_naming_the_allowed_values(bad):
    with pytest.raises(ValueError, match="'strict', 'balanced', 'loose' or a number in \\[0, 1\\]"):
        resolve_threshold(bad, MODEL)


def test_an_uncalibrated_embedder_uses_raw_thresholds_and_says_so_once():
    with pytest.warns(UserWarning, match="uncalibrated for embedder 'acme/never-calibrated'"):
        assert resolve_threshold("strict", "acme/never-calibrated") == UNCALIBRATED_THRESHOLDS["strict"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_threshold("loose", "acme/never-calibrated") == UNCALIBRATED_THRESHOLDS["loose"]


def test_a_loaded_calibration_sets_the_presets_of_its_embedder(tmp_path):
    path = tmp_path / "acme.json"
    calibration = Calibration("acme/embed-v2", {"strict": 0.8, "balanced": 0.7, "loose": 0.6})
    path.write_text(json.dumps(calibration.to_dict()))
    assert load_calibration(path).thresholds["balanced"] == 0.7
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_threshold("strict", "acme/embed-v2") == 0.8
        config = CacheConfig(threshold="loose", embedding_model="acme/embed-v2")
    assert config.resolved_threshold() == 0.6


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "not valid JSON"),
        ('{"model_id": "m", "thresholds": {"strict": 0.9}}', "must give exactly strict, balanced, loose"),
        (
            '{"model_id": "m", "thresholds": {"strict": 0.5, "balanced": 0.7, "loose": 0.6}}',
            "strict >= balanced",
        ),
        ('{"model_id": "m", "thresholds": {"strict": 2, "balanced": 0.7, "loose": 0.6}}', "in \\[0, 1\\]"),
    ],
)
def test_a_bad_calibration_file_is_refused_naming_the_file(tmp_path, content, message):
    path = tmp_path / "cal.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=message) as caught:
        load_calibration(path)
    assert str(path) in str(caught.value)
