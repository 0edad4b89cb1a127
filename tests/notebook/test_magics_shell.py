"""The magics in an in-process IPython shell (as in a terminal): help, flags, settings and edge cases."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import pllm_notebook as pllm


@pytest.fixture
def fresh_dir(shell: InteractiveShell, tmp_path: Path) -> Path:
    """Point the shell's default orchestrator at an empty resume directory."""
    shell.run_line_magic("pllm_config", f"dir={tmp_path / '.pllm'}")
    return tmp_path / ".pllm"


def run(shell: InteractiveShell, capsys: pytest.CaptureFixture, source: str) -> str:
    result = shell.run_cell(source, store_history=True)
    out = capsys.readouterr().out
    if result.error_in_exec is not None:
        raise result.error_in_exec
    return out


def test_load_ext_imports_nothing_heavy_and_creates_no_directory(tmp_path: Path):
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance().run_line_magic('load_ext', 'pllm_notebook')\n"
        "heavy = ('duckdb', 'panel', 'fastembed', 'openai', 'anthropic', 'google.genai', 'pllm_notebook.api')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert not (tmp_path / ".pllm").exists()


def test_reload_keeps_one_set_of_magics_and_hooks(shell: InteractiveShell):
    hooks = len(shell.events.callbacks["pre_run_cell"])
    shell.run_line_magic("reload_ext", "pllm_notebook")
    assert len(shell.events.callbacks["pre_run_cell"]) == hooks
    assert "memoize" in shell.magics_manager.magics["cell"]
    assert {"pllm_stats", "pllm_config"} <= set(shell.magics_manager.magics["line"])
    if importlib.util.find_spec("pllm_notebook.dashboard.magics") is not None:
        assert "pllm_dashboard" in shell.magics_manager.magics["line"]


def test_help_shows_usage_and_flags(shell: InteractiveShell, capsys: pytest.CaptureFixture):
    shell.run_cell("%%memoize?\n")
    shell.run_cell("%pllm_stats?")
    help_text = capsys.readouterr().out
    for expected in ("salt=VALUE", "--force", "--no-vars", "--quiet", "restore_vars=false", "--total"):
        assert expected in help_text


def test_hit_force_and_quiet(shell, fresh_dir, capsys):
    cell = "%%memoize\nimport random\ndraw = random.random()\nprint('draw', draw)\n"
    first = run(shell, capsys, cell)
    assert "[pllm] memo miss (new cell)" in first
    second = run(shell, capsys, cell)
    assert "[pllm] memo hit" in second and second.split("draw")[1] == first.split("draw")[1]
    forced = run(shell, capsys, cell.replace("%%memoize", "%%memoize --force"))
    assert "[pllm] memo miss (--force)" in forced
    after = run(shell, capsys, cell.replace("%%memoize", "%%memoize --quiet"))
    assert "[pllm]" not in after and after.split("draw")[1] == forced.split("draw")[1]


def test_cell_functions_and_agents_are_restored(shell, fresh_dir, capsys):
    cell = "%%memoize\ndef helper(x):\n    return x * 2\nvalue = helper(3)\nagt = pllm.agent('ref')\n"
    run(shell, capsys, cell)
    run(shell, capsys, "del helper, value, agt")
    assert "[pllm] memo hit" in run(shell, capsys, cell)
    assert shell.user_ns["value"] == 6 and shell.user_ns["helper"](5) == 10
    assert shell.user_ns["agt"] is pllm.agent("ref")


def test_conversation_reached_by_a_computed_name_is_checked_before_replay(shell, fresh_dir, capsys):
    run(shell, capsys, "name = 'dyn'")
    cell = "%%memoize\npllm.agent(name).get_msg_state().append('step')\n"
    run(shell, capsys, cell)
    run(shell, capsys, "pllm.agent('dyn').get_msg_state().append('elsewhere')")
    assert "conversation 'dyn' changed" in run(shell, capsys, cell)
    assert list(pllm.agent("dyn").get_msg_state()) == ["step", "elsewhere", "step"]


def test_stats_are_text_in_a_terminal(shell, fresh_dir, capsys):
    run(shell, capsys, "%%memoize\nunit = 1\n")
    table = shell.run_line_magic("pllm_stats", "")
    text = repr(table)
    assert text.splitlines()[0].startswith("cell") and "unit = 1" in text
    assert text.splitlines()[-1].split()[:3] == ["total", "0", "1"]


def test_config_rejects_unknown_keys_and_bad_values(shell):
    with pytest.raises(UsageError, match="does not know 'colour'"):
        shell.run_line_magic("pllm_config", "colour=blue")
    with pytest.raises(UsageError, match="restore_vars takes true or false"):
        shell.run_line_magic("pllm_config", "restore_vars=maybe")
    with pytest.raises(UsageError, match="takes salt=VALUE"):
        shell.run_cell_magic("memoize", "pepper=1", "x = 1")


def test_config_moves_the_resume_directory(shell, tmp_path, capsys):
    shell.run_line_magic("pllm_config", f"dir={tmp_path / 'elsewhere'}")
    assert pllm.default_orchestrator().directory == (tmp_path / "elsewhere").resolve()
    shell.run_line_magic("pllm_config", "")
    assert "restore_vars = True" in capsys.readouterr().out


def test_unreadable_stored_run_runs_the_cell_instead(shell, fresh_dir, capsys):
    cell = "%%memoize\nkept = [1, 2, 3]\nprint('ran')\n"
    run(shell, capsys, cell)
    for blob in (fresh_dir / "blobs").rglob("*"):
        if blob.is_file():
            blob.write_bytes(b"damaged")
    out = run(shell, capsys, cell)
    assert "the stored run cannot be read back (IntegrityError" in out and "ran" in out
    assert shell.user_ns["kept"] == [1, 2, 3]
