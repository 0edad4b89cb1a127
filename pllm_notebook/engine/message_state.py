"""``MessageState``: a conversation that behaves as a list and records its own mutations."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, SupportsIndex

from ..hashing import canonical_bytes, stable_hash
from . import checkpoint
from .context import EngineContext
from .recording import MutationLog
from .response import LLMResponse


class ConversationOwner(Protocol):
    """What a conversation needs of its agent: a name, the run it belongs to, and a way to ask."""

    name: str
    context: EngineContext

    def ask_conversation(self, state: MessageState, docs: tuple[Any, ...], **kwargs: Any) -> LLMResponse:
        """Ask with ``state`` and append the prompt and the answer to it."""
        ...


class MessageState:
    """An agent's conversation: user messages (``str`` or ``(role, text)``) and ``LLMResponse`` items.

    It supports the whole mutable-list protocol. While a memo block records, every mutation is logged so
    a later run can replay it instead of running the block.
    """

    def __init__(self, agent: ConversationOwner, items: Iterable[Any] = ()) -> None:
        self._agent = agent
        self._items: list[Any] = list(items)
        self._logs: tuple[MutationLog, ...] = ()
        self._chain: list[bytes] = [hashlib.sha256(b"message_state").digest()]

    @property
    def name(self) -> str:
        """The owning agent's name; memo logs refer to states by it."""
        return self._agent.name

    @property
    def agent(self) -> ConversationOwner:
        """The agent whose conversation this is."""
        return self._agent

    # -- recording -------------------------------------------------------------------------------

    def start_recording(self, log: MutationLog) -> None:
        """Log every later mutation (and the model settings of every call) into ``log`` too."""
        self._logs = (*self._logs, log)

    def stop_recording(self, log: MutationLog) -> None:
        """Stop logging into ``log``."""
        self._logs = tuple(x for x in self._logs if x is not log)

    def _record(self, op: str, *args: Any, valid_prefix: int | None = None) -> None:
        """Log a mutation; ``valid_prefix`` is how many leading items it left untouched (default: all)."""
        if valid_prefix is not None:
            del self._chain[valid_prefix + 1 :]
        for log in self._logs:
            log.add(self, op, *args)

    def note_call(self, settings: dict[str, Any]) -> None:
        """Tell the recording logs the model settings of a call this conversation made (for the memo key)."""
        for log in self._logs:
            log.calls.append(settings)

    def apply_op(self, op: str, args: tuple[Any, ...]) -> None:
        """Replay one stored mutation (recording it too, should a block be recording)."""
        getattr(self, op)(*args)

    def state_hash(self, salt: Any = None) -> str:
        """A hash of the conversation's content (and ``salt``): equal content, equal hash.

        It is a chain over the items (each link hashes the previous link and one item's canonical
        encoding), kept between calls, so appending to or truncating a long conversation costs one link.
        """
        chain = self._chain
        for item in self._items[len(chain) - 1 :]:
            chain.append(hashlib.sha256(chain[-1] + canonical_bytes(item)).digest())
        digest = chain[len(self._items)].hex()
        return digest if salt is None else stable_hash(digest, salt)

    def __pllm_canonical__(self) -> tuple[str, str, str]:
        return ("message_state", self.name, self.state_hash())

    # -- reading ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MessageState):
            return self._items == other._items
        return isinstance(other, list) and self._items == other

    __hash__ = None  # type: ignore[assignment]

    def index(self, item: Any, *args: Any) -> int:
        return self._items.index(item, *args)

    def count(self, item: Any) -> int:
        return self._items.count(item)

    def copy(self) -> list[Any]:
        """A plain list of the items (not recorded, not a state)."""
        return list(self._items)

    def responses(self) -> list[LLMResponse]:
        """The LLM answers in this conversation, oldest first."""
        return [i for i in self._items if isinstance(i, LLMResponse)]

    def __repr__(self) -> str:
        return f"MessageState({self.name!r}, {len(self._items)} items)"

    # -- mutating (each one recorded) ----------------------------------------------------------------

    def append(self, item: Any) -> None:
        self._items.append(item)
        self._record("append", item)

    def extend(self, items: Iterable[Any]) -> None:
        items = list(items)
        self._items.extend(items)
        self._record("extend", items)

    def insert(self, index: SupportsIndex, item: Any) -> None:
        position = min(
            max(int(index) if int(index) >= 0 else len(self._items) + int(index), 0), len(self._items)
        )
        self._items.insert(position, item)
        self._record("insert", position, item, valid_prefix=position)

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            value = list(value)
            self._items[index] = value
            self._record("_set_all", list(self._items), valid_prefix=0)
        else:
            position = int(index) if int(index) >= 0 else len(self._items) + int(index)
            self._items[position] = value
            self._record("__setitem__", position, value, valid_prefix=position)

    def __delitem__(self, index: Any) -> None:
        if isinstance(index, slice):
            start = index.indices(len(self._items))[0] if index.step in (None, 1) else 0
            del self._items[index]
            self._record("_set_all", list(self._items), valid_prefix=min(start, len(self._items)))
        else:
            position = int(index) if int(index) >= 0 else len(self._items) + int(index)
            del self._items[position]
            self._record("__delitem__", position, valid_prefix=position)

    def pop(self, index: SupportsIndex = -1) -> Any:
        position = int(index) if int(index) >= 0 else len(self._items) + int(index)
        item = self._items.pop(position)
        self._record("__delitem__", position, valid_prefix=position)
        return item

    def remove(self, item: Any) -> None:
        position = self._items.index(item)
        del self._items[position]
        self._record("__delitem__", position, valid_prefix=position)

    def clear(self) -> None:
        self._items.clear()
        self._record("clear", valid_prefix=0)

    def reverse(self) -> None:
        self._items.reverse()
        self._record("reverse", valid_prefix=0)

    def sort(self, *, key: Any = None, reverse: bool = False) -> None:
        self._items.sort(key=key, reverse=reverse)
        self._record("_set_all", list(self._items), valid_prefix=0)

    def _set_all(self, items: list[Any]) -> None:
        self._items[:] = items
        self._record("_set_all", list(items), valid_prefix=0)

    def __iadd__(self, items: Iterable[Any]) -> MessageState:
        self.extend(items)
        return self

    # -- keeping -----------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        """Keep this conversation: in the resume store under the agent's name, or as JSON at ``path``."""
        if path is None:
            checkpoint.save_to_store(self._agent.context.store, self.name, self.copy())
        else:
            checkpoint.save_to_file(self.name, self.copy(), path)

    def load(self, path: str | os.PathLike[str] | None = None) -> MessageState:
        """Replace the items with the agent's last ``save()`` (kept as they are if it never saved), or
        with the file ``path``; returns this state. The change is recorded like any other."""
        if path is None:
            items = checkpoint.load_from_store(self._agent.context.store, self.name)
        else:
            items = checkpoint.load_from_file(path)
        if items is not None:
            self._set_all(items)
        return self

    # -- asking ----------------------------------------------------------------------------------

    def ask_llm(
        self,
        *docs: Any,
        instructions: str | None = None,
        llm: str | None = None,
        salt: Any = None,
        **kwargs: Any,
    ) -> LLMResponse:
        """Append the prompt (``docs``) and the model's answer; return the answer.

        Resumable: the same agent asking the same thing (same conversation so far, same model, same salt,
        same occurrence in the run) gets the stored answer with no live call. Extra keyword arguments
        (``temperature``, ``max_tokens``, ``structured_output``, ``stream``, ...) go to the provider.
        """
        return self._agent.ask_conversation(
            self, docs, instructions=instructions, llm=llm, salt=salt, **kwargs
        )

    async def ask_llm_async(
        self,
        *docs: Any,
        instructions: str | None = None,
        llm: str | None = None,
        salt: Any = None,
        **kwargs: Any,
    ) -> LLMResponse:
        """:meth:`ask_llm` for ``async`` code: ``answer = await conv.ask_llm_async(...)``.

        The prompt and the answer are appended when it is called (so the conversation's order is the order
        of the calls, as with ``ask_llm``); awaiting it waits for the answer in a worker thread, leaving the
        event loop free. With the concurrent strategy several asks gathered together run at once.
        """
        response = self.ask_llm(*docs, instructions=instructions, llm=llm, salt=salt, **kwargs)
        await asyncio.to_thread(response.resolve)
        return response
