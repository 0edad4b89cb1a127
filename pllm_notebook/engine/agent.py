"""``Agent``: a named participant with one conversation, memo blocks and ``ask_llm``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from ..events import AgentMessage
from ..settings import check_hash_by
from .asking import Asker
from .context import EngineContext
from .memo import Memo
from .message_state import MessageState
from .response import LLMResponse

__all__ = ["Agent", "AgentContext", "settle"]


def settle(waits: Iterable[Callable[[], Any]]) -> None:
    """Call every ``wait``, even after one fails, then re-raise the first error (so none is left pending)."""
    first_error: Exception | None = None
    for wait in waits:
        try:
            wait()
        except Exception as exc:
            first_error = first_error or exc
    if first_error is not None:
        raise first_error


class Agent:
    """One agent of an orchestrator. Use it with ``with orch.agent("name") as agt:`` or directly.

    parallem calls this type ``AgentContext`` (``pllm_notebook.AgentContext`` is the same class).
    """

    def __init__(self, context: EngineContext, asker: Asker, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("an agent needs a non-empty string name, e.g. orch.agent('writer')")
        self.context = context
        self.asker = asker
        self.name = name
        self._state = MessageState(self)
        self._memo_stack: list[Memo] = []
        self._pending: list[LLMResponse] = []

    def rebind(self, context: EngineContext, asker: Asker) -> None:
        """Follow another run (the orchestrator that adopted this agent after ``%pllm_config``)."""
        self.context, self.asker = context, asker

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.resolve_all()

    def __repr__(self) -> str:
        return f"Agent({self.name!r})"

    def get_msg_state(self) -> MessageState:
        """This agent's conversation (always the same object)."""
        return self._state

    def memoize(self, salt: Any = None) -> Memo:
        """A memo block: ``with agt.memoize(salt) as mem: mem.begin(); ...``.

        The key is the conversation at ``begin()``, ``salt``, this agent's name and the block's own
        source, so two different blocks never replay each other's work. ``salt`` also salts every
        ``ask_llm`` in the block: a new salt means fresh calls.
        """
        return Memo(self, salt, sys._getframe(1))

    def enter_block(self, memo: Memo) -> None:
        """A memo block of this agent starts: its salt and label apply to the calls inside it."""
        self._memo_stack.append(memo)

    def exit_block(self, memo: Memo) -> None:
        """The memo block ``memo`` ended (a block that never entered is ignored)."""
        if self._memo_stack and self._memo_stack[-1] is memo:
            self._memo_stack.pop()

    def add_pending(self, response: LLMResponse) -> None:
        """Keep a call running in the background, so :meth:`resolve_all` waits for it."""
        self._pending.append(response)

    def print(self, *args: Any, sep: str = " ", end: str = "\n") -> None:
        """Print, and show the text on the dashboard's activity feed."""
        text = sep.join(str(a) for a in args)
        print(text, end=end)
        self.context.emit(AgentMessage(agent=self.name, text=text))

    def resolve_all(self) -> None:
        """Wait for every call this agent started (concurrent strategy); then re-raise the first error."""
        pending, self._pending = self._pending, []
        settle(response.resolve for response in pending)

    def active_salt(self) -> Any:
        """The salts in force for a call: the notebook cell's, then each memo block's, outermost first."""
        salts = [repr(m.salt) for m in self._memo_stack if m.salt is not None]
        if self.context.scope.salt is not None:
            salts.insert(0, repr(self.context.scope.salt))
        return tuple(salts) or None

    def active_label(self) -> str:
        """The label of the innermost memo block (or cell) running, for stats and the dashboard."""
        if self._memo_stack:
            return self._memo_stack[-1].label
        return self.context.scope.label

    def ask_llm(
        self,
        documents: Any,
        *more: Any,
        instructions: str | None = None,
        llm: str | None = None,
        salt: Any = None,
        hash_by: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> LLMResponse:
        """Ask about ``documents`` alone (parallem's ``agt.ask_llm``); the agent's conversation is untouched.

        ``documents`` is one item (``str``, ``(role, text)``, an image, an ``LLMResponse``), a list of them
        or a ``MessageState``; ``more`` are further items. Resumable like ``conv.ask_llm``: the same agent
        asking the same thing in the same order gets the stored answer. ``hash_by=[]`` leaves the model out
        of that key (parallem's option; the default keeps it in).
        """
        items = list(documents) if isinstance(documents, list | MessageState) else [documents]
        return self.asker.ask(
            self,
            more,
            instructions=instructions,
            llm=llm,
            salt=salt,
            kwargs=kwargs,
            conversation=items,
            hash_by=None if hash_by is None else check_hash_by(hash_by),
        )

    def ask_conversation(self, state: MessageState, docs: tuple[Any, ...], **kwargs: Any) -> LLMResponse:
        """``state.ask_llm(*docs, **kwargs)``: ask with this agent's conversation ``state``."""
        if state is not self._state:
            raise RuntimeError("a MessageState can only ask through its own agent")
        hash_by = kwargs.pop("hash_by", None)
        return self.asker.ask(
            self,
            docs,
            instructions=kwargs.pop("instructions"),
            llm=kwargs.pop("llm"),
            salt=kwargs.pop("salt"),
            kwargs=kwargs,
            hash_by=None if hash_by is None else check_hash_by(hash_by),
        )


#: parallem's name for the type ``orch.agent()`` yields.
AgentContext = Agent
