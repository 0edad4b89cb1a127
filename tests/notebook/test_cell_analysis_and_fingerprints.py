"""What a cell reads and sets, and when a fingerprint changes: the parts of a cell's key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pllm_notebook.notebook.cell_analysis import analyze_cell
from pllm_notebook.notebook.fingerprint import Unfingerprintable, fingerprint


@pytest.mark.parametrize(
    ("source", "reads", "assigns"),
    [
        ("x = 1\nprint(x)", ["print"], ["x"]),
        ("x = x + 1", ["x"], ["x"]),
        ("total += step", ["step", "total"], ["total"]),
        ("results.append(conv.ask_llm(q))", ["results", "conv", "q"], []),
        ("table['k'] = value", ["value", "table"], ["table"]),
        ("import numpy as np\narr = np.zeros(n)", ["n"], ["np", "arr"]),
        ("def f(a):\n    b = a + offset\n    return b\ny = f(2)", ["offset"], ["f", "y"]),
        ("squares = [i * k for i in range(3)]", ["range", "k"], ["squares"]),
        ("for row in rows:\n    last = row", ["rows"], ["row", "last"]),
    ],
)
def test_reads_and_assigns(source, reads, assigns):
    names = analyze_cell(source)
    assert sorted(names.reads) == sorted(reads)
    assert sorted(names.assigns) == sorted(assigns)


def test_agents_named_by_literal_and_definitions_are_found():
    names = analyze_cell("w = pllm.agent('writer')\ndef helper():\n    return 1\ndel old")
    assert names.agents == ("writer",)
    assert names.definitions == (("helper", "def helper():\n    return 1"),)
    assert names.deletes == ("old",)


def test_lambdas_and_decorated_definitions_keep_their_source():
    names = analyze_cell(
        "import functools\nsquare = lambda x: x * x\n@functools.cache\ndef f(n):\n    return n"
    )
    assert names.definitions == (
        ("square", "square = lambda x: x * x"),
        ("f", "@functools.cache\ndef f(n):\n    return n"),
    )


def test_frame_fingerprint_follows_content_not_identity():
    frame = pd.DataFrame({"a": np.arange(10_000), "b": np.linspace(0, 1, 10_000), "c": ["x", "y"] * 5_000})
    copy = frame.copy()
    assert fingerprint(frame) == fingerprint(copy)
    copy.iloc[1234, 1] = 0.5
    assert fingerprint(frame) != fingerprint(copy)
    renamed = frame.rename(columns={"a": "z"})
    assert fingerprint(renamed) != fingerprint(frame)
    text = frame.copy()
    text.iloc[7, 2] = "xy"
    assert fingerprint(text) != fingerprint(frame)


def test_notebook_function_fingerprint_follows_the_globals_it_reads():
    namespace = {"__name__": "__main__", "threshold": 3}
    exec("def above(x):\n    return x > threshold\n", namespace)
    before = fingerprint(namespace["above"])
    namespace["threshold"] = 4
    assert fingerprint(namespace["above"]) != before


def test_dates_and_nullable_columns_are_fingerprinted():
    frame = pd.DataFrame(
        {
            "when": pd.date_range("2024-01-01", periods=1000, freq="h"),
            "when_utc": pd.date_range("2024-01-01", periods=1000, freq="h", tz="UTC"),
            "count": pd.array(range(1000), dtype="Int64"),
        }
    )
    changed = frame.copy()
    changed.loc[10, "count"] = None
    assert fingerprint(frame) == fingerprint(frame.copy())
    assert fingerprint(changed) != fingerprint(frame)
    assert fingerprint(np.array(["2024-01-01"], dtype="datetime64[D]")) != fingerprint(
        np.array(["2024-01-02"], dtype="datetime64[D]")
    )


def test_array_fingerprint_sees_dtype_shape_and_values():
    base = np.arange(12, dtype=np.int64)
    assert fingerprint(base) == fingerprint(base.copy())
    assert fingerprint(base) != fingerprint(base.reshape(3, 4))
    assert fingerprint(base) != fingerprint(base.astype(np.int32))
    assert fingerprint(base[::2]) == fingerprint(np.ascontiguousarray(base[::2]))


def test_containers_functions_and_unhashable_values():
    assert fingerprint({"a": [1, 2], "b": {3}}) == fingerprint({"b": {3}, "a": [1, 2]})
    assert fingerprint(["ab", "c"]) != fingerprint(["a", "bc"])

    def scale(x):
        return x * 2

    def scale_more(x):
        return x * 3

    scale.__module__ = scale_more.__module__ = "__main__"
    scale_more.__qualname__ = scale.__qualname__
    assert fingerprint(scale) != fingerprint(scale_more)

    def countdown(n):
        return n if n <= 0 else countdown(n - 1)

    countdown.__module__ = "__main__"
    assert fingerprint(countdown) == fingerprint(countdown)
    with pytest.raises(Unfingerprintable, match="generator"):
        fingerprint(i for i in range(3))


def test_local_module_code_is_fingerprinted_transitively_and_libraries_by_version(tmp_path, monkeypatch):
    import functools
    import importlib
    import json as library
    import sys

    from pllm_notebook.notebook.fingerprint import code_parts, is_local_module

    source = "import threading\nLOCK = threading.Lock()\ndef _count(x):\n    return len(x)\n"
    source += "def summarize(x):\n    with LOCK:\n        return _count(x)\n"
    (tmp_path / "kt_helpers.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("kt_helpers")
    try:
        assert is_local_module("kt_helpers") and not is_local_module("json")
        before = code_parts(module.summarize)[0]  # its module holds a lock: by type, not an error
        partial = code_parts(functools.partial(module.summarize, [1]))
        assert list(before) == ["kt_helpers.summarize"] and partial[0] == before
        (tmp_path / "kt_helpers.py").write_text(source.replace("len(x)", "len(x) + 1"))
        importlib.reload(module)
        assert code_parts(module.summarize)[0] != before, "an edit of a helper it calls counts"
        assert code_parts(library.dumps) == ({}, library.dumps)
    finally:
        sys.modules.pop("kt_helpers", None)


def test_attributes_read_on_names_are_found():
    names = analyze_cell("import os\nx = helpers.summarize(data) + os.sep\nhelpers.PREFIX")
    assert names.attributes == (("helpers", "summarize"), ("helpers", "PREFIX"))


def test_a_notebook_class_counts_method_by_method_and_by_its_constants():
    from pllm_notebook.notebook.fingerprint import code_parts

    def make(limit: int, step: int) -> type:
        namespace = {"__name__": "__main__"}
        exec(f"class Cfg:\n    LIMIT = {limit}\n    def step(self):\n        return {step}\n", namespace)
        return namespace["Cfg"]

    base = code_parts(make(3, 1))[0]
    assert sorted(base) == ["Cfg", "Cfg.step"]
    assert [k for k, v in code_parts(make(4, 1))[0].items() if base[k] != v] == ["Cfg"]
    assert [k for k, v in code_parts(make(3, 2))[0].items() if base[k] != v] == ["Cfg.step"]
