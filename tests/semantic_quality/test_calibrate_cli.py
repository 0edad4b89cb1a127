"""``pllm-notebook calibrate`` on the user's own labelled pairs: prints the curve, writes a loadable file."""

from __future__ import annotations

import json

import pytest

from pllm_notebook.cache.calibration import load_pairs, split_pairs
from pllm_notebook.cache.presets import PRESETS, load_calibration, resolve_threshold
from pllm_notebook.cli import main

from .conftest import SHARED_DATA


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    pairs = split_pairs(load_pairs(SHARED_DATA / "qqp_pairs_dev.jsonl"), 1)[:300]
    path = tmp_path_factory.mktemp("pairs") / "my_pairs.jsonl"
    path.write_text("".join(json.dumps({"a": p.a, "b": p.b, "label": p.label}) + "\n" for p in pairs))
    return path


@pytest.mark.slow
def test_calibrate_prints_the_curve_and_writes_a_calibration_a_cache_can_load(
    pairs_file, tmp_path, known_vectors, capsys
):
    out = tmp_path / "mine.json"
    code = main(
        [
            "calibrate",
            "--pairs",
            str(pairs_file),
            "--out",
            str(out),
            "--cache-dir",
            str(known_vectors.cache_dir),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "precision" in printed and "recall" in printed and f"wrote {out}" in printed
    calibration = load_calibration(out, register=False)  # keep the shipped one for the other tests
    assert calibration.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert calibration.source["pairs"] == 300 and calibration.source["pairs_file"] == "my_pairs.jsonl"
    assert [calibration.thresholds[p] for p in PRESETS] == sorted(
        calibration.thresholds.values(), reverse=True
    )
    assert (
        resolve_threshold("balanced", calibration.model_id, calibration) == calibration.thresholds["balanced"]
    )
    for name in PRESETS:
        assert f"{name:<8} threshold {calibration.thresholds[name]:.4f}" in printed


def test_a_malformed_pairs_file_names_the_line_and_the_format(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": "x", "b": "y", "label": 1}\n{"a": "x", "label": 0}\n')
    assert main(["calibrate", "--pairs", str(path)]) == 2
    assert (
        "bad.jsonl:2: expected a JSON object with 'a' (str), 'b' (str) and 'label'" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split", "2/2"], "expected K/N with 0 <= K < N"),
        (["--embedder", "no_such_module:thing"], "cannot import 'thing' from 'no_such_module'"),
    ],
)
def test_bad_options_are_refused_with_the_fix(pairs_file, capsys, args, message):
    assert main(["calibrate", "--pairs", str(pairs_file), *args]) == 2
    assert message in capsys.readouterr().err


def test_pairs_of_one_label_cannot_calibrate(tmp_path, capsys):
    path = tmp_path / "ones.jsonl"
    path.write_text('{"a": "x", "b": "y", "label": 1}\n')
    assert main(["calibrate", "--pairs", str(path)]) == 2
    assert "needs pairs of both labels" in capsys.readouterr().err
