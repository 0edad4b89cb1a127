"""``LLMResponse``: one answer in a conversation, resolved now or (concurrent strategy) when first read."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

from ..call_record import CallRecord, Source, Usage
from .streaming import ChunkFeed

__all__ = ["LLMResponse", "ResponseData", "Source", "Usage"]


_RESPONSE_DATA_ORDER = ("latency_s", "cost_usd", "source", "similarity", "parsed", "chunks", "tool_calls")


def ResponseData(
    final_answer: str, model: str, provider: str, usage: Usage | None = None, *rest: Any, **named: Any
) -> CallRecord:
    """A resolved answer given as the former ``ResponseData`` class took it (``final_answer, model, provider,
    usage, latency_s, cost_usd, source, similarity, output_parsed, chunks, tool_calls``): a :class:`CallRecord`."""
    if "output_parsed" in named:
        named["parsed"] = named.pop("output_parsed")
    named.update(zip(_RESPONSE_DATA_ORDER, rest, strict=False))
    return CallRecord(final_answer, model, *dataclasses.astuple(usage or Usage()), provider=provider, **named)


class LLMResponse:
    """An LLM's answer as it sits in a :class:`~pllm_notebook.engine.MessageState`.

    ``call_id`` is known at once; every other attribute waits for the call when the strategy is
    concurrent. ``source`` says where the answer came from: a ``"live"`` call, the semantic cache
    (``"exact"`` or ``"semantic"``, with ``similarity``) or a stored run (``"memo"``).

    Iterating it yields the answer in pieces: as they arrive for a live ``stream=True`` call, the recorded
    pieces on a replay (paced ``replay_pace`` seconds apart if set), the whole text at once otherwise.
    """

    __slots__ = ("call_id", "_data", "_future", "_feed", "replay_pace")

    def __init__(
        self,
        call_id: str,
        data: CallRecord | None = None,
        future: Future | None = None,
        feed: ChunkFeed | None = None,
        replay_pace: float = 0.0,
    ) -> None:
        if (data is None) == (future is None):
            raise ValueError("an LLMResponse needs exactly one of data or future")
        self.call_id = call_id
        self._data = data
        self._future = future
        self._feed = feed
        self.replay_pace = replay_pace

    def resolve(self, timeout: float | None = None) -> CallRecord:
        """Wait for the call (if it is still running) and return its data; re-raises its error."""
        if self._data is None:
            self._data = self._future.result(timeout)
            self._future = None
        return self._data

    @property
    def done(self) -> bool:
        """Whether the answer is here (always true on the sync strategy)."""
        return self._data is not None or self._future.done()

    final_answer = property(lambda self: self.resolve().text, doc="The answer text.")
    model = property(lambda self: self.resolve().model, doc="The model that answered.")
    provider = property(lambda self: self.resolve().provider, doc="The provider that answered.")
    usage = property(lambda self: self.resolve().usage, doc="Input and output tokens.")
    latency_s = property(lambda self: self.resolve().latency_s, doc="How long the original call took.")
    cost_usd = property(lambda self: self.resolve().cost_usd, doc="What the original call cost.")
    source = property(lambda self: self.resolve().source, doc='"live", "exact", "semantic" or "memo".')
    similarity = property(lambda self: self.resolve().similarity, doc="Similarity of a semantic hit.")
    output_parsed = property(lambda self: self.resolve().parsed, doc="Structured output, if asked.")
    chunks = property(lambda self: self.resolve().chunks, doc="Streamed pieces, if streamed.")
    tool_calls = property(lambda self: self.resolve().tool_calls, doc="Function calls the model asked for.")

    @property
    def final_json(self) -> Any:
        """The answer parsed as JSON (parallem's name), or None when it is not valid JSON."""
        try:
            return json.loads(self.final_answer)
        except json.JSONDecodeError:
            return None

    def __iter__(self) -> Iterator[str]:
        """The answer in pieces (see the class docstring); a stream cut off midway raises its error."""
        if self._feed is not None:
            yield from self._feed
            self.resolve()
            return
        data = self.resolve()
        for index, piece in enumerate(data.chunks or (data.text,)):
            if index and self.replay_pace > 0:
                time.sleep(self.replay_pace)
            yield piece

    def __pllm_canonical__(self) -> tuple[str, str]:
        return ("llm_response", self.call_id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LLMResponse) and other.call_id == self.call_id

    def __hash__(self) -> int:
        return hash(self.call_id)

    def __str__(self) -> str:
        return self.final_answer

    def __repr__(self) -> str:
        if self._data is None and not self.done:
            return f"LLMResponse(call_id={self.call_id!r}, pending)"
        data = self.resolve()
        snippet = data.text if len(data.text) < 60 else data.text[:57] + "..."
        return f"LLMResponse({snippet!r}, model={data.model!r}, source={data.source!r})"

    def __reduce__(self):
        return (LLMResponse, (self.call_id, self.resolve()))
