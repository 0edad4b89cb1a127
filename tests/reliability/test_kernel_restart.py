"""Jupyter's own crash path, through jupyter_client: "Restart kernel" on a kernel busy with ``%%memoize``
cells making LLM calls. The kernel ignores SIGTERM (as one stuck in C code does), so the restart ends it
with SIGKILL after its grace period; the next kernel loses no entry that was reported stored and replays no
half one. Then ``pllm-notebook gc`` runs while a kernel replays, and every replay still hits."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import time

import pytest
from jupyter_client import KernelManager

CELLS = 30


def _setup(directory) -> str:
    return (
        "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "%load_ext pllm_notebook\n"
        f"%pllm_config dir={directory} provider=offline\n"
        "import pllm_notebook as pllm"
    )


def _cell(i: int) -> str:
    return (
        "%%memoize\n"
        f'conv{i} = pllm.agent("agent{i}").get_msg_state()\n'
        f'answers{i} = [conv{i}.ask_llm(f"question {{j}} of cell {i}").final_answer for j in range(3)]\n'
        f"print('cell {i}:', answers{i}[-1][:50])"
    )


@pytest.fixture
def kernel(tmp_path):
    env = {**os.environ, "PLLM_OFFLINE_LATENCY": "0.03"}
    km = KernelManager(kernel_name="python3")
    km.shutdown_wait_time = 0.4  # the grace period before SIGTERM, then SIGKILL
    km.start_kernel(cwd=str(tmp_path), env=env)
    yield km
    km.shutdown_kernel(now=True)


def _client(km):
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return kc


def _run(kc, code: str) -> tuple[str, str]:
    """Execute ``code`` and wait: (status, stdout + stderr)."""
    out: list[str] = []
    reply = kc.execute_interactive(
        code,
        timeout=120,
        output_hook=lambda msg: (
            out.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None
        ),
    )
    return reply["content"]["status"], "".join(out)


def test_restart_kills_a_busy_kernel_and_the_next_one_loses_nothing(kernel, tmp_path):
    directory = tmp_path / ".pllm"
    kc = _client(kernel)
    assert _run(kc, _setup(directory))[0] == "ok"
    first_out: dict[str, str] = {}
    cell_of = {kc.execute(_cell(i)): i for i in range(CELLS)}
    reported: set[int] = set()
    while len(reported) < 5:  # some cells stored and reported, the next ones running
        msg = kc.get_iopub_msg(timeout=120)
        parent = msg["parent_header"].get("msg_id")
        if msg["msg_type"] == "stream" and parent in cell_of:
            first_out[parent] = first_out.get(parent, "") + msg["content"]["text"]
        try:
            reply = kc.get_shell_msg(timeout=0)
        except queue.Empty:
            continue
        assert reply["content"]["status"] == "ok", reply["content"]
        assert "not stored" not in first_out.get(reply["parent_header"]["msg_id"], "")
        reported.add(cell_of[reply["parent_header"]["msg_id"]])
    time.sleep(0.2)
    process = kernel.provisioner.process
    kc.stop_channels()
    kernel.restart_kernel(now=False)
    assert process.returncode == -signal.SIGKILL, "the restart had to kill the busy kernel"

    kc = _client(kernel)
    assert _run(kc, _setup(directory))[0] == "ok"
    by_cell = {i: text for msg_id, i in cell_of.items() if (text := first_out.get(msg_id))}
    hits = 0
    for i in range(CELLS):
        status, out = _run(kc, _cell(i))
        assert status == "ok", out
        assert "refused" not in out and "could not" not in out, out
        if i in reported:
            assert "memo hit: replayed" in out, f"cell {i} was reported stored: {out}"
            assert by_cell[i].split("\n")[-2] in out, "the replay shows what the run showed"
        hits += "memo hit" in out
    assert hits >= len(reported)
    kc.stop_channels()


def _value_cell(i: int) -> str:
    """A cell whose inputs do not change when it runs again (its value is restored from a blob)."""
    return (
        f"%%memoize\nimport numpy as np\nvalues{i} = np.arange({i + 1} * 1000)\nprint('sum', values{i}.sum())"
    )


def test_gc_while_a_kernel_replays(kernel, tmp_path):
    directory = tmp_path / ".pllm"
    kc = _client(kernel)
    assert _run(kc, _setup(directory))[0] == "ok"
    for i in range(6):
        assert _run(kc, _value_cell(i))[0] == "ok"
        assert _run(kc, _cell(i))[0] == "ok"  # and some old entries for gc to drop: none of these replay
    replay_all = "\n".join(f"get_ipython().run_cell({_value_cell(i)!r})" for i in range(6))
    loop = "for round in range(15):\n" + "\n".join("    " + line for line in replay_all.splitlines())
    msg_id = kc.execute(loop)
    gcs = []
    for _ in range(3):
        gcs.append(
            subprocess.run(
                [sys.executable, "-m", "pllm_notebook.cli", "gc", str(directory)],
                capture_output=True,
                text=True,
                timeout=120,
            )
        )
    out = []
    while True:
        msg = kc.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    text = "".join(out)
    assert all(g.returncode == 0 for g in gcs), [g.stderr for g in gcs]
    assert text.count("memo hit: replayed") == 6 * 15, text[-2000:]
    assert "miss" not in text and "Error" not in text, text[-2000:]
    kc.stop_channels()
