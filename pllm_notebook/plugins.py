"""Plugins found through entry points: the providers and embedders a package declares.

A package adds a provider by declaring it in its ``pyproject.toml``::

    [project.entry-points."pllm_notebook.providers"]
    mine = "my_package.module:MyProvider"

pllm_notebook's own providers and embedders are declared the same way. The installed entry points are read
once, on the first lookup (never at ``%load_ext``), and a plugin's module is imported only when its name is
asked for, so an unused vendor SDK is never imported. A plugin installed while a process runs is seen
by the next process.
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points
from typing import Any

__all__ = ["EMBEDDERS", "PROVIDERS", "declared", "load"]

PROVIDERS = "pllm_notebook.providers"
EMBEDDERS = "pllm_notebook.embedders"


@functools.cache
def declared(group: str) -> dict[str, EntryPoint]:
    """The entry points of ``group`` installed in this environment, by name."""
    return {point.name: point for point in entry_points(group=group)}


def load(group: str, name: str) -> Any | None:
    """The object the entry point ``name`` of ``group`` names (imported now), or None if none is declared."""
    point = declared(group).get(name)
    return None if point is None else point.load()
