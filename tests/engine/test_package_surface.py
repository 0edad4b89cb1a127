"""What a user touches first: the import, the star import, and that heavy parts load only when used."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "duckdb",
    "panel",
    "bokeh",
    "fastembed",
    "onnxruntime",
    "openai",
    "anthropic",
    "google.genai",
    "redis",
)


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_star_import_works():
    out = _run("from pllm_notebook import *\nprint(resume_directory.__name__, SemanticCache.__name__)")
    assert out.split() == ["resume_directory", "SemanticCache"]


def test_importing_the_package_and_the_extension_loads_nothing_heavy():
    code = (
        "import sys\n"
        "import pllm_notebook\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'pllm_notebook')\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
        "print('pllm_notebook.plugins' in sys.modules)\n"
    )
    assert _run(code).split("\n")[:2] == ["[]", "False"]  # no entry point is read either


def test_unknown_attribute_is_a_clear_attribute_error():
    out = _run(
        "import pllm_notebook\ntry:\n    pllm_notebook.nope\nexcept AttributeError as e:\n    print(e)\n"
    )
    assert "no attribute 'nope'" in out
