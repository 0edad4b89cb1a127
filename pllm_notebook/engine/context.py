"""``EngineContext``: what the engine's parts need from a run, handed to them instead of the orchestrator.

The asker, the agents, their conversations, memo blocks and the memo core each take this narrow context
(the store, the semantic cache, the provider, the settings, ``emit``), so none of them holds the
:class:`~pllm_notebook.engine.Orchestrator` that owns them, and the orchestrator stays the one place that
builds and closes a run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..events import Event
from ..providers import Provider
from ..settings import Settings
from ..store import ResumeStoreBase
from .userdata import UserData

if TYPE_CHECKING:
    from ..cache import SemanticCache

__all__ = ["EngineContext", "RunScope"]


@dataclass(eq=False)
class RunScope:
    """The labelled unit running now (a notebook cell or a script's ``orch.scope``): its calls carry it."""

    label: str = ""
    salt: Any = None
    cell: str = ""
    """The notebook cell running now (set by the notebook face); each call it makes keeps it."""


@dataclass(eq=False)
class EngineContext:
    """One run's services and settings, shared by its asker, agents and memo blocks."""

    directory: Path
    settings: Settings
    store: ResumeStoreBase
    provider: Provider
    default_model: str
    cache: SemanticCache | None
    emit: Callable[[Event], None]
    """Send an event, stamped with the resume directory, to the run's bus."""
    redact: Callable[[dict[str, Any]], dict[str, Any]]
    userdata: UserData = field(default_factory=UserData)
    scope: RunScope = field(default_factory=RunScope)
