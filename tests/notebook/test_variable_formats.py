"""How a cell's variables are written to a real resume directory and read back, format by format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pllm_notebook as pllm
from pllm_notebook.errors import IntegrityError
from pllm_notebook.notebook.references import dumps
from pllm_notebook.notebook.variables import load_variables, pickled_names, store_variables


@pytest.fixture
def orch(tmp_path):
    with pllm.resume_directory(tmp_path / ".pllm") as orch:
        yield orch


def _round_trip(orch, namespace: dict, names: tuple[str, ...], before: dict | None = None):
    record = store_variables(names, namespace, orch.store.blobs, {}, before or {})
    fresh: dict = {}
    restored = load_variables(record, orch, {}, fresh, "<cell>")
    restored.apply(fresh)
    return record, fresh


def test_each_kind_of_value_gets_the_format_that_reads_it_back_exactly(orch):
    namespace = {
        "plain": {"n": 1, "xs": [1.5, "a", None]},
        "pair": (1, 2),
        "arr": np.arange(6, dtype=np.int32).reshape(2, 3),
        "frame": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=[5, 7]),
        "mixed": pd.DataFrame({"a": [1, "two"]}),
        "nan": float("nan"),
    }
    record, fresh = _round_trip(orch, namespace, tuple(namespace))
    formats = {name: entry["format"] for name, entry in record["values"].items()}
    assert formats == {
        "plain": "json",
        "pair": "pickle",
        "arr": "npy",
        "frame": "arrow",
        "mixed": "pickle",
        "nan": "pickle",
    }
    assert pickled_names(record) == ["pair", "mixed", "nan"]
    assert fresh["plain"] == namespace["plain"] and fresh["pair"] == (1, 2)
    pd.testing.assert_frame_equal(fresh["frame"], namespace["frame"])
    pd.testing.assert_frame_equal(fresh["mixed"], namespace["mixed"])
    assert fresh["arr"].dtype == np.int32 and (fresh["arr"] == namespace["arr"]).all()


def test_a_restored_array_is_writable_and_writing_it_leaves_the_stored_run_intact(orch):
    record, fresh = _round_trip(orch, {"arr": np.arange(1000.0)}, ("arr",))
    fresh["arr"][:] = -1
    _, again = _round_trip(orch, {"arr": np.arange(1000.0)}, ("arr",))
    assert (again["arr"] == np.arange(1000.0)).all()


def test_records_from_before_formats_are_read_as_pickles(orch):
    old = {"values": {"x": orch.store.blobs.put(dumps({"k": (1, 2)}))}, "definitions": {}, "deleted": []}
    assert pickled_names(old) == ["x"]
    namespace: dict = {}
    load_variables(old, orch, {}, namespace, "<cell>").apply(namespace)
    assert namespace["x"] == {"k": (1, 2)}


def test_an_array_whose_shape_changed_is_rebound_and_said_so(orch):
    grown = np.arange(6)
    record = store_variables(("grow",), {"grow": grown}, orch.store.blobs, {}, {"grow": grown})
    assert record["values"]["grow"]["in_place"]
    namespace = {"grow": np.arange(4)}
    alias = namespace["grow"]
    rebound = load_variables(record, orch, {}, namespace, "<cell>").apply(namespace)
    assert rebound == ["grow"] and namespace["grow"] is not alias and len(namespace["grow"]) == 6


def test_a_damaged_array_blob_is_refused_not_mapped(orch):
    record = store_variables(("arr",), {"arr": np.arange(100.0)}, orch.store.blobs, {}, {})
    digest = record["values"]["arr"]["blob"]
    blob = orch.store.blobs.root / digest[:2] / digest[2:]
    blob.write_bytes(blob.read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(IntegrityError, match="does not match its digest"):
        load_variables(record, orch, {}, {}, "<cell>")
    assert not blob.exists() and blob.with_name(f"{blob.name}.damaged").exists()


def test_a_new_name_for_an_object_changed_in_place_is_its_alias(orch):
    lst = [0]
    namespace = {"lst": lst, "other": lst}
    lst.append(1)
    record = store_variables(("other", "lst"), namespace, orch.store.blobs, {}, {"lst": lst})
    assert record["values"]["other"] == {"format": "alias", "of": "lst"}
    earlier = [0]
    fresh = {"lst": earlier}
    load_variables(record, orch, {}, fresh, "<cell>").apply(fresh)
    assert fresh["lst"] is earlier and fresh["other"] is earlier and earlier == [0, 1]
