"""The path of one ``ask_llm``: resume from the call log, else the semantic cache, else a live call.

Every call is logged in the resume store under a resume key (agent, conversation so far, model, salt and
the occurrence of that same request in this run), which is what makes a re-run free and repeatable.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from ..call_record import CallRecord
from ..errors import ConfigError, MissingAPIKeyError, ProviderError
from ..events import LLMCallFinished, LLMCallStarted, snippet
from ..hashing import stable_hash
from ..providers import LLMRequest, Message, Provider, cost_usd
from ..providers.content import image_part, is_pil_image
from ..providers.keys import live_call_needs_key
from .batching import BatchOptions, BatchQueue
from .context import EngineContext
from .message_state import MessageState
from .recording import response_from_record
from .response import LLMResponse
from .streaming import ChunkFeed, Throttle

log = logging.getLogger("pllm_notebook")

_CACHE_KWARGS = ("cache_context", "cache_namespace")


def _part(part: Any) -> Any:
    if isinstance(part, bytes | bytearray) or is_pil_image(part):
        return image_part(part)
    if isinstance(part, str):
        return {"type": "text", "text": part}
    return part


def item_to_message(item: Any) -> Message:
    """How one conversation item is sent to a provider."""
    if isinstance(item, LLMResponse):
        if item.tool_calls:
            text = ({"type": "text", "text": item.final_answer},) if item.final_answer else ()
            return Message("assistant", text + tuple(item.tool_calls))
        return Message("assistant", item.final_answer)
    if isinstance(item, str):
        return Message("user", item)
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        role, content = item
        return Message(role, content if isinstance(content, str) else tuple(_part(p) for p in content))
    if isinstance(item, Message):
        return item
    if isinstance(item, bytes | bytearray) or is_pil_image(item):
        return Message("user", (image_part(item),))
    raise TypeError(
        f"a conversation item of type {type(item).__name__} cannot be sent to an LLM; use str, "
        "(role, text) tuples, (role, [parts]) tuples, bytes or PIL images, or LLMResponse"
    )


def build_request(
    items: list[Any], model: str, instructions: str | None, params: Mapping[str, Any]
) -> LLMRequest:
    """A provider-neutral request from the whole conversation."""
    params = dict(params)
    structured = params.pop("structured_output", None)
    stream = bool(params.pop("stream", False))
    return LLMRequest(
        model=model,
        messages=tuple(item_to_message(i) for i in items),
        instructions=instructions,
        params=params,
        structured_output=structured,
        stream=stream,
    )


class Caller(Protocol):
    """The agent a call is made for, as the asker sees it."""

    name: str

    def get_msg_state(self) -> MessageState:
        """The agent's conversation (the prompt and the answer are appended to it)."""
        ...

    def active_salt(self) -> Any:
        """The salts in force for a call."""
        ...

    def active_label(self) -> str:
        """The memo block or cell the call belongs to."""
        ...

    def add_pending(self, response: LLMResponse) -> None:
        """Keep a call running in the background, so the agent's ``resolve_all`` waits for it."""
        ...


@dataclass(frozen=True)
class _Job:
    """One call to make: who asks, under which resume key, and where streamed pieces go."""

    agent: Caller
    label: str
    call_id: str
    key: str
    occurrence: int
    request: LLMRequest
    cache_args: dict[str, Any]
    feed: ChunkFeed | None
    cell: str = ""
    """The notebook cell that asked (``RunScope.cell`` when the call was made)."""


class Asker:
    """Runs ``ask_llm`` for one run (an orchestrator's :class:`EngineContext`): its calls, their pool and
    their batches."""

    def __init__(self, context: EngineContext) -> None:
        self.context = context
        settings = context.settings
        self.throttle = (
            Throttle(settings.requests_per_minute) if settings.requests_per_minute is not None else None
        )
        self.closed = False
        self._occurrences: dict[str, int] = {}
        self._batches: BatchQueue | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def batches(self) -> BatchQueue:
        """The queue of ``strategy="batch"`` calls, made on first use."""
        with self._lock:
            if self._batches is None:
                context, settings = self.context, self.context.settings
                options = BatchOptions(
                    size=settings.batch_size,
                    wait_s=settings.batch_wait_s,
                    poll_s=float(settings.batch_poll_s),
                    max_poll_s=max(60.0, float(settings.batch_poll_s)),
                )
                self._batches = BatchQueue(
                    context.provider, context.provider.name, self, context.store, options
                )
            return self._batches

    def executor(self) -> ThreadPoolExecutor:
        """The pool concurrent calls run on, bounded by ``max_concurrent``."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self.context.settings.max_concurrent, thread_name_prefix="pllm-call"
                )
            return self._executor

    def close(self) -> None:
        """Refuse new calls, wait for the running ones and stop the batch timer."""
        self.closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        if self._batches is not None:
            self._batches.close()

    def resume_key(
        self, agent: Caller, request: LLMRequest, salt: Any, hash_by: tuple[str, ...] | None = None
    ) -> tuple[str, int]:
        canonical = request.canonical()
        if "llm" not in (self.context.settings.hash_by if hash_by is None else hash_by):
            canonical.pop("model")
        base = stable_hash("ask", agent.name, canonical, salt)
        occurrence = self._occurrences.get(base, 0)
        self._occurrences[base] = occurrence + 1
        return stable_hash(base, occurrence), occurrence

    def ask(
        self,
        agent: Caller,
        docs: tuple[Any, ...],
        *,
        instructions: str | None,
        llm: str | None,
        salt: Any,
        kwargs: dict[str, Any],
        conversation: list[Any] | None = None,
        hash_by: tuple[str, ...] | None = None,
    ) -> LLMResponse:
        """Ask with the agent's conversation, or with ``conversation`` (a list the answer is appended to)."""
        context, settings = self.context, self.context.settings
        if self.closed:
            raise ConfigError(
                f"conversation {agent.name!r} belongs to an orchestrator that was closed (the notebook's "
                f"resume directory changed with %pllm_config or pllm.configure); get it again with "
                f"pllm.agent({agent.name!r})"
            )
        state = agent.get_msg_state() if conversation is None else conversation
        cache_args = {k: kwargs.pop(k) for k in _CACHE_KWARGS if k in kwargs}
        pace = float(kwargs.pop("replay_pace", None) or settings.replay_pace)
        for doc in docs:
            state.append(doc)
        model = llm or context.default_model
        request = build_request(state.copy(), model, instructions, kwargs)
        key, occurrence = self.resume_key(agent, request, (agent.active_salt(), salt), hash_by)
        agent.get_msg_state().note_call(
            context.redact(
                {
                    "provider": context.provider.name,
                    "model": model,
                    "default": llm is None,
                    "params": request.canonical()["params"],
                }
            )
        )
        label = agent.active_label()
        if not settings.ignore_cache:
            record = context.store.call_for_resume_key(key)
            if record is not None:
                response = response_from_record(
                    context.store, record.call_id, structured_output=request.structured_output
                )
                response.replay_pace = pace
                self.report_finished(response.resolve(), label)
                state.append(response)
                return response
        call_id = uuid.uuid4().hex
        feed = ChunkFeed() if request.stream else None
        job = _Job(agent, label, call_id, key, occurrence, request, cache_args, feed, context.scope.cell)
        batched = settings.strategy == "batch" and feed is None and request.structured_output is None
        if settings.strategy != "sync" or feed is not None:
            future: Future = self.batches().add(job) if batched else self.executor().submit(self._call, job)
            response = LLMResponse(call_id, future=future, feed=feed, replay_pace=pace)
            agent.add_pending(response)
        else:
            response = LLMResponse(call_id, self._call(job))
        state.append(response)
        return response

    def _call(self, job: _Job) -> CallRecord:
        try:
            data = self._resolve_call(job)
        except BaseException as exc:
            if job.feed is not None:
                job.feed.close(exc)
            raise
        if job.feed is not None:
            job.feed.close()
        return data

    def _fetch(self, provider: Provider, request: LLMRequest, feed: ChunkFeed | None) -> CallRecord:
        """One live call: whole, or streamed into ``feed`` piece by piece (the reply keeps the pieces)."""
        if self.throttle is not None:
            self.throttle.wait()
        if feed is None:
            return provider.complete(request)
        pieces: list[str] = []
        for chunk in provider.stream(request):
            if chunk.text:
                pieces.append(chunk.text)
                feed.put(chunk.text)
            if chunk.done and chunk.reply is not None:
                chunk.reply.chunks = pieces
                return chunk.reply
        raise ProviderError(
            f"{provider.name}: the stream ended without its final chunk", provider=provider.name
        )

    def _resolve_call(self, job: _Job) -> CallRecord:
        context = self.context
        start = self.start(job)
        try:
            call = self.from_cache(job)
            if call is None:
                try:
                    reply = self._fetch(context.provider, job.request, job.feed)
                except MissingAPIKeyError as exc:
                    raise live_call_needs_key(
                        exc, job.label or job.cell, job.request.last_user_text
                    ) from None
                call = self.live_data(reply, job.request, time.perf_counter() - start)
                self.cache_reply(job, call)
        except Exception as exc:
            self.failed(job, exc, start)
            raise
        return self.finish(job, call, start)

    def _about(self, job: _Job) -> dict[str, Any]:
        """The fields a call's events share before its answer says otherwise."""
        return {
            "call_id": job.call_id,
            "agent": job.agent.name,
            "label": job.label,
            "provider": self.context.provider.name,
            "model": job.request.model,
        }

    def start(self, job: _Job) -> float:
        """Announce a call that is not a replay; returns its start time (``time.perf_counter``)."""
        self.context.emit(
            LLMCallStarted(**self._about(job), prompt=snippet(job.request.last_user_text), cell=job.cell)
        )
        return time.perf_counter()

    def from_cache(self, job: _Job) -> CallRecord | None:
        """The semantic cache's answer to the job, if it has one."""
        context = self.context
        if context.cache is None:
            return None
        call = context.cache.lookup_request(job.request, occurrence=job.occurrence, **job.cache_args)
        if call is None:
            return None
        if job.feed is not None:
            job.feed.put(call.text)
        call.model = call.model or job.request.model
        call.provider = call.provider or context.provider.name
        return call

    def cache_reply(self, job: _Job, call: CallRecord) -> None:
        """Keep a live answer in the semantic cache, if there is one."""
        if self.context.cache is not None:
            self.context.cache.store_reply(job.request, call, **job.cache_args)

    def failed(self, job: _Job, exc: BaseException, start: float) -> None:
        """Report a call that failed (nothing is stored, so the next run calls again)."""
        call = CallRecord(
            model=job.request.model,
            provider=self.context.provider.name,
            call_id=job.call_id,
            agent=job.agent.name,
        )
        self.report_finished(
            call, job.label, latency_s=time.perf_counter() - start, error=f"{type(exc).__name__}: {exc}"
        )

    def finish(self, job: _Job, call: CallRecord, start: float) -> CallRecord:
        """Log an answered call under its resume key and report it."""
        context = self.context
        call.call_id, call.resume_key, call.agent = job.call_id, job.key, job.agent.name
        call.request, call.created = context.redact(job.request.canonical()), time.time()
        if job.cell:
            call.extras["cell"] = job.cell  # which notebook cell made it, for `pllm-notebook export`
        context.store.put_call(call)
        self.report_finished(call, job.label, latency_s=time.perf_counter() - start)
        return call

    def report_finished(self, call: CallRecord, label: str, **event: Any) -> None:
        """Emit the one ``LLMCallFinished`` of a call: answered, replayed from the call log, or failed."""
        self.context.emit(LLMCallFinished.of(call, label=label, **event))

    def live_data(
        self, reply: CallRecord, request: LLMRequest, latency: float, *, batch: bool = False
    ) -> CallRecord:
        """The provider's reply as the call's record, priced (at the batch discount if it came through a
        batch job); ``tool_calls`` and the serving ``provider`` are lifted out of the vendor's ``raw``."""
        model = reply.model or request.model
        return dataclasses.replace(
            reply,
            model=model,
            provider=reply.raw.get("provider") or self.context.provider.name,
            latency_s=latency,
            cost_usd=cost_usd(
                model, reply.input_tokens, reply.output_tokens, reply.cached_input_tokens, batch=batch
            ),
            source="live",
            chunks=tuple(reply.chunks) if reply.chunks else None,
            tool_calls=tuple(reply.raw["tool_calls"]) if reply.raw.get("tool_calls") else None,
            raw=dict(reply.raw),
            extras={},
        )
