"""Shared test set-up: every test runs with a private HOME, IPython and Jupyter folders, and the local model."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "notebooks"))

from private_home import private_home_variables  # noqa: E402

SHARED = Path(os.environ.get("PLLM_SHARED_DIR", REPO.parent / "shared")).resolve()
MODEL_PATH = SHARED / "models" / "all-MiniLM-L6-v2-onnx"
DATA_DIR = SHARED / "data"


@pytest.fixture(scope="session", autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point HOME, IPYTHONDIR, JUPYTER_* and caches at a temporary folder for the whole session."""
    home = tmp_path_factory.mktemp("home")
    env = {
        **private_home_variables(home),
        "FASTEMBED_CACHE_PATH": str(home / ".cache/fastembed"),
        "HF_HUB_OFFLINE": "1",
        "PLLM_EMBEDDING_MODEL_PATH": str(MODEL_PATH),
        "PLLM_OFFLINE_LATENCY": os.environ.get("PLLM_TEST_OFFLINE_LATENCY", "0.05"),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield home
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def resume_dir(tmp_path: Path) -> Path:
    """A fresh, empty resume directory."""
    return tmp_path / ".pllm"


@pytest.fixture
def python_exe() -> str:
    """The interpreter running the tests (for subprocess workers)."""
    return sys.executable


@pytest.fixture(scope="module")
def shell():
    """An in-process IPython shell (as in a terminal) with the extension loaded and ``pllm`` imported."""
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "pllm_notebook")
    ip.run_cell("import pllm_notebook as pllm")
    return ip


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real redis-server on a free loopback port, shared by one test module."""
    import shutil

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    from reliability.redis_server import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()
