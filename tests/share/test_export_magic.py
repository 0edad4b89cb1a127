"""``%pllm_export`` in an in-process IPython shell (a kernel that knows no notebook file)."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from pllm_notebook.store.bundle import open_bundle


def _cell(ip: InteractiveShell, source: str) -> None:
    result = ip.run_cell(source, store_history=True)
    assert result.error_in_exec is None, result.error_in_exec


def test_pllm_export_writes_what_this_kernels_cells_used(tmp_path, as_home, capsys):
    as_home("author")
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "pllm_notebook")
    ip.run_line_magic("pllm_config", f"dir={tmp_path / 'elsewhere'} provider=offline")
    _cell(ip, "import pllm_notebook as pllm\nunused = pllm.agent('u').get_msg_state().ask_llm('not this')")
    ip.run_line_magic("pllm_config", f"dir={tmp_path / '.pllm'} provider=offline")
    _cell(
        ip, "%%memoize\nconv = pllm.agent('w').get_msg_state()\nr = conv.ask_llm('hi')\nprint(r.final_answer)"
    )
    _cell(ip, "plain = pllm.agent('x').get_msg_state().ask_llm('plain question')")
    capsys.readouterr()
    ip.run_line_magic("pllm_export", str(tmp_path / "k.pllm"))
    assert "1 memo entries, 2 calls" in capsys.readouterr().out
    bundle = open_bundle(tmp_path / "k.pllm")
    assert sorted(c.request["messages"][-1]["content"] for c in bundle.calls) == ["hi", "plain question"]
    with pytest.raises(UsageError, match="missing.ipynb does not exist"):
        ip.run_line_magic("pllm_export", f"{tmp_path / 'n.pllm'} --notebook {tmp_path / 'missing.ipynb'}")


def test_pllm_export_reads_a_shared_redis_store(tmp_path, as_home, capsys, redis_url):
    as_home("author")
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "pllm_notebook")
    ip.run_line_magic("pllm_config", f"dir={tmp_path / '.pllm'} provider=offline cache_url={redis_url}")
    _cell(
        ip, "%%memoize\nimport pllm_notebook as pllm\nr = pllm.agent('w').get_msg_state().ask_llm('shared')"
    )
    capsys.readouterr()
    ip.run_line_magic("pllm_export", str(tmp_path / "r.pllm"))
    assert "1 memo entries, 1 calls" in capsys.readouterr().out
    bundle = open_bundle(tmp_path / "r.pllm")
    assert [c.request["messages"][-1]["content"] for c in bundle.calls] == ["shared"]
