"""A scratch virtual environment, outside the repository, holding the reference libraries.

Benchmarks run ``parallem`` and ``recallm`` in a subprocess of this environment, so their figures sit beside
ours in one run without either library becoming a dependency of pllm_notebook.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REFERENCE_PACKAGES = ("parallem==0.0.3", "recallm==0.2.0")
KNOWN_VENVS = (os.environ.get("PLLM_REFERENCE_VENV", ""), "/tmp/ref/venv")


def reference_python() -> str | None:
    """The interpreter of a venv with the reference libraries, installing them there if needed.

    Returns None (and says why on stderr) when they cannot be installed, so a benchmark can print its own
    figures alone rather than fail.
    """
    for venv in KNOWN_VENVS:
        python = Path(venv) / "bin" / "python"
        if venv and python.exists() and _has_packages(python):
            return str(python)
    venv = Path(tempfile.gettempdir()) / "pllm-reference-venv"
    python = venv / "bin" / "python"
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        if not _has_packages(python):
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", *REFERENCE_PACKAGES, "fastembed"],
                check=True,
            )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(
            f"reference libraries unavailable ({exc}); printing pllm_notebook figures only", file=sys.stderr
        )
        return None
    return str(python)


def _has_packages(python: Path) -> bool:
    probe = subprocess.run([str(python), "-c", "import parallem, recallm"], capture_output=True)
    return probe.returncode == 0
