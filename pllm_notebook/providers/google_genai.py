"""The ``google`` provider: Gemini through the official ``google-genai`` SDK."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from types import ModuleType
from typing import Any

from .base import LLMRequest, Message, ProviderReply, StreamChunk
from .batch import BatchItem, BatchProvider, BatchStatus, check_custom_ids
from .content import image_b64, part_kind, part_text, tool_arguments, tool_call_part
from .retry import Failure
from .sdk_provider import SDKProvider, import_sdk, status_failure

GEMINI_FINISHED = ("JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED")


def _parts(message: Message) -> list[dict[str, Any]]:
    if isinstance(message.content, str):
        return [{"text": message.content}]
    parts: list[dict[str, Any]] = []
    for part in message.content:
        kind = part_kind(part)
        if kind == "text":
            parts.append({"text": part_text(part)})
        elif kind == "image":
            mime, data = image_b64(part)
            parts.append({"inline_data": {"mime_type": mime, "data": data}})
        elif kind == "tool_call":
            call = {"name": part["name"], "args": tool_arguments(part)}
            parts.append({"function_call": {**call, "id": part["id"]} if part["id"] else call})
        elif kind == "tool_result":
            reply = {"name": part["name"], "response": {"result": part["content"]}}
            parts.append({"function_response": {**reply, "id": part["id"]} if part["id"] else reply})
        else:
            parts.append(dict(part))
    return parts


def gemini_contents(request: LLMRequest) -> tuple[str | None, list[dict[str, Any]]]:
    """``(system_instruction, contents)``; Gemini calls the assistant ``model`` and has no system turns."""
    system = [request.instructions] if request.instructions else []
    contents = []
    for message in request.messages:
        if message.role in ("system", "developer"):
            system.append(
                message.content if isinstance(message.content, str) else part_text(message.content[0])
            )
            continue
        role = "model" if message.role == "assistant" else "user"
        contents.append({"role": role, "parts": _parts(message)})
    return ("\n\n".join(system) or None), contents


class GoogleGenAIProvider(SDKProvider, BatchProvider):
    """Gemini models through ``client.models`` (``GOOGLE_API_KEY`` or ``GEMINI_API_KEY``)."""

    name = "google"
    default_model = "gemini-2.5-flash"
    key_env = ("GOOGLE_API_KEY", "GEMINI_API_KEY")

    def sdk(self) -> ModuleType:
        return import_sdk("google.genai", "google")

    def make_client(self, api_key: str) -> Any:
        types = import_sdk("google.genai.types", "google")
        options = types.HttpOptions(
            base_url=self.base_url,
            timeout=int(self.timeout * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        return self.sdk().Client(api_key=api_key, http_options=options)

    def classify(self, exc: Exception) -> Failure:
        errors = import_sdk("google.genai.errors", "google")
        if isinstance(exc, errors.APIError):
            headers = getattr(getattr(exc, "response", None), "headers", None)
            return status_failure(exc.code, exc.message or str(exc), headers)
        if any(
            c.__name__ == "TransportError" and c.__module__.startswith("httpx") for c in type(exc).__mro__
        ):
            return Failure(f"connection failed: {exc}", None, True)
        return Failure(f"{type(exc).__name__}: {exc}")

    def _config(self, request: LLMRequest) -> Any:
        params = dict(request.params)
        if "max_tokens" in params:
            params["max_output_tokens"] = params.pop("max_tokens")
        system, _ = gemini_contents(request)
        if system:
            params["system_instruction"] = system
        if request.structured_output is not None:
            params.update(response_mime_type="application/json", response_schema=request.structured_output)
        return import_sdk("google.genai.types", "google").GenerateContentConfig(**params)

    def _reply(self, response: Any, request: LLMRequest, text: str | None = None) -> ProviderReply:
        usage = response.usage_metadata
        raw: dict[str, Any] = {"id": getattr(response, "response_id", None)}
        calls = response.function_calls or []
        if calls:
            raw["tool_calls"] = [tool_call_part(c.id or "", c.name, c.args) for c in calls]
        parsed = getattr(response, "parsed", None)
        if text is not None and request.structured_output is not None:
            parsed = request.structured_output.model_validate_json(text)
        return ProviderReply(
            text=response.text or "" if text is None else text,
            model=response.model_version or request.model,
            input_tokens=(usage.prompt_token_count or 0) if usage else 0,
            output_tokens=((usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0))
            if usage
            else 0,
            cached_input_tokens=(usage.cached_content_token_count or 0) if usage else 0,
            parsed=parsed,
            raw=raw,
        )

    # -- batch mode: ``client.batches`` create (inlined requests), get; results come inlined -----------

    def batch_submit(self, requests: Sequence[tuple[str, LLMRequest]]) -> str:
        check_custom_ids(requests)
        models = {r.model for _, r in requests}
        if len(models) != 1:
            raise ValueError(f"a Gemini batch job runs one model; got {sorted(models)}")
        types = import_sdk("google.genai.types", "google")
        inlined = [
            types.InlinedRequest(
                contents=gemini_contents(r)[1], config=self._config(r), metadata={"key": custom_id}
            )
            for custom_id, r in requests
        ]
        job = self.retrying(
            lambda: self.client().batches.create(
                model=models.pop(), src=inlined, config={"display_name": "pllm-notebook batch"}
            )
        )
        return job.name

    def batch_status(self, batch_id: str) -> BatchStatus:
        job = self.retrying(lambda: self.client().batches.get(name=batch_id))
        state = getattr(job.state, "value", str(job.state))
        return BatchStatus(batch_id, state, state in GEMINI_FINISHED)

    def batch_results(self, batch_id: str, requests: Mapping[str, LLMRequest]) -> dict[str, BatchItem]:
        job = self.retrying(lambda: self.client().batches.get(name=batch_id))
        answers = (job.dest.inlined_responses if job.dest else None) or []
        order = list(requests)
        results: dict[str, BatchItem] = {}
        for index, answer in enumerate(answers):
            custom_id = (answer.metadata or {}).get("key") or (order[index] if index < len(order) else None)
            if custom_id not in requests:
                continue
            if answer.error is not None or answer.response is None:
                error = answer.error
                text = f"{error.code}: {error.message}" if error is not None else "no response"
                results[custom_id] = BatchItem(error=text)
            else:
                results[custom_id] = BatchItem(self._reply(answer.response, requests[custom_id]))
        return results

    def complete_once(self, request: LLMRequest) -> ProviderReply:
        _, contents = gemini_contents(request)
        response = self.client().models.generate_content(
            model=request.model, contents=contents, config=self._config(request)
        )
        return self._reply(response, request)

    def stream_once(self, request: LLMRequest) -> Iterator[StreamChunk]:
        _, contents = gemini_contents(request)
        pieces: list[str] = []
        last = None
        for chunk in self.client().models.generate_content_stream(
            model=request.model, contents=contents, config=self._config(request)
        ):
            last = chunk
            text = chunk.text or ""
            if text:
                pieces.append(text)
                yield StreamChunk(text)
        finished = last is not None and last.candidates and last.candidates[0].finish_reason is not None
        if not finished:
            raise RuntimeError("the stream ended before a finish_reason arrived")
        yield StreamChunk("", done=True, reply=self._reply(last, request, text="".join(pieces)))
