"""The magics' settings from ``ipython_config.py`` in a real kernel, and ``%pllm_config``'s listing."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbhelpers import execute, make_notebook, notes, stdout

import pllm_notebook as pllm
from pllm_notebook import api
from pllm_notebook.notebook.config_magics import PllmConfigMagics
from pllm_notebook.notebook.memoize_magics import MemoizeMagics
from pllm_notebook.settings import setting_fields


def test_ipython_config_configures_the_magics_in_a_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ipython_dir = tmp_path / "ipython"
    profile = ipython_dir / "profile_default"
    profile.mkdir(parents=True)
    configured = tmp_path / "configured"
    (profile / "ipython_config.py").write_text(
        'c.InteractiveShellApp.extensions = ["pllm_notebook"]\n'
        f"c.PllmConfigMagics.directory = {str(configured)!r}\n"
        'c.PllmConfigMagics.llm = "offline-large"\n'
        "c.MemoizeMagics.notes = False\n"
    )
    monkeypatch.setenv("IPYTHONDIR", str(ipython_dir))
    monkeypatch.delenv("PLLM_NOTES", raising=False)
    workdir = tmp_path / "work"
    workdir.mkdir()
    cells = {
        "ask": (
            "%%memoize\nimport pllm_notebook as pllm\n"
            "answer = pllm.agent('a').get_msg_state().ask_llm('Hello?')\nprint(answer.model)"
        ),
        "where": "print(pllm.default_orchestrator().directory)",
        "listing": "%pllm_config",
        "later": "%config MemoizeMagics.notes = True\n%pllm_config",
    }
    for _ in range(2):  # the second run replays the memoized cell: still no note
        outputs = execute(make_notebook(cells), workdir)
        assert stdout(outputs["ask"]).strip() == "offline-large" and notes(outputs["ask"]) == []
    assert stdout(outputs["where"]).strip() == str(configured.resolve())
    listing = stdout(outputs["listing"])
    assert "llm = 'offline-large'" in listing and "notes = False" in listing
    assert "notes = True" in stdout(outputs["later"])
    assert not (workdir / ".pllm").exists()


@pytest.fixture
def shell() -> InteractiveShell:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "pllm_notebook")
    return ip


def test_the_magics_traits_are_the_notebooks_settings():
    run = {f.name for f in setting_fields("run") if f.metadata["magic"]}
    assert set(PllmConfigMagics.class_own_traits(config=True)) == run
    assert set(MemoizeMagics.class_own_traits(config=True)) == {f.name for f in setting_fields("notebook")}


def test_the_listing_shows_every_setting_and_no_secret(shell, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = api.default_options()
    monkeypatch.setattr(api, "_provider_options", {})  # the provider's options below end with the test
    secret = "sk-test-secret-0123456789abcdef"
    try:
        pllm.configure(
            directory=str(tmp_path / ".pllm"),
            provider="openai-compatible",
            llm="local-model",
            base_url="http://127.0.0.1:9/v1",
            api_key=secret,
        )
        capsys.readouterr()
        shell.run_line_magic("pllm_config", "batch_size=50 replay_pace=0.5")
        shell.run_line_magic("pllm_config", "")
        listing = capsys.readouterr().out
    finally:
        monkeypatch.setattr(api, "_provider_options", {})
        pllm.configure(**{"llm": None, "batch_size": 1000, "replay_pace": 0.0, **before})
    assert secret not in listing and "'api_key': '[REDACTED]'" in listing
    assert "batch_size = 50" in listing and "replay_pace = 0.5" in listing
    assert all(f"{f.name} = " in listing for f in setting_fields("run", "notebook"))
    with pytest.raises(Exception, match="batch_size takes a whole number, not 'many'"):
        shell.run_line_magic("pllm_config", "batch_size=many")
