"""Where no widget front end exists (a headless run, here nbclient), the dashboard is a static HTML table
that is redrawn in place as events arrive; loading the extension does not import Panel."""

from __future__ import annotations

from pathlib import Path

import pytest

from pllm_notebook.dashboard.attach import detect_mode

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow


def test_outside_a_kernel_the_dashboard_is_a_status_line(monkeypatch) -> None:
    monkeypatch.delenv("PLLM_DASHBOARD", raising=False)
    assert detect_mode() == "terminal"
    monkeypatch.setenv("PLLM_DASHBOARD", "static")
    assert detect_mode() == "static"
    monkeypatch.setenv("PLLM_DASHBOARD", "fancy")
    with pytest.raises(Exception, match="PLLM_DASHBOARD must be one of"):
        detect_mode()


def test_static_dashboard_in_a_headless_kernel(tmp_path: Path) -> None:
    cells = [
        "%load_ext pllm_notebook\nimport sys\nprint('panel loaded:', 'panel' in sys.modules)",
        "%pllm_dashboard --mode static",
        '%%memoize salt=1\nimport pllm_notebook as pllm\npllm.agent("writer").get_msg_state().ask_llm("List two rivers")',
        "import time\ntime.sleep(1.5)  # the dashboard redraws within a third of a second",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    assert "panel loaded: False" in nb.cells[0].outputs[0]["text"]
    (output,) = nb.cells[1].outputs
    html = output["data"]["text/html"]
    assert "pllm-dashboard-static" in html
    assert "List two rivers" in html  # the feed row of the call, drawn after the cell that showed it
    assert "<td>new cell</td>" in html  # the per-cell table: one miss, and why
