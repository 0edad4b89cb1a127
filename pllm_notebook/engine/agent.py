"""``Agent``: a named participant with one conversation, memo blocks and ``ask_llm``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..events import AgentMessage
from .memo import Memo
from .message_state import MessageState
from .response import LLMResponse

if TYPE_CHECKING:
    from .orchestrator import Orchestrator


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

    def __init__(self, orchestrator: Orchestrator, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("an agent needs a non-empty string name, e.g. orch.agent('writer')")
        self.orchestrator = orchestrator
        self.name = name
        self._state = MessageState(self)
        self._memo_stack: list[Memo] = []
        self._pending: list[LLMResponse] = []

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

    def print(self, *args: Any, sep: str = " ", end: str = "\n") -> None:
        """Print, and show the text on the dashboard's activity feed."""
        text = sep.join(str(a) for a in args)
        print(text, end=end)
        self.orchestrator.emit(AgentMessage(agent=self.name, text=text))

    def resolve_all(self) -> None:
        """Wait for every call this agent started (concurrent strategy); then re-raise the first error."""
        pending, self._pending = self._pending, []
        settle(response.resolve for response in pending)

    def active_salt(self) -> Any:
        """The salts in force for a call: the notebook cell's, then each memo block's, outermost first."""
        salts = [repr(m.salt) for m in self._memo_stack if m.salt is not None]
        if self.orchestrator.scope_salt is not None:
            salts.insert(0, repr(self.orchestrator.scope_salt))
        return tuple(salts) or None

    def active_label(self) -> str:
        """The label of the innermost memo block (or cell) running, for stats and the dashboard."""
        if self._memo_stack:
            return self._memo_stack[-1].label
        return self.orchestrator.current_label

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
        return self.orchestrator.asker.ask(
            self,
            more,
            instructions=instructions,
            llm=llm,
            salt=salt,
            kwargs=kwargs,
            conversation=items,
            hash_by=None if hash_by is None else check_hash_by(hash_by),
        )

    def _ask(self, state: MessageState, docs: tuple[Any, ...], **kwargs: Any) -> LLMResponse:
        if state is not self._state:
            raise RuntimeError("a MessageState can only ask through its own agent")
        hash_by = kwargs.pop("hash_by", None)
        return self.orchestrator.asker.ask(
            self,
            docs,
            instructions=kwargs.pop("instructions"),
            llm=kwargs.pop("llm"),
            salt=kwargs.pop("salt"),
            kwargs=kwargs,
            hash_by=None if hash_by is None else check_hash_by(hash_by),
        )


#: parallem's ``hash_by`` options. Only ``"llm"`` is optional here: tools, structured output and every
#: other parameter are always part of a call's key, so the other options change nothing.
HASH_BY_OPTIONS = ("llm", "tool_names", "structured_output", "kwargs", "all")


def check_hash_by(hash_by: Iterable[str]) -> tuple[str, ...]:
    """``hash_by`` as a tuple (``"all"`` includes ``"llm"``); an unknown option is a ``ConfigError``."""
    if isinstance(hash_by, str):
        raise ConfigError(
            f"hash_by takes a list of options, e.g. hash_by=[{hash_by!r}], not the string {hash_by!r}"
        )
    options = tuple(hash_by)
    unknown = [h for h in options if h not in HASH_BY_OPTIONS]
    if unknown:
        raise ConfigError(f"hash_by takes options from {list(HASH_BY_OPTIONS)}; {unknown} is not one of them")
    return (*options, "llm") if "all" in options else options


#: parallem's name for the type ``orch.agent()`` yields.
AgentContext = Agent
