"""Wire formats of the vendors' HTTP APIs: request fields we read, JSON bodies and SSE events we send.

OpenAI Responses (``POST /v1/responses``), OpenAI Chat Completions (``POST /v1/chat/completions``),
Anthropic Messages (``POST /v1/messages``) and Gemini (``POST /v1beta/models/{m}:generateContent`` and
``:streamGenerateContent?alt=sse``), as their public API references describe them.
"""

from __future__ import annotations

import json
import time
from typing import Any

ERROR_TYPES = {429: ("rate_limit_error", "RESOURCE_EXHAUSTED"), 500: ("server_error", "INTERNAL")}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    texts = []
    for part in content or ():
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            texts.append(part["text"])
    return " ".join(texts)


def prompt(protocol: str, body: dict[str, Any]) -> str:
    """The text of the last user turn of a request body."""
    if protocol == "google":
        users = [c for c in body.get("contents", []) if c.get("role", "user") == "user"]
        return _text_of(users[-1]["parts"]) if users else ""
    turns = body.get("input") if protocol == "openai" else body.get("messages")
    if isinstance(turns, str):
        return turns
    users = [t for t in turns or () if isinstance(t, dict) and t.get("role") == "user"]
    return _text_of(users[-1].get("content")) if users else ""


def model_of(protocol: str, body: dict[str, Any], path: str) -> str:
    if protocol == "google":
        return path.rsplit("/", 1)[-1].split(":", 1)[0]
    return body.get("model", "")


def tokens(text: str) -> int:
    return max(1, len(text.split()))


def error(protocol: str, status: int, message: str = "") -> tuple[int, dict[str, Any]]:
    """An error body as the vendor sends it."""
    kind, google_status = ERROR_TYPES.get(status, ("invalid_request_error", "INVALID_ARGUMENT"))
    message = message or f"fake {kind} (HTTP {status})"
    if protocol == "google":
        return status, {"error": {"code": status, "message": message, "status": google_status}}
    if protocol == "anthropic":
        return status, {"type": "error", "error": {"type": kind, "message": message}}
    return status, {"error": {"message": message, "type": kind, "param": None, "code": None}}


# -- OpenAI Responses ------------------------------------------------------------------------------


def _responses_body(model: str, text: str, n: int, status: str = "completed") -> dict[str, Any]:
    done = status == "completed"
    message = {
        "id": f"msg_{n}",
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }
    return {
        "id": f"resp_{n}",
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "model": model,
        "output": [message] if done else [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "text": {"format": {"type": "text"}},
        "usage": {
            "input_tokens": 12,
            "input_tokens_details": {"cached_tokens": 4},
            "output_tokens": tokens(text),
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 12 + tokens(text),
        }
        if done
        else None,
    }


def _responses_events(model: str, pieces: list[str], n: int) -> list[str]:
    text = "".join(pieces)
    item = {"id": f"msg_{n}", "type": "message", "status": "in_progress", "role": "assistant", "content": []}
    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    ids = {"item_id": f"msg_{n}", "output_index": 0, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": _responses_body(model, "", n, "in_progress")},
        {"type": "response.in_progress", "response": _responses_body(model, "", n, "in_progress")},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.content_part.added", **ids, "part": part},
    ]
    events += [{"type": "response.output_text.delta", **ids, "delta": p, "logprobs": []} for p in pieces]
    full_part = {**part, "text": text}
    events += [
        {"type": "response.output_text.done", **ids, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **ids, "part": full_part},
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {**item, "status": "completed", "content": [full_part]},
        },
        {"type": "response.completed", "response": _responses_body(model, text, n)},
    ]
    out = []
    for seq, event in enumerate(events):
        event["sequence_number"] = seq
        out.append(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")
    return out


# -- OpenAI Chat Completions -----------------------------------------------------------------------


def _chat_usage(text: str) -> dict[str, Any]:
    return {
        "prompt_tokens": 12,
        "completion_tokens": tokens(text),
        "total_tokens": 12 + tokens(text),
        "prompt_tokens_details": {"cached_tokens": 4},
    }


def _chat_body(model: str, text: str, n: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": _chat_usage(text),
    }


def _chat_events(model: str, pieces: list[str], n: int) -> list[str]:
    base = {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}

    chunks = [choice({"role": "assistant", "content": ""})]
    chunks += [choice({"content": p}) for p in pieces]
    chunks += [choice({}, "stop"), {**base, "choices": [], "usage": _chat_usage("".join(pieces))}]
    return [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]


# -- Anthropic Messages ----------------------------------------------------------------------------


def _anthropic_body(model: str, text: str, n: int, stop: str | None = "end_turn") -> dict[str, Any]:
    return {
        "id": f"msg_{n}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}] if text else [],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 8,
            "output_tokens": tokens(text) if text else 1,
            "cache_read_input_tokens": 4,
            "cache_creation_input_tokens": 0,
        },
    }


def _anthropic_events(model: str, pieces: list[str], n: int) -> list[str]:
    text = "".join(pieces)
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": _anthropic_body(model, "", n, None)},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ]
    events += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}
        for p in pieces
    ]
    events += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": tokens(text)},
        },
        {"type": "message_stop"},
    ]
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events]


# -- Gemini ----------------------------------------------------------------------------------------


def _gemini_body(model: str, text: str, finish: bool, output_tokens: int | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}
    body: dict[str, Any] = {"candidates": [candidate], "modelVersion": model, "responseId": "fake"}
    if finish:
        candidate["finishReason"] = "STOP"
        body["usageMetadata"] = {
            "promptTokenCount": 12,
            "candidatesTokenCount": output_tokens or tokens(text),
            "totalTokenCount": 12 + (output_tokens or tokens(text)),
            "cachedContentTokenCount": 4,
        }
    return body


def _gemini_events(model: str, pieces: list[str]) -> list[str]:
    total = tokens("".join(pieces))
    bodies = [_gemini_body(model, p, i == len(pieces) - 1, total) for i, p in enumerate(pieces)]
    return [f"data: {json.dumps(b)}\r\n\r\n" for b in bodies]


def response(protocol: str, model: str, text: str, n: int) -> dict[str, Any]:
    """A complete (non-streamed) answer body."""
    if protocol == "openai":
        return _responses_body(model, text, n)
    if protocol == "anthropic":
        return _anthropic_body(model, text, n)
    if protocol == "google":
        return _gemini_body(model, text, True)
    return _chat_body(model, text, n)


def stream_events(protocol: str, model: str, pieces: list[str], n: int) -> list[str]:
    """The SSE events of a streamed answer, each already framed."""
    if protocol == "openai":
        return _responses_events(model, pieces, n)
    if protocol == "anthropic":
        return _anthropic_events(model, pieces, n)
    if protocol == "google":
        return _gemini_events(model, pieces)
    return _chat_events(model, pieces, n)


# -- Tool calls (JSON answers only): the fake calls ``get_weather`` when offered tools, then answers with
# what the tool returned, after checking the result refers to the call it made.

TOOL_NAME = "get_weather"
TOOL_ARGS = {"city": "Paris"}


def tool_result(protocol: str, body: dict[str, Any]) -> str | None:
    """The tool output in the request's last turn, or None if there is none; ValueError if it does not
    answer the call made in the turn before."""
    if protocol == "openai":
        items = body.get("input") or []
        last, before = (items[-1], items[-2]) if len(items) > 1 else ({}, {})
        if last.get("type") != "function_call_output":
            return None
        if before.get("type") != "function_call" or before.get("call_id") != last.get("call_id"):
            raise ValueError("function_call_output does not follow its function_call")
        return last["output"]
    if protocol == "openai-chat":
        messages = body.get("messages") or []
        if not messages or messages[-1].get("role") != "tool":
            return None
        calls = [c["id"] for m in messages if m.get("role") == "assistant" for c in m.get("tool_calls") or ()]
        if messages[-1].get("tool_call_id") not in calls:
            raise ValueError("tool message answers no tool call")
        return messages[-1]["content"]
    if protocol == "anthropic":
        messages = body.get("messages") or []
        blocks = messages[-1].get("content") if messages else None
        results = [b for b in blocks or () if isinstance(b, dict) and b.get("type") == "tool_result"]
        if not results:
            return None
        uses = [
            b["id"]
            for b in messages[-2].get("content") or ()
            if isinstance(b, dict) and b.get("type") == "tool_use"
        ]
        if messages[-2].get("role") != "assistant" or results[0].get("tool_use_id") not in uses:
            raise ValueError("tool_result answers no tool_use of the previous assistant turn")
        return results[0]["content"]
    contents = body.get("contents") or []
    parts = contents[-1].get("parts", []) if contents else []
    responses = [p["functionResponse"] for p in parts if "functionResponse" in p]
    if not responses:
        return None
    calls = [p["functionCall"] for p in contents[-2].get("parts", []) if "functionCall" in p]
    if contents[-2].get("role") != "model" or not calls or calls[0]["name"] != responses[0]["name"]:
        raise ValueError("functionResponse answers no functionCall of the previous model turn")
    return responses[0]["response"]["result"]


def tool_call_response(protocol: str, model: str, n: int) -> dict[str, Any]:
    """An answer in which the model calls :data:`TOOL_NAME`."""
    arguments = json.dumps(TOOL_ARGS)
    if protocol == "openai":
        body = _responses_body(model, "", n)
        body["output"] = [
            {
                "type": "function_call",
                "id": f"fc_{n}",
                "call_id": f"call_{n}",
                "name": TOOL_NAME,
                "arguments": arguments,
                "status": "completed",
            }
        ]
        return body
    if protocol == "openai-chat":
        body = _chat_body(model, "", n)
        body["choices"][0]["message"] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_{n}",
                    "type": "function",
                    "function": {"name": TOOL_NAME, "arguments": arguments},
                }
            ],
        }
        body["choices"][0]["finish_reason"] = "tool_calls"
        return body
    if protocol == "anthropic":
        body = _anthropic_body(model, "", n, "tool_use")
        body["content"] = [{"type": "tool_use", "id": f"toolu_{n}", "name": TOOL_NAME, "input": TOOL_ARGS}]
        return body
    body = _gemini_body(model, "", True)
    body["candidates"][0]["content"]["parts"] = [{"functionCall": {"name": TOOL_NAME, "args": TOOL_ARGS}}]
    return body
