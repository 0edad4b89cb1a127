"""Canonical requests: one form for OpenAI-, Anthropic- and Gemini-style keyword arguments and the engine's
``LLMRequest``, from which the cache derives its partition, its exact key and the text it embeds.

Two requests that must get the same answer get the same canonical form: dict key order, whitespace around
keys, absent versus ``None`` arguments, ``"text"`` versus ``[{"type": "text", "text": "text"}]`` content,
leading system messages versus ``system=`` do not matter. Transport options (timeouts, headers, API keys,
``stream``) are dropped: they never change the answer and must never be stored.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from ..hashing import stable_hash

if TYPE_CHECKING:
    from ..providers import LLMRequest

__all__ = ["CanonicalRequest", "canonical_from_kwargs", "canonical_from_request", "jsonable"]

#: Keyword arguments that never change an answer (or hold secrets): not hashed, not stored.
TRANSPORT_KEYS = frozenset(
    {
        "stream",
        "stream_options",
        "timeout",
        "extra_headers",
        "extra_query",
        "headers",
        "api_key",
        "http_options",
        "request_options",
        "max_retries",
    }
)
_SYSTEM_ROLES = ("system", "developer")
_PART_KEYS_IGNORED = ("cache_control",)


@dataclass(frozen=True)
class CanonicalRequest:
    """A request reduced to what decides its answer.

    ``context_hash`` covers everything but the last user message (model, system prompt, earlier turns,
    parameters, tools, response format, cache_context); ``exact_key`` covers the whole request.
    ``prompt`` is the last user message's text, the only part that is embedded ("" when there is none).
    ``stored`` is the JSON form kept with an entry (no transport options, no secrets, images as digests).
    """

    model: str
    prompt: str
    context_hash: str
    exact_key: str
    stored: dict[str, Any]


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data with canonical keys; raises TypeError for what has no stable form."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Mapping):
        return {str(k).strip(): jsonable(v) for k, v in value.items() if not _absent(v)}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=repr)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal | PurePath):
        return str(value)
    if isinstance(value, type) and callable(getattr(value, "model_json_schema", None)):
        return {"schema": jsonable(value.model_json_schema())}
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return jsonable(dump(mode="json", exclude_none=True))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    raise TypeError(
        f"a request argument of type {type(value).__name__} has no stable form to cache it under; "
        "pass JSON-like values (str, numbers, lists, dicts), pydantic models or dataclasses"
    )


def _absent(value: Any) -> bool:
    """None, and the SDKs' "not given" sentinels (openai.NOT_GIVEN, anthropic.NOT_GIVEN, Omit)."""
    return value is None or type(value).__name__ in ("NotGiven", "Omit")


def _part(part: Any) -> Any:
    if isinstance(part, str):
        return {"type": "text", "text": part}
    data = jsonable(part)
    if not isinstance(data, dict):
        return data
    for key in _PART_KEYS_IGNORED:
        data.pop(key, None)
    if data.get("type") in ("text", "input_text") or (set(data) == {"text"}):
        return {"type": "text", "text": data.get("text", "")}
    return data


def _content(content: Any) -> Any:
    """Text stays text; a list of parts whose only part is text becomes that text."""
    if content is None or isinstance(content, str):
        return content or ""
    parts = [_part(p) for p in (content if isinstance(content, list | tuple) else [content])]
    if len(parts) == 1 and isinstance(parts[0], dict) and parts[0].get("type") == "text":
        return parts[0]["text"]
    return parts


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content.strip()
    texts = [p["text"] for p in content if isinstance(p, dict) and p.get("type") == "text"]
    return "\n".join(texts).strip()


def _message(message: Any) -> dict[str, Any]:
    data = jsonable(message)
    if not isinstance(data, dict) or "role" not in data:
        raise TypeError(f"a message must be a dict (or model) with a 'role', got {type(message).__name__}")
    if "parts" in data and "content" not in data:  # Gemini Content
        data["content"] = data.pop("parts")
    data["role"] = {"model": "assistant"}.get(data["role"], data["role"])
    data["content"] = _content(data.get("content"))
    return data


def _gemini_messages(contents: Any) -> list[dict[str, Any]]:
    if isinstance(contents, str):
        return [{"role": "user", "content": contents}]
    items = list(contents) if isinstance(contents, list | tuple) else [contents]
    if all(isinstance(i, str) for i in items):
        return [{"role": "user", "content": _content(items)}]
    messages = []
    for item in items:
        data = jsonable(item)
        if isinstance(data, dict) and "role" in data:
            messages.append(_message(data))
        else:
            messages.append({"role": "user", "content": _content([data] if isinstance(data, dict) else data)})
    return messages


def canonical_from_kwargs(kwargs: Mapping[str, Any], cache_context: Mapping[str, Any]) -> CanonicalRequest:
    """The canonical form of a call's keyword arguments (OpenAI, Anthropic or Gemini style)."""
    params = {
        str(k).strip(): v
        for k, v in kwargs.items()
        if str(k).strip() not in TRANSPORT_KEYS and not _absent(v)
    }
    model = str(params.pop("model", ""))
    system: list[Any] = []
    if "system" in params:  # Anthropic
        system.append(_content(params.pop("system")))
    if "contents" in params:  # Gemini
        messages = _gemini_messages(params.pop("contents"))
        config = jsonable(params.pop("config", None) or {})
        for key in TRANSPORT_KEYS:
            config.pop(key, None)
        if "system_instruction" in config:
            instruction = config.pop("system_instruction")
            if isinstance(instruction, dict) and "parts" in instruction:
                instruction = instruction["parts"]
            system.append(_content(instruction))
        params.update(config)
    else:
        messages = [_message(m) for m in params.pop("messages", None) or []]
    while messages and messages[0]["role"] in _SYSTEM_ROLES:
        system.append(messages.pop(0)["content"])
    params = jsonable(params)
    context = jsonable(cache_context)
    last = messages[-1] if messages and messages[-1]["role"] == "user" else None
    earlier = messages[:-1] if last is not None else messages
    system_form = system[0] if len(system) == 1 else system
    context_hash = stable_hash("cache-context", model, system_form, earlier, params, context)
    return CanonicalRequest(
        model=model,
        prompt=_content_text(last["content"]) if last is not None else "",
        context_hash=context_hash,
        exact_key=stable_hash("cache-exact", context_hash, last),
        stored={
            "model": model,
            "system": system_form,
            "messages": messages,
            "params": params,
            "cache_context": context,
        },
    )


def canonical_from_request(request: LLMRequest, cache_context: Mapping[str, Any]) -> CanonicalRequest:
    """The canonical form of the engine's provider-neutral request."""
    kwargs: dict[str, Any] = dict(request.params)
    kwargs.update(
        model=request.model,
        system=request.instructions,
        messages=[m.canonical() for m in request.messages],
        response_format=request.structured_output,
    )
    return canonical_from_kwargs(kwargs, cache_context)
