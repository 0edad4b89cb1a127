"""The colleague's flow end to end, with two private HOMEs and real headless runs.

The author runs a notebook against a fake OpenAI server (with a key) and exports it; the colleague (no key,
fresh HOME) imports the bundle, is told which variable needs trust, trusts the signer, and runs the
notebook with ``jupyter nbconvert --execute`` and with papermill: the same outputs, no request to the
server. Then the colleague edits one cell: that cell's readers re-run (and fail with the key error naming
cell and prompt); the rest replay.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from .homes import TEST_KEY, home_env

BIN = Path(sys.executable).parent


def _notebook(url: str, topic: str = "primes") -> nbformat.NotebookNode:
    cells = {
        "setup": "%load_ext pllm_notebook\n%pllm_config notes=off\nimport pllm_notebook as pllm\n"
        f"_ = pllm.configure(provider='openai-chat', base_url={url!r}, llm='gpt-4o-mini', max_retries=0)",
        "topic": f"topic = {topic!r}",
        "ask": "%%memoize\nconv = pllm.agent('writer').get_msg_state()\n"
        "answer = conv.ask_llm(f'One fact about {topic}')\nprint(answer.final_answer)",
        "greet": "%%memoize\nother = pllm.agent('other').get_msg_state()\n"
        "hello = other.ask_llm('Say hello').final_answer\nprint(hello)",
        "follow": "summary = conv.ask_llm('Summarise that in one line')\nprint(summary.final_answer)",
        "count": "%%memoize\nn_words = len(hello.split())\nn_words",
    }
    nb = new_notebook(cells=[new_code_cell(source) for source in cells.values()])
    for cell, cell_id in zip(nb.cells, cells, strict=True):
        cell.id = cell_id
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _nbconvert(path: Path, env: dict[str, str]) -> dict[str, list[dict]]:
    """Execute ``path`` in place, headless, going on past errors; outputs by cell id."""
    _run(
        [
            str(BIN / "jupyter"),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--inplace",
            "--ExecutePreprocessor.allow_errors=True",
            "--ExecutePreprocessor.timeout=120",
            path.name,
        ],
        env,
        path.parent,
    )
    return _outputs(path)


def _outputs(path: Path) -> dict[str, list[dict]]:
    """Outputs by cell id as a reader sees them: execution counts aside, and consecutive outputs of one
    stream joined (how a kernel chunks printed text into messages depends on timing; a page shows it
    as one text)."""
    nb = json.loads(path.read_text())
    found = {}
    for cell in nb["cells"]:
        outs: list[dict] = []
        for output in cell.get("outputs", []):
            o = {k: v for k, v in output.items() if k != "execution_count"}
            if o["output_type"] == "stream":
                o["text"] = "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
                if outs and outs[-1]["output_type"] == "stream" and outs[-1]["name"] == o["name"]:
                    outs[-1]["text"] += o["text"]
                    continue
            outs.append(o)
        found[cell["id"]] = outs
    return found


def _errors(outputs: dict[str, list[dict]]) -> dict[str, str]:
    return {
        cell: f"{o['ename']}: {o['evalue']}"
        for cell, outs in outputs.items()
        for o in outs
        if o["output_type"] == "error"
    }


def test_colleague_replays_an_exported_notebook_with_no_key(tmp_path, fake_openai):
    author_env = home_env(tmp_path / "author-home", key=TEST_KEY)
    author_env["PLLM_AUTHOR"] = "Ada Author <ada@example.org>"
    colleague_env = home_env(tmp_path / "colleague-home", key=None)
    cli = str(BIN / "pllm-notebook")

    author_dir = tmp_path / "author"
    author_dir.mkdir()
    notebook = author_dir / "study.ipynb"
    url = fake_openai.url
    nbformat.write(_notebook(url), notebook)
    first = _nbconvert(notebook, author_env)
    assert _errors(first) == {}
    live_calls = fake_openai.count
    assert live_calls == 3  # ask, greet, follow
    # another notebook in the same directory: nothing of it may enter the bundle
    other = author_dir / "other.ipynb"
    other_nb = _notebook(url, topic="comets")
    for cell in other_nb.cells:
        cell.id = "other-" + cell.id
    nbformat.write(other_nb, other)
    _nbconvert(other, author_env)

    bundle = tmp_path / "study.pllm"
    said = _run([cli, "export", str(notebook), "-o", str(bundle)], author_env, author_dir).stdout
    assert "3 memo entries, 3 calls" in said and "Ada Author" in said
    with zipfile.ZipFile(bundle) as zf:
        content = b"".join(zf.read(name) for name in zf.namelist())
    assert b"One fact about primes" in content
    assert b"sharetestkey" not in content and b"comets" not in content

    colleague_dir = tmp_path / "colleague"
    colleague_dir.mkdir()
    (colleague_dir / "study.ipynb").write_text(notebook.read_text())
    shown = _run([cli, "import", str(bundle), "--dir", ".pllm"], colleague_env, colleague_dir).stdout
    assert "signed by Ada Author <ada@example.org>" in shown and "not trusted" in shown
    fingerprint = shown.split("(fingerprint ")[1].split(")")[0]
    after_count = fake_openai.count

    # untrusted: the cell whose replay needs a pickle stops (no key: it cannot run instead)
    untrusted = _nbconvert(colleague_dir / "study.ipynb", colleague_env)
    assert "variable 'conv' needs --trust to restore" in _errors(untrusted)["ask"]
    assert f"pllm-notebook trust {fingerprint}" in _errors(untrusted)["ask"]

    _run([cli, "trust", fingerprint], colleague_env, colleague_dir)
    (colleague_dir / "study.ipynb").write_text(notebook.read_text())
    replayed = _nbconvert(colleague_dir / "study.ipynb", colleague_env)
    assert replayed == first  # identical outputs, notes off, apart from execution counts
    (colleague_dir / "papermill-in.ipynb").write_text(notebook.read_text())
    _run(
        [str(BIN / "papermill"), "papermill-in.ipynb", "papermill-out.ipynb", "--cwd", str(colleague_dir)],
        colleague_env,
        colleague_dir,
    )
    assert _outputs(colleague_dir / "papermill-out.ipynb") == first
    assert fake_openai.count == after_count, "a replay with no key made a live call"

    edited = colleague_dir / "edited.ipynb"
    nbformat.write(_notebook(url, topic="squares"), edited)
    outputs = _nbconvert(edited, colleague_env)
    errors = _errors(outputs)
    assert set(errors) == {"ask", "follow"}, errors
    # a headless run sends no cell ids, so the cell is named by its number
    assert re.match(r"MissingAPIKeyError: in In\[\d+\]: the prompt 'One fact about squares'", errors["ask"])
    assert "OPENAI_API_KEY" in errors["ask"]
    assert re.search(r"in In\[\d+\]: the prompt 'Summarise that in one line'", errors["follow"])
    for replayed_cell in ("greet", "count"):
        assert outputs[replayed_cell] == first[replayed_cell]
    assert fake_openai.count == after_count
