"""Stored responses: a wrapped function's return value kept as JSON and rebuilt as the same type on a hit.

A pydantic response (OpenAI ``ChatCompletion``, Anthropic ``Message``, Gemini ``GenerateContentResponse``,
a user's own model) is stored with its class and rebuilt with ``model_validate``, so a hit returns the same
type as a miss. Dicts, strings and other JSON values are stored as they are. The answer text and token
counts are read from the response where the provider's usual layout has them, for reports and the browser.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
from typing import Any

__all__ = ["encode_response", "decode_response", "response_summary"]

_SDK_PACKAGES = frozenset({"openai", "anthropic", "google"})
"""Vendor SDKs whose response modules a lookup may import; any other class must already be imported."""

_known_types: dict[str, type] = {}
_known_lock = threading.Lock()


def _type_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def encode_response(response: Any) -> dict[str, Any]:
    """``response`` as JSON data that :func:`decode_response` turns back into an equal object."""
    dump = getattr(response, "model_dump", None)
    if callable(dump) and callable(getattr(type(response), "model_validate", None)):
        cls = type(response)
        name = _type_name(cls)
        with _known_lock:
            _known_types[name] = cls
        return {"format": "pydantic", "type": name, "data": dump(mode="json")}
    try:
        json.dumps(response)
    except (TypeError, ValueError):
        raise TypeError(
            f"cannot cache a response of type {type(response).__name__}: return a dict, a str, JSON data or "
            "a pydantic model from the wrapped function"
        ) from None
    return {"format": "json", "data": response}


def _resolve_type(name: str) -> type:
    with _known_lock:
        cls = _known_types.get(name)
    if cls is not None:
        return cls
    module_name, _, qualname = name.partition(":")
    module = sys.modules.get(module_name)
    if module is None:
        if module_name.partition(".")[0] not in _SDK_PACKAGES:
            raise TypeError(
                f"a cached response is of type {name}, whose module is not imported; import it before the "
                "lookup (a stored entry never makes pllm_notebook import code it names)"
            )
        module = importlib.import_module(module_name)
    value: Any = module
    for part in qualname.split("."):
        value = getattr(value, part)
    if not callable(getattr(value, "model_validate", None)):
        raise TypeError(f"a cached response names {name}, which is not a pydantic model")
    with _known_lock:
        _known_types[name] = value
    return value


def decode_response(payload: dict[str, Any]) -> Any:
    """The object :func:`encode_response` stored; raises if its class cannot be imported any more."""
    if payload.get("format") == "pydantic":
        return _resolve_type(payload["type"]).model_validate(payload["data"])
    return payload.get("data")


def _get(data: Any, *path: Any) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or len(data) <= step:
                return None
            data = data[step]
        else:
            if not isinstance(data, dict):
                return None
            data = data.get(step)
    return data


def _texts(parts: Any) -> str:
    if not isinstance(parts, list):
        return ""
    return "".join(p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))


def response_summary(data: Any) -> dict[str, Any]:
    """Answer text, model and token counts of a response in OpenAI, Anthropic or Gemini layout."""
    if isinstance(data, str):
        return {"text": data, "model": "", "input_tokens": 0, "output_tokens": 0}
    text = (
        _get(data, "choices", 0, "message", "content")
        or _get(data, "choices", 0, "text")
        or _texts(_get(data, "content"))
        or _texts(_get(data, "candidates", 0, "content", "parts"))
        or _get(data, "output_text")
        or _get(data, "text")
        or ""
    )
    usage = _get(data, "usage") or {}
    gemini = _get(data, "usage_metadata") or {}
    return {
        "text": text if isinstance(text, str) else json.dumps(text),
        "model": str(_get(data, "model") or _get(data, "model_version") or ""),
        "input_tokens": int(
            usage.get("prompt_tokens") or usage.get("input_tokens") or gemini.get("prompt_token_count") or 0
        ),
        "output_tokens": int(
            usage.get("completion_tokens")
            or usage.get("output_tokens")
            or gemini.get("candidates_token_count")
            or 0
        ),
    }
