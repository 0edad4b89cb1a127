"""Store the variables a cell set or changed, and put them back on a replay exactly as the run left them.

Each value goes into the resume directory's blob store in the format that reads back without running
code where one fits (see :mod:`.value_codec`): the ``vars`` record maps each name to
``{"format": "json" | "npy" | "arrow" | "pickle", "blob": digest}``. Agents, conversations and answers
inside a pickle are kept as references (see :mod:`.references`). Besides values, the record keeps:

- ``definitions``: functions, classes and lambdas the cell defines at top level, as source, defined again on
  replay (a pickle of one would only name it);
- aliases: a name bound to the same object as another stored name, or as an input the cell left unchanged,
  is ``{"format": "alias", "of": other}``, so ``view is shared`` holds after a replay as after the run;
- ``in_place``: an object the cell changed in place (``lst += [1]``, ``df.drop(..., inplace=True)``) is
  written back into the object the notebook already holds, so aliases from earlier cells see the change;
- ``skipped``: values that are dead after the cell (a closed file, a consumed generator, a lock, a live
  widget) are neither stored nor restored, and the notes say so.

If any other value cannot be stored, nothing is: :class:`UnstorableVariables` names each one, and the cell
simply runs again next time. Records written before formats existed (``{"name": "<digest>"}``) are read
as pickles.
"""

from __future__ import annotations

import inspect
import io
import threading
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .in_place import restore_in_place
from .value_codec import decode, encode

if TYPE_CHECKING:
    from ..engine import LLMResponse, Orchestrator
    from ..store import BlobStore

__all__ = [
    "UnstorableVariables",
    "RestoredVariables",
    "store_variables",
    "load_variables",
    "pickled_names",
    "skip_reason",
    "store_definitions",
]

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes)
"""Types whose identity no program can rely on (small ints and short strings are shared anyway)."""


class UnstorableVariables(Exception):
    """Some values cannot be stored; ``problems`` maps each name to the reason."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {why}" for name, why in problems.items()))


def skip_reason(value: Any) -> str | None:
    """Why ``value`` is not worth storing (it is dead or bound to this process), or ``None`` if it is."""
    if isinstance(value, io.IOBase) and value.closed:
        return "a closed file"
    if isinstance(value, types.GeneratorType) and inspect.getgeneratorstate(value) == inspect.GEN_CLOSED:
        return "a consumed generator"
    if isinstance(value, _LOCK_TYPES):
        return "a lock"
    if type(value).__module__.startswith("ipywidgets") and hasattr(value, "model_id"):
        return "a live widget"
    return None


def _is_own_definition(value: Any, name: str) -> bool:
    """Whether ``value`` is what the cell's ``def``/``class``/``lambda`` statement for ``name`` made."""
    unwrapped = inspect.unwrap(value) if callable(value) else value
    if (
        not isinstance(unwrapped, types.FunctionType | type)
        or getattr(unwrapped, "__module__", None) != "__main__"
    ):
        return False
    return unwrapped.__qualname__ in (name, "<lambda>")


def pickled_names(record: dict[str, Any]) -> list[str]:
    """The variables of a ``vars`` record that loading would unpickle (the ones that need a trusted writer)."""
    return [
        name
        for name, entry in record.get("values", {}).items()
        if isinstance(entry, str) or entry.get("format") == "pickle"
    ]


def store_variables(
    names: tuple[str, ...],
    namespace: dict[str, Any],
    blobs: BlobStore,
    definitions: dict[str, str],
    before: dict[str, Any],
) -> dict[str, Any]:
    """Store each of ``names`` found in ``namespace``; the JSON-able record of where each one went.

    ``before`` maps names to the objects they held before the run: a stored name still bound to its object
    is restored in place, and a name bound to an unstored one of them becomes an alias. Raises
    :class:`UnstorableVariables` (having stored nothing) if a value can be neither stored nor skipped.
    """
    encoded: dict[str, tuple[str, bytes]] = {}
    values: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    deleted: list[str] = []
    skipped: dict[str, str] = {}
    problems: dict[str, str] = {}
    seen: dict[int, str] = {id(obj): name for name, obj in before.items() if name not in names}
    in_place = [n for n in names if n in before and n in namespace and namespace[n] is before[n]]
    # An object changed in place is stored under its own name first, so other names become its aliases.
    for name in dict.fromkeys((*in_place, *names)):
        if name not in namespace:
            deleted.append(name)
            continue
        value = namespace[name]
        if name in definitions and _is_own_definition(value, name):
            sources[name] = definitions[name]
            continue
        if id(value) in seen and type(value) not in _IMMUTABLE:
            values[name] = {"format": "alias", "of": seen[id(value)]}
            continue
        why = skip_reason(value)
        if why is not None:
            skipped[name] = why
            continue
        try:
            encoded[name] = encode(value)
        except Exception as exc:  # any __reduce__ may fail in its own way; each is reported by name
            problems[name] = f"a {type(value).__name__} cannot be pickled ({type(exc).__name__}: {exc})"
            continue
        seen[id(value)] = name
        values[name] = {"format": encoded[name][0]}
        if name in in_place:
            values[name]["in_place"] = True
    if problems:
        raise UnstorableVariables(problems)
    for name, (_, data) in encoded.items():
        values[name]["blob"] = blobs.put(data)
    return {"values": values, "definitions": sources, "deleted": deleted, "skipped": skipped}


def store_definitions(
    names: tuple[str, ...], namespace: dict[str, Any], definitions: dict[str, str]
) -> dict[str, Any]:
    """The record of a ``--no-vars`` cell: only the functions, classes and lambdas it defines, as source."""
    sources = {
        name: definitions[name]
        for name in names
        if name in definitions and name in namespace and _is_own_definition(namespace[name], name)
    }
    return {"values": {}, "definitions": sources, "deleted": [], "skipped": {}}


@dataclass
class RestoredVariables:
    """Values read back from the store, put into the namespace by :meth:`apply`."""

    values: dict[str, Any]
    aliases: dict[str, str]
    in_place: set[str]
    deleted: list[str]
    definitions: int
    skipped: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.values) + len(self.aliases) + self.definitions

    def apply(self, namespace: dict[str, Any]) -> list[str]:
        """Put the values into ``namespace``; returns the names that could not be restored in place."""
        rebound = []
        final: dict[str, Any] = {}
        for name, value in self.values.items():
            target = namespace.get(name)
            if name in self.in_place and name in namespace and _restored_in_place(target, value):
                final[name] = target
            else:
                if name in self.in_place:
                    rebound.append(name)
                final[name] = value
        for name, other in self.aliases.items():
            final[name] = final[other] if other in final else namespace[other]
        for name in self.deleted:
            namespace.pop(name, None)
        namespace.update(final)
        return rebound


def _restored_in_place(target: Any, value: Any) -> bool:
    try:
        return restore_in_place(target, value)
    except Exception:  # a type's own state protocol may refuse this value: rebinding is still right
        return False


def load_variables(
    record: dict[str, Any],
    orch: Orchestrator,
    responses: dict[str, LLMResponse],
    namespace: dict[str, Any],
    filename: str,
) -> RestoredVariables:
    """Read back what :func:`store_variables` stored; raises if a blob is missing or fails to load.

    What the cell imported is bound and its own functions and classes defined again in ``namespace``
    first (a decorator may be such an import, a pickled value may refer to such a class);
    the values are returned for :meth:`RestoredVariables.apply`.
    """
    entries = {
        name: {"format": "pickle", "blob": entry} if isinstance(entry, str) else entry
        for name, entry in record["values"].items()
    }
    blobs = orch.store.blobs
    for name, entry in entries.items():  # a decorator may be something the cell imported
        if entry["format"] == "import":
            namespace[name] = decode("import", blobs, entry["blob"], orch, responses)
    definitions = record.get("definitions", {})
    for source in definitions.values():
        exec(compile(source, filename, "exec"), namespace)
    values: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    in_place: set[str] = set()
    for name, entry in entries.items():
        if entry["format"] == "alias":
            if entry["of"] not in entries and entry["of"] not in namespace:
                raise KeyError(f"{name!r} is {entry['of']!r}, which the notebook no longer defines")
            aliases[name] = entry["of"]
            continue
        values[name] = decode(entry["format"], blobs, entry["blob"], orch, responses)
        if entry.get("in_place"):
            in_place.add(name)
    return RestoredVariables(
        values,
        aliases,
        in_place,
        list(record.get("deleted", [])),
        len(definitions),
        record.get("skipped", {}),
    )
