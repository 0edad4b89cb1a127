"""Execute notebooks in fresh kernels (nbclient) and read what their cells showed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

NOTE = re.compile(r"^\[pllm\] .*$", re.MULTILINE)


def make_notebook(cells: dict[str, str]) -> nbformat.NotebookNode:
    """A notebook whose cells carry the given ids (Jupyter sends them; they label memoized cells)."""
    nb = new_notebook(cells=[new_code_cell(source) for source in cells.values()])
    for cell, cell_id in zip(nb.cells, cells, strict=True):
        cell.id = cell_id
    return nb


def execute(nb: nbformat.NotebookNode, workdir: Path) -> dict[str, list[dict]]:
    """Run ``nb`` in a fresh kernel with ``workdir`` as its working folder; outputs by cell id."""
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    executed = client.execute()
    return {cell.id: [dict(o) for o in cell.outputs] for cell in executed.cells}


def stdout(outputs: list[dict]) -> str:
    return "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout")


def notes(outputs: list[dict]) -> list[str]:
    return NOTE.findall(stdout(outputs))


def without_notes(outputs: list[dict]) -> list[tuple]:
    """The outputs a user's code produced, in order, with the ``[pllm]`` notes taken out."""
    found = []
    for o in outputs:
        if o["output_type"] == "stream":
            text = NOTE.sub("", o["text"]).lstrip("\n") if o["name"] == "stdout" else o["text"]
            if text:
                found.append(("stream", o["name"], text))
        elif o["output_type"] in ("display_data", "execute_result"):
            found.append((o["output_type"], json.dumps(o["data"], sort_keys=True)))
        elif o["output_type"] == "error":
            found.append(("error", o["ename"], o["evalue"]))
    return found


def last_json(outputs: list[dict]) -> dict:
    return json.loads(stdout(outputs).strip().splitlines()[-1])
