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
