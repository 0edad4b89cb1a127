"""``CallRecord``: one LLM call, the single shape every layer passes around.

A provider returns one (its text, model and token counts, under its old name ``ProviderReply``); the
engine prices it, says where the answer came from (``source``) and logs it in the resume store; the
semantic cache serves a stored answer as one; ``LLMCallFinished`` carries it to the watchers and the
dashboard rebuilds its events from the ones the store kept. How a record is written to a store row, a
bundle, Redis or a cache entry, and read back, is in :mod:`pllm_notebook.call_codec`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["CallRecord", "Source", "Usage", "json_parsed"]

Source = Literal["live", "exact", "semantic", "memo"]
"""Where an answer came from: a live call, the semantic cache (exact or similar request), or a stored run."""


def json_parsed(parsed: Any) -> tuple[Any, str]:
    """A structured answer as JSON data, and ``"module:QualName"`` of its pydantic type ("" for plain data)."""
    dump = getattr(parsed, "model_dump", None)
    if not callable(dump):
        return parsed, ""
    kind = type(parsed)
    return dump(mode="json"), f"{kind.__module__}:{kind.__qualname__}"


@dataclass(frozen=True)
class Usage:
    """Token counts the provider reported for one call."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass
class CallRecord:
    """One LLM call: what was asked, what came back, what it took and cost, and where the answer came from.

    The first fields are what a provider fills (``ProviderReply(text, model, input_tokens, output_tokens)``
    still works positionally); ``raw`` holds vendor details that are never stored (``tool_calls`` and the
    serving ``provider`` are lifted out of it when the engine prices the reply). The engine fills the rest:
    ``provider``, ``latency_s`` (how long the original call took), ``cost_usd``, ``source``, the cache's
    ``similarity`` and ``entry_id``, and the resume log's ``call_id``, ``resume_key``, ``agent`` and the
    redacted canonical ``request``. ``extras`` keeps what the call log stores beside them (the notebook
    cell that asked, the type of a structured answer).
    """

    text: str = ""
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    parsed: Any = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    chunks: tuple[str, ...] | list[str] | None = field(default=None, repr=False)
    provider: str = ""
    latency_s: float = 0.0
    cost_usd: float = 0.0
    source: Source = "live"
    similarity: float | None = None
    entry_id: str = ""
    tool_calls: tuple[dict[str, Any], ...] | None = field(default=None, repr=False)
    call_id: str = ""
    resume_key: str | None = None
    agent: str = ""
    request: dict[str, Any] = field(default_factory=dict, repr=False)
    extras: dict[str, Any] = field(default_factory=dict, repr=False)
    created: float = field(default_factory=time.time)

    @property
    def usage(self) -> Usage:
        """The token counts as one value."""
        return Usage(self.input_tokens, self.output_tokens, self.cached_input_tokens)

    @property
    def response_text(self) -> str:
        """The answer text under the call log's column name."""
        return self.text

    @property
    def response(self) -> dict[str, Any]:
        """What the call log keeps beside the text (its JSON ``response`` column): where the answer came
        from, the cache's similarity and entry, a structured answer, streamed pieces, tool calls, cached
        input tokens, and ``extras``."""
        out: dict[str, Any] = {**self.extras, "source": self.source}
        if self.source in ("exact", "semantic"):
            out["similarity"] = self.similarity
            out["entry_id"] = self.entry_id
        if self.parsed is not None:
            out["parsed"], parsed_type = json_parsed(self.parsed)
            if parsed_type:
                out["parsed_type"] = parsed_type
        if self.chunks:
            out["chunks"] = list(self.chunks)
        if self.tool_calls:
            out["tool_calls"] = list(self.tool_calls)
        if self.cached_input_tokens:
            out["cached_input_tokens"] = self.cached_input_tokens
        return out
