"""``%%memoize`` in real kernels: a notebook runs, then runs again in a fresh kernel, then with edits.

The three runs share one resume directory and are executed once for the module (each in its own fresh
kernel); every test reads a different part of what they showed.
"""

from __future__ import annotations

import pytest
from nbhelpers import last_json, notes, stdout, without_notes

SETUP = """%load_ext pllm_notebook
import threading
import numpy as np
import pandas as pd
import pllm_notebook as pllm
conv = pllm.agent("writer").get_msg_state()
threshold = 3
frame = pd.DataFrame({"x": np.arange(1000), "y": np.linspace(0, 1, 1000)})
lock = threading.Lock()"""

ASK = """%%memoize
import sys
from IPython.display import HTML, display
print("asking with threshold", threshold)
print("a warning", file=sys.stderr)
display(HTML("<b>a table</b>"))
answer = conv.ask_llm("Name three prime numbers.")
words = answer.final_answer.split()
len(words) > threshold"""

REPORT = """import json
print(json.dumps({
    "live_calls": pllm.stats().llm_calls,
    "conversation": [str(item) for item in conv],
    "answer": answer.final_answer,
    "answer_is_in_conversation": answer is conv[-1] or answer is conv[-3],
    "words": words,
    "salted": salted,
    "mean": mean,
    "same_agent": pllm.agent("writer") is pllm.default_orchestrator().agent("writer"),
}))"""


def cells(threshold: int = 3, salt: str = "a", source_value: int = 10) -> dict[str, str]:
    return {
        "setup": SETUP.replace("threshold = 3", f"threshold = {threshold}"),
        "ask": ASK,
        "salted": f'%%memoize salt={salt}\nsalted = conv.ask_llm("And one more?").final_answer',
        "source": f"%%memoize\nsource_value = {source_value}\nprint('source value', source_value)",
        "frame": "%%memoize\nmean = float(frame['y'].mean())\nprint('mean', mean)",
        "fails": "%%memoize\nfailed_once = True\nraise RuntimeError('boom')",
        "generator": "%%memoize\ngen = (i for i in range(3))\nprint('made a generator')",
        "locked": "%%memoize\nwith lock:\n    inside = 1",
        "plot": "%%memoize\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [3, 1, 2]);",
        "report": REPORT,
        "stats": "%pllm_stats",
        "vars_off": "%pllm_config restore_vars=false",
        "sets_var": "%%memoize\noff_value = 5\nprint('off value', off_value)",
        "no_vars": "%%memoize --no-vars\nprint('printed only')",
        "pure": "%%memoize --quiet\nprint('pure output', threshold)",
    }


@pytest.fixture(scope="module")
def runs(notebook_runner) -> dict[str, dict]:
    first = notebook_runner(cells())
    second = notebook_runner(cells())
    edited = notebook_runner(cells(threshold=4, salt="b", source_value=11))
    return {"first": first, "second": second, "edited": edited}


def test_first_run_runs_each_memoized_cell_with_output_shown(runs):
    first = runs["first"]
    assert notes(first["ask"]) == ["[pllm] memo miss (new cell): running the cell"]
    assert "asking with threshold 3" in stdout(first["ask"])
    kinds = [o[0] for o in without_notes(first["ask"])]
    assert kinds == ["stream", "stream", "display_data", "execute_result"]
    assert last_json(first["report"])["live_calls"] == 2


def test_fresh_kernel_replays_outputs_in_order_with_no_live_call(runs):
    first, second = runs["first"], runs["second"]
    assert notes(second["ask"])[0].startswith("[pllm] memo hit")
    assert without_notes(second["ask"]) == without_notes(first["ask"])
    assert without_notes(second["frame"]) == without_notes(first["frame"])
    assert last_json(second["report"])["live_calls"] == 0


def test_fresh_kernel_restores_variables_and_conversations(runs):
    first, second = last_json(runs["first"]["report"]), last_json(runs["second"]["report"])
    assert len(first["conversation"]) == 4
    for key in ("conversation", "answer", "words", "salted", "mean"):
        assert second[key] == first[key], key
    assert second["answer_is_in_conversation"] and second["same_agent"]


def test_changed_input_source_or_salt_reruns_the_cell(runs):
    edited = runs["edited"]
    assert "input 'threshold' changed" in notes(edited["ask"])[0]
    assert "source changed" in notes(edited["source"])[0]
    assert "salt changed" in notes(edited["salted"])[0]
    assert "source value 11" in stdout(edited["source"])
    assert notes(edited["frame"])[0].startswith("[pllm] memo hit")
    report = last_json(edited["report"])
    assert report["salted"] != last_json(runs["first"]["report"])["salted"]
    assert report["live_calls"] == 1, "only the new salt makes a fresh call; the re-run ask resumes its call"


def test_inline_plot_is_replayed(runs):
    first, second = runs["first"]["plot"], runs["second"]["plot"]
    assert [o[0] for o in without_notes(first)] == ["display_data"]
    assert "image/png" in without_notes(first)[0][1]
    assert notes(second)[0].startswith("[pllm] memo hit")
    assert without_notes(second) == without_notes(first)


def test_failing_cell_is_not_stored(runs):
    for run in ("first", "second"):
        outputs = runs[run]["fails"]
        assert notes(outputs) == [
            "[pllm] memo miss (new cell): running the cell",
            "[pllm] not stored: the cell raised RuntimeError",
        ]
        assert [o for o in without_notes(outputs) if o[0] == "error"] == [("error", "RuntimeError", "boom")]


def test_unpicklable_variable_is_named_and_the_cell_runs_again(runs):
    for run in ("first", "second"):
        outputs = runs[run]["generator"]
        assert "made a generator" in stdout(outputs)
        assert "not stored: cannot store 'gen': a generator cannot be pickled" in notes(outputs)[1]
    assert "memo miss (new cell)" in notes(runs["second"]["generator"])[0]


def test_unhashable_input_runs_the_cell_without_memoizing(runs):
    note = notes(runs["second"]["locked"])[0]
    assert note.startswith("[pllm] not memoized: input 'lock' cannot be fingerprinted")


def test_stats_table_is_html_in_a_notebook(runs):
    (result,) = [o for o in runs["second"]["stats"] if o["output_type"] == "execute_result"]
    html = result["data"]["text/html"]
    assert "<table" in html and "memo hits" in html and "total" in html
    assert "print(&quot;asking with threshold&quot;, threshold)" in html


def test_restore_vars_off_reruns_cells_that_set_variables(runs):
    for run in ("first", "second"):
        outputs = runs[run]["sets_var"]
        assert "off value 5" in stdout(outputs)
        assert "variable restore is off" in notes(outputs)[-1]
    assert notes(runs["second"]["no_vars"])[0].startswith("[pllm] memo hit")
    assert "printed only" in stdout(runs["second"]["no_vars"])
    assert notes(runs["second"]["pure"]) == [] and "pure output 3" in stdout(runs["second"]["pure"])
