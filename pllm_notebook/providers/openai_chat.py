"""The ``openai-chat`` provider: OpenAI's Chat Completions API through the official ``openai`` SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import LLMRequest, ProviderReply, StreamChunk
from .batch_openai import OpenAIBatch
from .content import image_data_url, part_kind, part_text, tool_call_part
from .openai_client import OpenAIClientProvider
from .sdk_provider import split_params


def _content(parts: list[Any]) -> list[dict[str, Any]]:
    content = []
    for part in parts:
        kind = part_kind(part)
        if kind == "text":
            content.append({"type": "text", "text": part_text(part)})
        elif kind == "image":
            content.append({"type": "image_url", "image_url": {"url": image_data_url(part)}})
        else:
            content.append(part)
    return content


def chat_messages(request: LLMRequest) -> list[dict[str, Any]]:
    """Chat ``messages``: the system prompt first, then one message per turn; tool calls ride on the
    assistant message, each tool result is a ``tool`` message, other dicts of a ``tool`` turn pass as they are."""
    messages: list[dict[str, Any]] = []
    if request.instructions:
        messages.append({"role": "system", "content": request.instructions})
    for message in request.messages:
        if isinstance(message.content, str):
            messages.append({"role": message.role, "content": message.content})
            continue
        parts = [p for p in message.content if part_kind(p) not in ("tool_call", "tool_result")]
        calls = [p for p in message.content if part_kind(p) == "tool_call"]
        if message.role == "tool":
            messages.extend(dict(p) for p in parts)
        elif parts or calls:
            turn: dict[str, Any] = {"role": message.role, "content": _content(parts) if parts else None}
            if calls:
                turn["tool_calls"] = [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": c["arguments"]},
                    }
                    for c in calls
                ]
            messages.append(turn)
        messages.extend(
            {"role": "tool", "tool_call_id": p["id"], "content": p["content"]}
            for p in message.content
            if part_kind(p) == "tool_result"
        )
    return messages


class OpenAIChatProvider(OpenAIClientProvider, OpenAIBatch):
    """OpenAI models through ``client.chat.completions`` (``OPENAI_API_KEY``)."""

    name = "openai-chat"
    batch_endpoint = "/v1/chat/completions"

    def _kwargs(self, request: LLMRequest, method: Any) -> dict[str, Any]:
        kwargs = split_params(method, request.params)
        kwargs.update(model=request.model, messages=chat_messages(request))
        if request.structured_output is not None:
            kwargs["response_format"] = request.structured_output
        return kwargs

    def batch_body(self, request: LLMRequest) -> dict[str, Any]:
        return {**request.params, "model": request.model, "messages": chat_messages(request)}

    def batch_reply(self, body: dict[str, Any], request: LLMRequest) -> ProviderReply:
        return self._reply(self.sdk().types.chat.ChatCompletion.construct(**body), request)

    def _reply(self, completion: Any, request: LLMRequest) -> ProviderReply:
        usage = completion.usage
        details = getattr(usage, "prompt_tokens_details", None) if usage else None
        message = completion.choices[0].message if completion.choices else None
        raw: dict[str, Any] = {
            "id": completion.id,
            "finish_reason": completion.choices[0].finish_reason if completion.choices else None,
        }
        tool_calls = [
            tool_call_part(c.id, c.function.name, c.function.arguments)
            for c in (getattr(message, "tool_calls", None) or ())
            if getattr(c, "function", None) is not None
        ]
        if tool_calls:
            raw["tool_calls"] = tool_calls
        return ProviderReply(
            text=(message.content or "") if message else "",
            model=completion.model or request.model,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            cached_input_tokens=(getattr(details, "cached_tokens", 0) or 0) if details else 0,
            parsed=getattr(message, "parsed", None),
            raw=raw,
        )

    def complete_once(self, request: LLMRequest) -> ProviderReply:
        completions = self.client().chat.completions
        method = completions.parse if request.structured_output is not None else completions.create
        return self._reply(method(**self._kwargs(request, method)), request)

    def stream_once(self, request: LLMRequest) -> Iterator[StreamChunk]:
        completions = self.client().chat.completions
        kwargs = self._kwargs(request, completions.stream)
        kwargs.setdefault("stream_options", {"include_usage": True})
        with completions.stream(**kwargs) as events:
            for event in events:
                if event.type == "content.delta":
                    yield StreamChunk(event.delta)
            final = events.get_final_completion()
        if not final.choices or final.choices[0].finish_reason is None:
            raise RuntimeError("the stream ended before a finish_reason arrived")
        yield StreamChunk("", done=True, reply=self._reply(final, request))
