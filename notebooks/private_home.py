"""The environment variables that give a process a private HOME; shared by the demo runner and the tests.

Kept apart from ``run_demo.py`` so that importing it needs no notebook tooling (nbformat, nbclient).
"""

from __future__ import annotations

from pathlib import Path


def private_home_variables(home: Path) -> dict[str, str]:
    """The variables that point HOME, IPython, Jupyter and caches at ``home``."""
    return {
        "HOME": str(home),
        "IPYTHONDIR": str(home / ".ipython"),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / ".local/share/jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / ".local/share/jupyter/runtime"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "MPLCONFIGDIR": str(home / ".cache/matplotlib"),
    }
