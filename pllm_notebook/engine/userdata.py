"""``orch.userdata``: parallem's dict of values beside the conversations, replayed by memo blocks."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from .recording import MutationLog

#: The name ``userdata`` goes by in mutation logs; agent names never start with a NUL byte.
USERDATA_NAME = "\x00userdata"


class UserData(MutableMapping[str, Any]):
    """A dict shared by an orchestrator's agents (parallem's ``orch.userdata``).

    Like a :class:`~pllm_notebook.engine.MessageState`, every change made inside a memo block is recorded,
    so a memo hit restores it. Keys are strings; values are anything a memo can store.
    """

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._logs: tuple[MutationLog, ...] = ()

    name = USERDATA_NAME

    def start_recording(self, log: MutationLog) -> None:
        """Log every later change into ``log`` too (a memo block records)."""
        self._logs = (*self._logs, log)

    def stop_recording(self, log: MutationLog) -> None:
        """Stop logging into ``log``."""
        self._logs = tuple(x for x in self._logs if x is not log)

    def apply_op(self, op: str, args: tuple[Any, ...]) -> None:
        """Replay one stored change."""
        getattr(self, op)(*args)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(
                f"userdata keys are strings, got {type(key).__name__}; write orch.userdata[str(key)]"
            )
        self._data[key] = value
        for log in self._logs:
            log.add(self, "__setitem__", key, value)

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        for log in self._logs:
            log.add(self, "__delitem__", key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"UserData({self._data!r})"
