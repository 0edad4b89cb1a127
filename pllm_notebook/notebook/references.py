"""Pickling that keeps engine objects (agents, conversations, answers) as references, never as copies.

A cell's variable may hold an ``Agent``, a ``MessageState`` or an ``LLMResponse``. Copying one into a pickle
would restore a detached twin that no longer belongs to the notebook's orchestrator; instead each is written
as a persistent id (kind, resume directory, name or call id) and resolved on load to the live object of the
default orchestrator. Modules are written by name. A function or class defined in ``__main__`` pickles by
reference as usual, which works once the cell that defines it has run (or been replayed).
"""

from __future__ import annotations

import importlib
import io
import pickle
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import LLMResponse, Orchestrator
    from ..engine.context import EngineContext

__all__ = ["ReferencePickler", "dumps", "loads", "ContentPickler"]


def _engine_types() -> tuple[type, type, type, type]:
    from ..engine import Agent, LLMResponse, MessageState, Orchestrator

    return Agent, MessageState, LLMResponse, Orchestrator


class ReferencePickler(pickle.Pickler):
    """Pickles engine objects and modules as references (see the module's docstring)."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._agent, self._state, self._response, self._orch = _engine_types()

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, types.ModuleType):
            return ("module", obj.__name__)
        if isinstance(obj, self._state):
            return ("message_state", _where(obj.agent.context), obj.name)
        if isinstance(obj, self._agent):
            return ("agent", _where(obj.context), obj.name)
        if isinstance(obj, self._response):
            return ("llm_response", obj.call_id)
        if isinstance(obj, self._orch):
            return ("orchestrator", _where(obj.context))
        return None


def _where(context: EngineContext) -> str:
    """How a reference names its orchestrator (by the run it shares with its agents): "" for the notebook's
    own, so a stored variable still resolves when the resume directory is imported or moved to another
    path; else its directory."""
    from ..api import default_orchestrator

    return "" if context is default_orchestrator().context else str(context.directory)


class ContentPickler(ReferencePickler):
    """Like :class:`ReferencePickler`, but a conversation is named by its content, for fingerprints."""

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, self._state):
            return ("message_state", obj.name, obj.state_hash())
        if isinstance(obj, self._agent):
            return ("agent", obj.name, obj.get_msg_state().state_hash())
        return super().persistent_id(obj)


def dumps(value: Any, pickler: type[ReferencePickler] = ReferencePickler) -> bytes:
    """Pickle ``value`` with engine objects kept as references."""
    buffer = io.BytesIO()
    pickler(buffer).dump(value)
    return buffer.getvalue()


class _ReferenceUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, resolve: Callable[[tuple], Any]) -> None:
        super().__init__(file)
        self._resolve = resolve

    def persistent_load(self, pid: Any) -> Any:
        return self._resolve(tuple(pid))


def loads(data: bytes, orch: Orchestrator, responses: dict[str, LLMResponse]) -> Any:
    """Unpickle ``data``, resolving references against ``orch``.

    ``responses`` maps call ids to the answer objects a replay just put into conversations, so a restored
    variable is the very object in the conversation (``r is conv[-1]``); other ids are rebuilt from the store.
    Raises ``pickle.UnpicklingError`` for a reference to another resume directory.
    """
    directory = str(orch.directory)

    def resolve(pid: tuple) -> Any:
        kind = pid[0]
        if kind == "module":
            return importlib.import_module(pid[1])
        if kind == "llm_response":
            found = responses.get(pid[1])
            if found is None:
                from ..engine.recording import response_from_record

                found = responses[pid[1]] = response_from_record(orch.store, pid[1])
            return found
        if pid[1] not in ("", directory):
            raise pickle.UnpicklingError(
                f"a stored variable refers to the resume directory {pid[1]}, but the notebook uses {directory}"
            )
        if kind == "orchestrator":
            return orch
        if kind == "agent":
            return orch.agent(pid[2])
        if kind == "message_state":
            return orch.agent(pid[2]).get_msg_state()
        raise pickle.UnpicklingError(f"unknown reference kind {kind!r} in a stored variable")

    return _ReferenceUnpickler(io.BytesIO(data), resolve).load()
