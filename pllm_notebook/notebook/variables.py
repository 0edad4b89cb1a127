"""Store the variables a cell assigned, and put them back on a replay.

Each value is pickled into the resume directory's blob store, with agents, conversations and answers kept
as references (see :mod:`.references`). A function or class the cell defines at top level is kept as its
source and defined again on replay, since a pickle of it would only name it. If any value cannot be
stored, nothing is: :class:`UnstorableVariables` names each one, and the cell simply runs again next time.

Loading a pickle runs code chosen by whoever wrote it, so restoring variables from a resume directory you
did not create is as risky as running its notebook; ``%pllm_config restore_vars=false`` turns it off.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .references import dumps, loads

if TYPE_CHECKING:
    from ..engine import LLMResponse, Orchestrator
    from ..store import BlobStore

__all__ = ["UnstorableVariables", "RestoredVariables", "store_variables", "load_variables"]


class UnstorableVariables(Exception):
    """Some assigned values cannot be pickled; ``problems`` maps each name to the reason."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {why}" for name, why in problems.items()))


def _is_own_definition(value: Any, name: str) -> bool:
    return (
        isinstance(value, types.FunctionType | type)
        and getattr(value, "__module__", None) == "__main__"
        and getattr(value, "__qualname__", None) == name
    )


def store_variables(
    names: tuple[str, ...],
    namespace: dict[str, Any],
    blobs: BlobStore,
    definitions: dict[str, str],
) -> dict[str, Any]:
    """Pickle each of ``names`` found in ``namespace``; the JSON-able record of where each one went.

    Raises :class:`UnstorableVariables` (having stored nothing) if any value cannot be pickled.
    """
    pickled: dict[str, bytes] = {}
    sources: dict[str, str] = {}
    deleted: list[str] = []
    problems: dict[str, str] = {}
    for name in names:
        if name not in namespace:
            deleted.append(name)
            continue
        value = namespace[name]
        if name in definitions and _is_own_definition(value, name):
            sources[name] = definitions[name]
            continue
        try:
            pickled[name] = dumps(value)
        except Exception as exc:  # any __reduce__ may fail in its own way; each is reported by name
            problems[name] = f"a {type(value).__name__} cannot be pickled ({type(exc).__name__}: {exc})"
    if problems:
        raise UnstorableVariables(problems)
    return {
        "values": {name: blobs.put(data) for name, data in pickled.items()},
        "definitions": sources,
        "deleted": deleted,
    }


@dataclass
class RestoredVariables:
    """Values read back from the store, put into the namespace by :meth:`apply`."""

    values: dict[str, Any]
    deleted: list[str]
    definitions: int

    def __len__(self) -> int:
        return len(self.values) + self.definitions

    def apply(self, namespace: dict[str, Any]) -> None:
        for name in self.deleted:
            namespace.pop(name, None)
        namespace.update(self.values)


def load_variables(
    record: dict[str, Any],
    orch: Orchestrator,
    responses: dict[str, LLMResponse],
    namespace: dict[str, Any],
    filename: str,
) -> RestoredVariables:
    """Read back what :func:`store_variables` stored; raises if a blob is missing or fails to load.

    The cell's own functions and classes are defined again in ``namespace`` first (a pickled value may
    refer to them); the values are returned for :meth:`RestoredVariables.apply`.
    """
    definitions = record.get("definitions", {})
    for source in definitions.values():
        exec(compile(source, filename, "exec"), namespace)
    values = {
        name: loads(orch.store.blobs.get(digest), orch, responses)
        for name, digest in record["values"].items()
    }
    return RestoredVariables(values, list(record.get("deleted", [])), len(definitions))
