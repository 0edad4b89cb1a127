"""Fixtures of the notebook tests: a module-wide working folder whose notebooks run in fresh kernels."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from nbhelpers import execute, make_notebook


@pytest.fixture(scope="module")
def notebook_runner(tmp_path_factory: pytest.TempPathFactory) -> Callable[[dict[str, str]], dict]:
    """Executes notebooks, each in a fresh kernel, all in one working folder (so one ``.pllm/``)."""
    workdir = tmp_path_factory.mktemp("notebook")
    return lambda cells: execute(make_notebook(cells), workdir)
