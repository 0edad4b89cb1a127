"""A replay leaves every object as the run did: a notebook runs twice, each time in a fresh kernel.

The second run replays every ``%%memoize`` cell; the plain ``report_*`` cells after them show the objects the
rest of the notebook sees, and must show the same in both runs.
"""

from __future__ import annotations

from typing import Any

import pytest
from nbhelpers import last_json, notes, stdout

SETUP = """%load_ext pllm_notebook
import json
import random
import warnings
import numpy as np
import pandas as pd
import pllm_notebook as pllm
from pllm_notebook.notebook.fingerprint import fingerprint


class Model:
    def fit(self, X, y):
        self.coef_ = float(np.dot(X, y))
        self.seen_ = len(y)
        return self


warnings.filterwarnings("ignore", "The inplace keyword")
model = Model()
frame = pd.DataFrame({"a": np.arange(10), "b": np.linspace(0, 1, 10)})
series = pd.Series([3, 1, 2])
arr = np.arange(50)
lst = [0]
base = {"k": 1}
rng = np.random.default_rng(0)
results = []


calls = 0


def record(x):
    global calls
    results.append(x)
    calls += 1


aliases = {
    "model": model,
    "frame": frame,
    "series": series,
    "arr": arr,
    "lst": lst,
    "results": results,
    "rng": rng,
}
conv = pllm.agent("asker").get_msg_state()
salt_value = 'v1'"""

MUTATE = """%%memoize
frame.drop(index=[0, 1], inplace=True)
np.random.shuffle(arr)
model.fit(arr, arr)
series.sort_values(inplace=True)
lst += [1]
record(2)
drawn = rng.random()"""

IDENTITY = """%%memoize
shared = [1, 2, 3]
view = shared
ref = base"""

RANDOM = """%%memoize
random.seed(7)
np.random.seed(7)
first_draw = random.random()"""

DEAD = """%%memoize
import functools
import threading
from dataclasses import dataclass
with open("note.txt", "w") as fh:
    fh.write("x")
gen = (i for i in range(3))
total = sum(gen)
guard = threading.Lock()
square = lambda x: x * x


@functools.lru_cache
def cube(n):
    return n**3


@dataclass
class Point:
    x: int


origin = Point(5)"""

NO_VARS = "%%memoize --no-vars\nhalf = lambda x: x / 2\nprint('defined half')"

WIDGET = """%%memoize
import ipywidgets as widgets
widgets.IntSlider(value=3)"""

AWAIT = """%%memoize salt=$salt_value
import asyncio
await asyncio.sleep(0.01)
waited = await conv.ask_llm_async("Name a colour.")
print("answer:", waited.final_answer)"""

BIG = """%%memoize
import time
time.sleep(0.3)
big_arr = np.arange(100_000, dtype=np.float64)
big_frame = pd.DataFrame({"x": np.arange(1000), "y": np.linspace(0, 1, 1000)})
plain = {"n": 3, "names": ["a", "b"]}
pair = (1, 2)"""

REPORTS = {
    "objects": """{
    "objects": {name: fingerprint(value) for name, value in aliases.items()},
    "model_state": fingerprint(vars(model)),
    "calls": calls,
    "aliases_kept": all(globals()[name] is value for name, value in aliases.items()),
    "view_is_shared": view is shared,
    "ref_is_base": ref is base,
}""",
    "draws": "[random.random(), float(np.random.rand()), float(rng.random())]",
    "defined": """{
    "defined": [square(3), cube(2), half(4), total, origin.x, isinstance(origin, Point)],
    "dead_left_undefined": [name in globals() for name in ("fh", "gen", "guard")],
}""",
    "waited": """[
    waited.final_answer,
    len(conv),
    pllm.stats().llm_calls,
    next(str(m.inputs) for m in pllm.default_orchestrator().store.memos() if "waited" in m.payload["vars"]["values"]),
]""",
    "formats": """{
    "formats": {name: entry["format"] for name, entry in big.payload["vars"]["values"].items()},
    "pickled": pickled_names(big.payload["vars"]),
    "saved": round(pllm.default_orchestrator().stats_by_label()[big.label].time_saved_s, 2),
}""",
}
FIND_BIG = """from pllm_notebook.notebook.variables import pickled_names
big = next(m for m in pllm.default_orchestrator().store.memos() if "big_arr" in m.payload["vars"]["values"])
"""


def cells() -> dict[str, str]:
    notebook = {
        "setup": SETUP,
        "mutate": MUTATE,
        "identity": IDENTITY,
        "random": RANDOM,
        "dead": DEAD,
        "no_vars": NO_VARS,
        "widget": WIDGET,
        "await": AWAIT,
        "big": BIG,
        **{f"report_{name}": f"print(json.dumps({expression}))" for name, expression in REPORTS.items()},
    }
    notebook["report_formats"] = FIND_BIG + notebook["report_formats"]
    return notebook


@pytest.fixture(scope="module")
def runs(notebook_runner) -> dict[str, dict]:
    return {"first": notebook_runner(cells()), "second": notebook_runner(cells())}


def reports(runs: dict[str, dict], name: str) -> tuple[Any, Any]:
    """What the cell ``report_<name>`` printed in the first and in the second run."""
    return last_json(runs["first"][f"report_{name}"]), last_json(runs["second"][f"report_{name}"])


def test_every_memoized_cell_replays_on_the_second_run(runs):
    for cell in cells():
        if cell.startswith(("setup", "report_")):
            continue
        assert notes(runs["first"][cell])[0].startswith("[pllm] memo miss (new cell)"), cell
        assert notes(runs["second"][cell])[0].startswith("[pllm] memo hit"), (
            cell,
            notes(runs["second"][cell]),
        )


def test_objects_changed_in_place_are_restored_in_place(runs):
    first, second = reports(runs, "objects")
    assert second["objects"] == first["objects"]
    assert second["model_state"] == first["model_state"]
    assert second["calls"] == first["calls"] == 1
    assert first["aliases_kept"] and second["aliases_kept"]


def test_names_bound_to_one_object_stay_one_object(runs):
    for report in reports(runs, "objects"):
        assert report["view_is_shared"] and report["ref_is_base"]


def test_random_states_after_a_replay_are_those_after_the_run(runs):
    first, second = reports(runs, "draws")
    assert second == first


def test_dead_values_are_skipped_with_a_note_and_definitions_come_back(runs):
    first, second = reports(runs, "defined")
    assert second["defined"] == first["defined"] == [9, 8, 2.0, 3, 5, True]
    assert second["dead_left_undefined"] == [False, False, False]
    skipped = "'fh' (a closed file), 'gen' (a consumed generator), 'guard' (a lock)"
    assert notes(runs["first"]["dead"])[1] == f"[pllm] not stored: {skipped}; a replay leaves them undefined"
    assert notes(runs["second"]["dead"])[1] == f"[pllm] not restored: {skipped} (not stored by the run)"


def test_widgets_replay_as_a_static_snapshot(runs):
    (first,) = [o for o in runs["first"]["widget"] if o["output_type"] == "execute_result"]
    (second,) = [o for o in runs["second"]["widget"] if o["output_type"] == "execute_result"]
    assert "application/vnd.jupyter.widget-view+json" in first["data"]
    assert second["data"] == {"text/plain": "IntSlider(value=3)"}
    assert "widgets are shown as a static snapshot" in notes(runs["second"]["widget"])[-1]


def test_await_works_in_a_memoized_cell(runs):
    first, second = reports(runs, "waited")
    assert first[1:3] == [2, 1]
    assert second[:3] == [first[0], 2, 0]
    assert "v1" in first[3] and "$salt_value" not in first[3], "the line's $variables are expanded"
    assert stdout(runs["second"]["await"]).endswith(f"answer: {first[0]}\n")


def test_values_are_stored_in_formats_that_need_no_unpickling(runs):
    first, second = reports(runs, "formats")
    formats = {"time": "import", "big_arr": "npy", "big_frame": "arrow", "plain": "json", "pair": "pickle"}
    assert first["formats"] == formats
    assert first["pickled"] == ["pair"]
    note = notes(runs["second"]["big"])[0]
    assert note == f"[pllm] memo hit: replayed (saved {second['saved']:.2f} s)"
    assert 0 < second["saved"] < 1
