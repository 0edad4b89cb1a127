"""The ``openai`` provider: OpenAI's Responses API through the official ``openai`` SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import LLMRequest, ProviderReply, StreamChunk
from .batch_openai import OpenAIBatch
from .content import image_data_url, part_kind, part_text, tool_call_part
from .openai_client import OpenAIClientProvider
from .sdk_provider import split_params


def _content(role: str, parts: list[Any]) -> list[dict[str, Any]]:
    text_type = "output_text" if role == "assistant" else "input_text"
    content = []
    for part in parts:
        kind = part_kind(part)
        if kind == "text":
            content.append({"type": text_type, "text": part_text(part)})
        elif kind == "image":
            content.append({"type": "input_image", "image_url": image_data_url(part), "detail": "auto"})
        else:
            content.append(part)
    return content


def responses_input(request: LLMRequest) -> list[dict[str, Any]]:
    """The Responses ``input`` list: one message per turn; tool calls and results become their own items,
    and a ``tool`` turn's vendor dicts go in as items."""
    items: list[dict[str, Any]] = []
    for message in request.messages:
        if isinstance(message.content, str):
            items.append({"role": message.role, "content": message.content})
            continue
        parts = [p for p in message.content if part_kind(p) not in ("tool_call", "tool_result")]
        if message.role == "tool":
            items.extend(dict(p) for p in parts)
        elif parts:
            items.append({"role": message.role, "content": _content(message.role, parts)})
        for part in message.content:
            kind = part_kind(part)
            if kind == "tool_call":
                items.append(
                    {
                        "type": "function_call",
                        "call_id": part["id"],
                        "name": part["name"],
                        "arguments": part["arguments"],
                    }
                )
            elif kind == "tool_result":
                items.append(
                    {"type": "function_call_output", "call_id": part["id"], "output": part["content"]}
                )
    return items


class OpenAIResponsesProvider(OpenAIClientProvider, OpenAIBatch):
    """OpenAI models through ``client.responses`` (``OPENAI_API_KEY``)."""

    name = "openai"

    def _params(self, request: LLMRequest) -> dict[str, Any]:
        params = dict(request.params)
        if "max_tokens" in params:
            params["max_output_tokens"] = params.pop("max_tokens")
        return params

    def _kwargs(self, request: LLMRequest, method: Any) -> dict[str, Any]:
        kwargs = split_params(method, self._params(request))
        kwargs.update(model=request.model, input=responses_input(request))
        if request.instructions:
            kwargs["instructions"] = request.instructions
        if request.structured_output is not None:
            kwargs["text_format"] = request.structured_output
        return kwargs

    def batch_body(self, request: LLMRequest) -> dict[str, Any]:
        body = {**self._params(request), "model": request.model, "input": responses_input(request)}
        if request.instructions:
            body["instructions"] = request.instructions
        return body

    def batch_reply(self, body: dict[str, Any], request: LLMRequest) -> ProviderReply:
        return self._reply(self.sdk().types.responses.Response.construct(**body), request)

    def _reply(self, response: Any, request: LLMRequest) -> ProviderReply:
        usage = response.usage
        details = getattr(usage, "input_tokens_details", None) if usage else None
        raw: dict[str, Any] = {"id": response.id, "status": response.status}
        tool_calls = [
            tool_call_part(item.call_id, item.name, item.arguments)
            for item in response.output or ()
            if getattr(item, "type", "") == "function_call"
        ]
        if tool_calls:
            raw["tool_calls"] = tool_calls
        return ProviderReply(
            text=response.output_text or "",
            model=response.model or request.model,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cached_input_tokens=(getattr(details, "cached_tokens", 0) or 0) if details else 0,
            parsed=getattr(response, "output_parsed", None),
            raw=raw,
        )

    def complete_once(self, request: LLMRequest) -> ProviderReply:
        responses = self.client().responses
        method = responses.parse if request.structured_output is not None else responses.create
        return self._reply(method(**self._kwargs(request, method)), request)

    def stream_once(self, request: LLMRequest) -> Iterator[StreamChunk]:
        responses = self.client().responses
        with responses.stream(**self._kwargs(request, responses.stream)) as events:
            for event in events:
                if event.type == "response.output_text.delta":
                    yield StreamChunk(event.delta)
            final = events.get_final_response()
        yield StreamChunk("", done=True, reply=self._reply(final, request))
