"""The ``anthropic`` provider: Claude through the Messages API and the official ``anthropic`` SDK."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from types import ModuleType
from typing import Any

from .base import LLMRequest, Message, ProviderReply, StreamChunk
from .batch import BatchItem, BatchProvider, BatchStatus, check_custom_ids
from .content import image_b64, part_kind, part_text, tool_arguments, tool_call_part
from .retry import Failure
from .sdk_provider import SDKProvider, classify_openai_style, import_sdk, split_params

DEFAULT_MAX_TOKENS = 1024


def _blocks(message: Message) -> Any:
    if isinstance(message.content, str):
        return message.content
    blocks = []
    for part in message.content:
        kind = part_kind(part)
        if kind == "text":
            blocks.append({"type": "text", "text": part_text(part)})
        elif kind == "image":
            mime, data = image_b64(part)
            blocks.append({"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}})
        elif kind == "tool_call":
            blocks.append(
                {"type": "tool_use", "id": part["id"], "name": part["name"], "input": tool_arguments(part)}
            )
        elif kind == "tool_result":
            blocks.append({"type": "tool_result", "tool_use_id": part["id"], "content": part["content"]})
        else:
            blocks.append(part)
    return blocks


def anthropic_messages(request: LLMRequest) -> tuple[str | None, list[dict[str, Any]]]:
    """``(system, messages)``: system turns join the system prompt; a ``tool`` turn is sent as the user
    turn carrying ``tool_result`` blocks, as the Messages API wants."""
    system = [request.instructions] if request.instructions else []
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        if message.role in ("system", "developer"):
            system.append(
                message.content if isinstance(message.content, str) else part_text(message.content[0])
            )
            continue
        role = "user" if message.role == "tool" else message.role
        messages.append({"role": role, "content": _blocks(message)})
    return ("\n\n".join(system) or None), messages


class AnthropicProvider(SDKProvider, BatchProvider):
    """Claude models through ``client.messages`` (``ANTHROPIC_API_KEY``); ``max_tokens`` defaults to 1024."""

    name = "anthropic"
    default_model = "claude-haiku-4-5"
    key_env = ("ANTHROPIC_API_KEY",)

    def sdk(self) -> ModuleType:
        return import_sdk("anthropic", "anthropic")

    def make_client(self, api_key: str) -> Any:
        return self.sdk().Anthropic(
            api_key=api_key, base_url=self.base_url, max_retries=0, timeout=self.timeout
        )

    def classify(self, exc: Exception) -> Failure:
        return classify_openai_style(self.sdk(), exc)

    def _kwargs(self, request: LLMRequest, method: Any) -> dict[str, Any]:
        kwargs = split_params(method, {"max_tokens": DEFAULT_MAX_TOKENS, **request.params})
        system, messages = anthropic_messages(request)
        kwargs.update(model=request.model, messages=messages)
        if system:
            kwargs["system"] = system
        if request.structured_output is not None:
            kwargs["output_format"] = request.structured_output
        return kwargs

    # -- Message Batches: ``messages.batches`` create, retrieve, results (JSONL) --------------------

    def batch_submit(self, requests: Sequence[tuple[str, LLMRequest]]) -> str:
        check_custom_ids(requests)
        entries = []
        for custom_id, request in requests:
            system, messages = anthropic_messages(request)
            params = {"max_tokens": DEFAULT_MAX_TOKENS, **request.params, "model": request.model}
            params["messages"] = messages
            if system:
                params["system"] = system
            entries.append({"custom_id": custom_id, "params": params})
        return self.retrying(lambda: self.client().messages.batches.create(requests=entries)).id

    def batch_status(self, batch_id: str) -> BatchStatus:
        job = self.retrying(lambda: self.client().messages.batches.retrieve(batch_id))
        counts = job.request_counts
        failed = counts.errored + counts.canceled + counts.expired
        total = failed + counts.succeeded + counts.processing
        return BatchStatus(
            batch_id,
            job.processing_status,
            job.processing_status == "ended",
            total,
            total - counts.processing,
            failed,
        )

    def batch_results(self, batch_id: str, requests: Mapping[str, LLMRequest]) -> dict[str, BatchItem]:
        lines = self.retrying(lambda: list(self.client().messages.batches.results(batch_id)))
        results: dict[str, BatchItem] = {}
        for line in lines:
            if line.custom_id not in requests:
                continue
            result = line.result
            if result.type == "succeeded":
                results[line.custom_id] = BatchItem(self._reply(result.message, requests[line.custom_id]))
            elif result.type == "errored":
                error = result.error.error
                results[line.custom_id] = BatchItem(error=f"{error.type}: {error.message}")
            else:
                results[line.custom_id] = BatchItem(error=f"the request was {result.type} before it ran")
        return results

    def _reply(self, message: Any, request: LLMRequest) -> ProviderReply:
        usage = message.usage
        text = "".join(b.text for b in message.content if getattr(b, "type", "") == "text")
        raw: dict[str, Any] = {"id": message.id, "stop_reason": message.stop_reason}
        tool_calls = [
            tool_call_part(b.id, b.name, b.input)
            for b in message.content
            if getattr(b, "type", "") == "tool_use"
        ]
        if tool_calls:
            raw["tool_calls"] = tool_calls
        cached = (getattr(usage, "cache_read_input_tokens", 0) or 0) if usage else 0
        return ProviderReply(
            text=text,
            model=message.model or request.model,
            input_tokens=(usage.input_tokens + cached) if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cached_input_tokens=cached,
            parsed=getattr(message, "parsed_output", None),
            raw=raw,
        )

    def complete_once(self, request: LLMRequest) -> ProviderReply:
        messages = self.client().messages
        method = messages.parse if request.structured_output is not None else messages.create
        return self._reply(method(**self._kwargs(request, method)), request)

    def stream_once(self, request: LLMRequest) -> Iterator[StreamChunk]:
        messages = self.client().messages
        with messages.stream(**self._kwargs(request, messages.stream)) as events:
            yield from (StreamChunk(text) for text in events.text_stream)
            final = events.get_final_message()
        if final.stop_reason is None:
            raise RuntimeError("the stream ended before a stop_reason arrived")
        yield StreamChunk("", done=True, reply=self._reply(final, request))
