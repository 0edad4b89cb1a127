"""Mutation logs: what a memo block or cell did to conversations, in a form that can be stored and replayed.

A :class:`MutationLog` is attached to message states while a block records. Each mutation is kept as
``(state_name, op, args)``. :func:`encode_ops` turns a log into JSON-able data (large or odd items go to
the blob store) and :func:`decode_ops` turns it back, resolving ``LLMResponse`` items from the call log.
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..call_record import CallRecord, Source
from ..errors import IntegrityError
from ..store import ResumeStoreBase
from .response import LLMResponse

Op = tuple[str, str, tuple[Any, ...]]


class RecordedState(Protocol):
    """What mutations are recorded from and replayed onto: a ``MessageState`` or the ``UserData``."""

    name: str

    def apply_op(self, op: str, args: tuple[Any, ...]) -> None:
        """Replay one stored mutation."""
        ...


@dataclass
class MutationLog:
    """The mutations made to message states while a block was recording, in order, and the model settings
    of every call made meanwhile (``calls``: provider, model, whether it was the default, parameters)."""

    ops: list[Op] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def add(self, state: RecordedState, op: str, *args: Any) -> None:
        self.ops.append((state.name, op, args))

    def responses(self) -> list[LLMResponse]:
        """Every LLMResponse the block put into a conversation."""
        found = []
        for _, _, args in self.ops:
            for arg in args:
                items = arg if isinstance(arg, list) else [arg]
                found.extend(i for i in items if isinstance(i, LLMResponse))
        return found

    def __len__(self) -> int:
        return len(self.ops)


def _structured(call: CallRecord, expected: Any) -> Any:
    """A stored structured answer as the pydantic model it was asked for, not a dict.

    The model class is the one the request names, else the stored ``"module:QualName"`` if that module is
    already imported (a replay never imports code because a stored row says so).
    """
    parsed = call.parsed
    if not isinstance(parsed, dict):
        return parsed
    model = expected
    if model is None and call.extras.get("parsed_type"):
        module_name, _, qualname = str(call.extras["parsed_type"]).partition(":")
        model = sys.modules.get(module_name)
        for part in qualname.split(".") if model is not None else ():
            model = getattr(model, part, None)
    validate = getattr(model, "model_validate", None)
    return validate(parsed) if callable(validate) else parsed


def response_from_record(
    store: ResumeStoreBase, call_id: str, source: Source = "memo", structured_output: Any = None
) -> LLMResponse:
    """Rebuild a stored call as an ``LLMResponse`` with no provider call, extras included (structured
    answer, tool calls, streamed pieces, cached input tokens)."""
    record = store.call(call_id)
    if record is None:
        raise IntegrityError(
            f"memo refers to call {call_id}, which is not in {store.where}; the entry cannot be replayed"
        )
    return LLMResponse(
        call_id,
        dataclasses.replace(record, source=source, parsed=_structured(record, structured_output)),
    )


def _encode_item(item: Any, store: ResumeStoreBase) -> Any:
    if isinstance(item, LLMResponse):
        return {"t": "r", "id": item.call_id}
    if isinstance(item, str):
        return {"t": "s", "v": item}
    if isinstance(item, tuple) and len(item) == 2 and all(isinstance(x, str) for x in item):
        return {"t": "m", "role": item[0], "v": item[1]}
    if isinstance(item, list):
        return {"t": "l", "v": [_encode_item(i, store) for i in item]}
    if isinstance(item, int | float | bool) or item is None:
        return {"t": "j", "v": item}
    return {"t": "p", "blob": store.blobs.put(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))}


def _decode_item(data: Any, store: ResumeStoreBase) -> Any:
    kind = data["t"]
    if kind == "r":
        return response_from_record(store, data["id"])
    if kind == "s":
        return data["v"]
    if kind == "m":
        return (data["role"], data["v"])
    if kind == "l":
        return [_decode_item(i, store) for i in data["v"]]
    if kind == "j":
        return data["v"]
    if kind == "p":
        return pickle.loads(store.blobs.get(data["blob"]))
    raise IntegrityError(f"unknown item kind {kind!r} in a stored memo")


def encode_ops(log: MutationLog, store: ResumeStoreBase) -> list[dict[str, Any]]:
    """A JSON-able form of ``log``."""
    return [
        {"state": name, "op": op, "args": [_encode_item(a, store) for a in args]}
        for name, op, args in log.ops
    ]


def decode_ops(data: list[dict[str, Any]], store: ResumeStoreBase) -> list[Op]:
    """The mutations stored by :func:`encode_ops`, with responses resolved from the call log."""
    return [(d["state"], d["op"], tuple(_decode_item(a, store) for a in d["args"])) for d in data]


def replay_ops(ops: list[Op], state_for: Callable[[str], RecordedState]) -> None:
    """Apply stored mutations, in order, to the states ``state_for(name)`` returns."""
    for name, op, args in ops:
        state_for(name).apply_op(op, args)


def call_ids(data: list[dict[str, Any]]) -> list[str]:
    """The call ids a stored op list refers to, in order (for savings accounting)."""
    found: list[str] = []

    def walk(item: dict[str, Any]) -> None:
        if item["t"] == "r":
            found.append(item["id"])
        elif item["t"] == "l":
            for sub in item["v"]:
                walk(sub)

    for d in data:
        for a in d["args"]:
            walk(a)
    return found
