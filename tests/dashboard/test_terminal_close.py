"""In a terminal script the dashboard is one status line, with its final figures when the run ends."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def test_the_final_status_line_is_written_when_the_orchestrator_closes(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        import pllm_notebook as pllm
        with pllm.resume_directory({str(tmp_path / ".pllm")!r}, dashboard=True) as orch:
            orch.agent("w").get_msg_state().ask_llm("hello")
        print("AFTER THE RUN", file=sys.stderr, flush=True)
        """
    )
    env = {**os.environ, "PLLM_DASHBOARD": "terminal", "PLLM_OFFLINE_LATENCY": "0"}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    before, _, _ = proc.stderr.partition("AFTER THE RUN")
    final = [line for line in before.splitlines() if line.startswith("[DASH]")]
    assert final, proc.stderr
    assert "live 1" in final[-1], final[-1]
