"""What every LLM provider adapter takes and gives back.

An adapter turns an :class:`LLMRequest` (provider-neutral) into one call to its vendor and returns a
:class:`ProviderReply` (a :class:`~pllm_notebook.call_record.CallRecord` with the provider's part filled).
Everything above this layer (memo, cache, stats) sees only these two types.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..call_record import CallRecord

__all__ = ["Message", "LLMRequest", "ProviderReply", "StreamChunk", "Provider"]


@dataclass(frozen=True)
class Message:
    """One turn of a conversation. ``content`` is text or a tuple of parts (dicts) for images and tools."""

    role: str
    content: str | tuple[Any, ...]

    def canonical(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "content": self.content if isinstance(self.content, str) else list(self.content),
        }


@dataclass(frozen=True)
class LLMRequest:
    """A provider-neutral request: model, turns, system prompt and sampling parameters."""

    model: str
    messages: tuple[Message, ...]
    instructions: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    structured_output: Any = None
    stream: bool = False

    @property
    def last_user_text(self) -> str:
        """The text of the last user turn: what a semantic cache embeds."""
        for message in reversed(self.messages):
            if message.role == "user":
                if isinstance(message.content, str):
                    return message.content
                return " ".join(
                    str(p.get("text", "")) for p in message.content if isinstance(p, Mapping) and "text" in p
                )
        return ""

    def canonical(self) -> dict[str, Any]:
        """A JSON-able form that is equal for requests that must get the same answer."""
        schema = None
        if self.structured_output is not None:
            to_schema = getattr(self.structured_output, "model_json_schema", None)
            schema = to_schema() if callable(to_schema) else repr(self.structured_output)
        return {
            "model": self.model,
            "instructions": self.instructions,
            "messages": [m.canonical() for m in self.messages],
            "params": dict(sorted(self.params.items())),
            "structured_output": schema,
        }


ProviderReply = CallRecord
"""What a provider answered, with the token counts it reported: a :class:`CallRecord` whose provider
fields (``text``, ``model``, ``input_tokens``, ``output_tokens``, ``cached_input_tokens``, ``parsed``,
``raw``, ``chunks``) are filled; the engine fills the rest. Kept under this name for provider plugins."""


@dataclass(frozen=True)
class StreamChunk:
    """One piece of a streamed answer; the last one carries the usage."""

    text: str
    done: bool = False
    reply: ProviderReply | None = None


class Provider(ABC):
    """An LLM vendor behind one interface. Subclasses implement :meth:`complete`; the rest has defaults."""

    name: str = "provider"
    default_model: str = ""

    def check_ready(self) -> None:  # noqa: B027 - optional hook
        """Raise a clear error (a missing API key, say) before any work starts."""

    @abstractmethod
    def complete(self, request: LLMRequest) -> ProviderReply:
        """Make one call and wait for the whole answer."""

    async def acomplete(self, request: LLMRequest) -> ProviderReply:
        """Make one call without blocking the event loop (a thread by default)."""
        return await asyncio.to_thread(self.complete, request)

    def stream(self, request: LLMRequest) -> Iterator[StreamChunk]:
        """Yield the answer in pieces as it arrives; providers without streaming yield it whole."""
        start = time.perf_counter()
        reply = self.complete(request)
        reply.raw.setdefault("latency_s", time.perf_counter() - start)
        yield StreamChunk(reply.text, done=True, reply=reply)

    async def astream(self, request: LLMRequest) -> AsyncIterator[StreamChunk]:
        """The async form of :meth:`stream`."""
        for chunk in await asyncio.to_thread(lambda: list(self.stream(request))):
            yield chunk
