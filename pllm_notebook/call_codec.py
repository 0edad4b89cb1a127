"""Every conversion of a :class:`~pllm_notebook.call_record.CallRecord`, in one place.

The call log keeps a call as a row of thirteen columns (the DuckDB ``calls`` table, a Redis hash value, an
entry of a bundle's manifest); everything that is not a column (``source``, the cache's ``similarity``
and ``entry_id``, a structured answer, streamed pieces, tool calls, cached input tokens, ``extras``) goes
in the JSON ``response`` column. That format is what resume directories and bundles already hold, so
they load unchanged. The semantic cache keeps the answer part of a record in its entries
(:func:`entry_fields`) and serves an entry back as a record (:func:`call_from_entry`). The ``response``
column itself is :attr:`CallRecord.response`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .call_record import CallRecord, Source, json_parsed

__all__ = [
    "ENTRY_FIELDS",
    "ROW_FIELDS",
    "StoredAnswer",
    "call_from_columns",
    "call_from_entry",
    "call_from_row",
    "call_to_row",
    "entry_fields",
    "savings",
]

ROW_FIELDS = (
    "call_id",
    "resume_key",
    "agent",
    "provider",
    "model",
    "request",
    "response_text",
    "response",
    "input_tokens",
    "output_tokens",
    "latency_s",
    "cost_usd",
    "created",
)
"""The columns of a logged call, in the order of the ``calls`` table."""

_TYPED = ("source", "similarity", "entry_id", "parsed", "chunks", "tool_calls", "cached_input_tokens")
"""Keys of the ``response`` column that are fields of the record; any other key lands in ``extras``."""


def call_to_row(call: CallRecord) -> dict[str, Any]:
    """The call as its log row, by column name (JSON-able apart from what ``default=str`` covers)."""
    return {
        "call_id": call.call_id,
        "resume_key": call.resume_key,
        "agent": call.agent,
        "provider": call.provider,
        "model": call.model,
        "request": call.request,
        "response_text": call.text,
        "response": call.response,
        "input_tokens": call.input_tokens,
        "output_tokens": call.output_tokens,
        "latency_s": call.latency_s,
        "cost_usd": call.cost_usd,
        "created": call.created,
    }


def call_from_row(row: Mapping[str, Any]) -> CallRecord:
    """The call a log row (DuckDB, Redis or a bundle) holds; ``request`` and ``response`` may be JSON text."""
    request, response = row.get("request"), row.get("response")
    request = json.loads(request) if isinstance(request, str) and request else request or {}
    response = dict(json.loads(response) if isinstance(response, str) and response else response or {})
    typed = {key: response.pop(key) for key in _TYPED if key in response}
    return CallRecord(
        text=row.get("response_text") or "",
        model=row.get("model") or "",
        input_tokens=int(row.get("input_tokens") or 0),
        output_tokens=int(row.get("output_tokens") or 0),
        cached_input_tokens=int(typed.get("cached_input_tokens") or 0),
        parsed=typed.get("parsed"),
        chunks=tuple(typed["chunks"]) if typed.get("chunks") else None,
        provider=row.get("provider") or "",
        latency_s=float(row.get("latency_s") or 0.0),
        cost_usd=float(row.get("cost_usd") or 0.0),
        source=typed.get("source") or "live",
        similarity=typed.get("similarity"),
        entry_id=typed.get("entry_id") or "",
        tool_calls=tuple(typed["tool_calls"]) if typed.get("tool_calls") else None,
        call_id=row["call_id"],
        resume_key=row.get("resume_key"),
        agent=row.get("agent") or "",
        request=request,
        extras=response,
        created=float(row.get("created") or 0.0),
    )


def call_from_columns(values: Sequence[Any]) -> CallRecord:
    """The call of a ``SELECT`` of :data:`ROW_FIELDS`, in that order (extra trailing columns are ignored)."""
    return call_from_row(dict(zip(ROW_FIELDS, values, strict=False)))


class StoredAnswer(Protocol):
    """What a semantic-cache entry keeps of the call that answered it (``CacheEntry`` has these)."""

    id: str
    response: dict[str, Any]
    response_text: str
    model: str
    provider: str
    input_tokens: int
    output_tokens: int
    latency_s: float
    cost_usd: float


ENTRY_FIELDS = ("model", "provider", "input_tokens", "output_tokens", "latency_s", "cost_usd")
"""What a cache entry keeps of the call that answered it under the record's own names (beside the text)."""


def savings(answer: StoredAnswer | CallRecord) -> dict[str, Any]:
    """What serving ``answer`` again saved (the original call's time, tokens and cost), as ``CacheLookup``
    fields; for a cache entry about to be served or a logged call that was a hit."""
    return {
        "time_saved_s": answer.latency_s,
        "tokens_saved": answer.input_tokens + answer.output_tokens,
        "cost_saved_usd": answer.cost_usd,
    }


def entry_fields(call: CallRecord) -> dict[str, Any]:
    """The answer part of a live call, as the fields of a cache entry (the engine's ``"reply"`` format)."""
    parsed, _ = json_parsed(call.parsed)
    fields = {name: getattr(call, name) for name in ENTRY_FIELDS}
    return {
        "response": {"format": "reply", "text": call.text, "parsed": parsed},
        "response_text": call.text,
        **fields,
    }


def call_from_entry(entry: StoredAnswer, source: Source, similarity: float, parsed: Any = None) -> CallRecord:
    """A cache entry served as the answer to a call: what the original call took and cost, and how close
    the request was (``parsed``: the structured answer, already validated by the caller)."""
    fields = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    return CallRecord(
        entry.response_text, parsed=parsed, source=source, similarity=similarity, entry_id=entry.id, **fields
    )
