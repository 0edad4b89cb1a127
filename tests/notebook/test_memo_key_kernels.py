"""What a ``%%memoize`` key covers beyond the cell's own source, in real kernels (restart and run all).

One working folder holds a notebook, a local module ``helpers.py`` (and ``loaded.py``, imported inside a
memoized cell, which imports ``deeper.py``) and a data file. The notebook runs twice unchanged, then once
with the default model, the local modules, a notebook class's method, the function behind a partial and the
data file edited. Then the folder is copied and run where the integrity key differs, to check that a miss
names its real cause.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from nbhelpers import execute, last_json, make_notebook, notes

HELPERS = """
PREFIX = "n="


def _count(items):
    return len(items)


def summarize(items):
    return PREFIX + str(_count(items))


def scale(x, factor):
    return x * factor
"""

SETUP = """%load_ext pllm_notebook
import functools
import pllm_notebook as pllm
import helpers
conv = pllm.agent("writer").get_msg_state()
threshold = THRESHOLD
double = functools.partial(helpers.scale, factor=2)


class Model:
    def fit(self, n):
        return n + 1"""

REPORT = """import json
print(json.dumps({
    "conversation": len(conv),
    "same": conv is pllm.agent("writer").get_msg_state(),
    "summary": summary, "fitted": fitted, "scaled": scaled, "rows": rows, "loaded": loaded,
}))"""


def cells(
    model: str = "offline-small", threshold: int = 3, salt: str = "a", fit: str = "n + 1"
) -> dict[str, str]:
    return {
        "setup": SETUP.replace("THRESHOLD", str(threshold)).replace("n + 1", fit),
        "ask": '%%memoize\nfirst = conv.ask_llm("Name three prime numbers.")',
        "config": f"%pllm_config llm={model}",
        "ask_again": '%%memoize\nsecond = conv.ask_llm("And one more?")',
        "summary": "%%memoize\nsummary = helpers.summarize([1, 2, 3])",
        "method": "%%memoize\nfitted = Model().fit(3)",
        "partial": "%%memoize\nscaled = double(5)",
        "data": (
            '%%memoize\nimport pathlib\nrows = open("data.csv").read().splitlines()\n'
            'pathlib.Path("out.txt").write_text("written")'
        ),
        "imports": "%%memoize\nimport loaded as loaded_module\nloaded = loaded_module.VALUE",
        "salted": f"%%memoize salt={salt}\nprint(threshold)",
        "report": REPORT,
    }


def _write_sources(folder: Path, edited: bool) -> None:
    helpers = HELPERS
    if edited:
        helpers = helpers.replace("return len(items)", "return len(items) * 10").replace(
            "x * factor", "x * factor + 0"
        )
    (folder / "helpers.py").write_text(helpers)
    (folder / "loaded.py").write_text("import deeper\n\nVALUE = deeper.VALUE\n")
    (folder / "deeper.py").write_text("VALUE = 'edited value'\n" if edited else "VALUE = 1\n")
    (folder / "data.csv").write_text("a,b\n1,2\n3,4\n" if edited else "a,b\n1,2\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    original = tmp_path_factory.mktemp("original")
    _write_sources(original, edited=False)
    found = {"first": execute(make_notebook(cells()), original)}
    found["second"] = execute(make_notebook(cells()), original)
    _write_sources(original, edited=True)
    edited_cells = cells(model="offline-large", threshold=4, salt="b", fit="n + 2")
    found["edited"] = execute(make_notebook(edited_cells), original)
    copy = tmp_path_factory.mktemp("copy") / "project"
    shutil.copytree(original, copy)
    previous = os.environ.get("PLLM_KEY_DIR")
    os.environ["PLLM_KEY_DIR"] = str(tmp_path_factory.mktemp("other_keys"))
    try:
        found["copy_first"] = execute(make_notebook(cells(threshold=3, salt="a", fit="n + 2")), copy)
        found["copy_edited"] = execute(make_notebook(edited_cells), copy)
    finally:
        if previous is None:
            os.environ.pop("PLLM_KEY_DIR")
        else:
            os.environ["PLLM_KEY_DIR"] = previous
    return found


def _hit(outputs: list[dict]) -> bool:
    return notes(outputs)[0].startswith("[pllm] memo hit")


def test_unchanged_notebook_replays_every_cell_and_keeps_conversations(runs):
    first, second = runs["first"], runs["second"]
    for cell in ("ask", "ask_again", "summary", "method", "partial", "data", "imports", "salted"):
        assert notes(first[cell])[0] == "[pllm] memo miss (new cell): running the cell", cell
        assert _hit(second[cell]), (cell, notes(second[cell]))
    assert last_json(first["report"]) == last_json(second["report"])
    assert last_json(second["report"])["conversation"] == 4, "the change made after %pllm_config is replayed"
    assert last_json(second["report"])["same"], "a conversation obtained before %pllm_config follows it"


def test_a_changed_default_model_misses_and_names_both_models(runs):
    edited = runs["edited"]
    assert _hit(edited["ask"]), "the cell before %pllm_config still used offline-small"
    assert notes(edited["ask_again"])[0] == (
        "[pllm] memo miss (model changed: offline-small -> offline-large): running the cell"
    )
    assert last_json(edited["report"])["conversation"] == 4


def test_edited_local_code_misses_and_names_what_changed(runs):
    edited = runs["edited"]
    assert "(helpers.summarize changed)" in notes(edited["summary"])[0]
    assert "(Model.fit changed)" in notes(edited["method"])[0]
    assert "(helpers.scale changed)" in notes(edited["partial"])[0]
    assert "(module deeper changed)" in notes(edited["imports"])[0], "a module the imported one imports"
    report = last_json(edited["report"])
    assert (report["summary"], report["fitted"], report["scaled"], report["loaded"]) == (
        "n=30",
        5,
        10,
        "edited value",
    )


def test_files_read_are_checked_and_files_written_are_reported(runs):
    assert "[pllm] not rewritten by the replay: out.txt (the run wrote them)" in notes(runs["second"]["data"])
    assert "(file data.csv changed)" in notes(runs["edited"]["data"])[0]
    assert last_json(runs["edited"]["report"])["rows"] == ["a,b", "1,2", "3,4"]


def test_a_miss_in_a_copied_folder_names_its_real_cause(runs):
    refused = "the stored run failed its integrity check"
    for run in ("copy_first", "copy_edited"):
        note = notes(runs[run]["salted"])[0]
        assert refused in note, (run, note)
        assert "salt changed" not in note and "threshold" not in note
    assert last_json(runs["copy_edited"]["report"])["rows"] == ["a,b", "1,2", "3,4"]
