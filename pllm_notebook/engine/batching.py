"""``strategy="batch"``: calls gathered and sent through the vendor's batch API, collected when read.

``ask_llm`` hands its call to a :class:`BatchQueue` and returns a pending answer at once. The queue sends
what it gathered as one batch job per model when a pending answer is first read (or ``resolve_all`` / the
end of the ``with`` block reads them all), when ``batch_size`` calls are waiting, or ``batch_wait_s``
seconds after the first one queued. Reading an answer then polls the job (with backoff, a progress line
on stderr) until it ends, and collects every answer in it at once.

Each submitted request is recorded in the resume store (batch id, ``custom_id``, resume key) before the
reader waits, so a run stopped meanwhile finds the same job when it asks the same things again, and waits
for it instead of submitting again. A request the job could not answer raises ``ProviderError`` on
reading; the others are kept.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from ..call_record import CallRecord
from ..errors import ProviderError
from ..providers import LLMRequest
from ..providers.batch import BatchItem, BatchProvider, BatchStatus
from ..store import BatchEntry


class BatchJob(Protocol):
    """What the queue needs to know of one call (the asker's job)."""

    key: str
    request: LLMRequest


class CallLog(Protocol):
    """How the queue reports and records calls: the :class:`~pllm_notebook.engine.asking.Asker`."""

    def start(self, job: Any) -> float: ...

    def from_cache(self, job: Any) -> CallRecord | None: ...

    def failed(self, job: Any, exc: BaseException, start: float) -> None: ...

    def cache_reply(self, job: Any, call: CallRecord) -> None: ...

    def finish(self, job: Any, call: CallRecord, start: float) -> CallRecord: ...

    def live_data(
        self, reply: CallRecord, request: LLMRequest, latency: float, *, batch: bool = False
    ) -> CallRecord: ...


@dataclass(frozen=True)
class BatchOptions:
    """When gathered calls go out, and how often a running job is asked about."""

    size: int = 1000
    wait_s: float | None = None
    poll_s: float = 5.0
    max_poll_s: float = 60.0


class _Answer(Future):
    """A pending batched answer: reading it sends what is gathered and waits for the job."""

    def __init__(self, queue: BatchQueue) -> None:
        super().__init__()
        self._queue = queue

    def result(self, timeout: float | None = None) -> Any:
        if not self.done():
            self._queue.wait_for(self, timeout)
        return super().result(timeout=0)


@dataclass
class _Waiting:
    job: Any
    answer: _Answer
    start: float


@dataclass
class _Running:
    """A submitted job and the calls of this process waiting in it, by ``custom_id``."""

    batch_id: str
    model: str
    submitted: float
    calls: dict[str, _Waiting] = field(default_factory=dict)
    status: BatchStatus | None = None


class BatchQueue:
    """The batched calls of one orchestrator: gathered, submitted, polled and collected."""

    def __init__(
        self,
        provider: BatchProvider,
        provider_name: str,
        calls: CallLog,
        store: Any,
        options: BatchOptions,
        progress: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.provider = provider
        self.provider_name = provider_name
        self.calls = calls
        self.store = store
        self.options = options
        self._progress = progress or stderr_progress()
        self._lock = threading.RLock()
        self._poll_lock = threading.Lock()
        self._queued: list[_Waiting] = []
        self._running: dict[str, _Running] = {}
        self._stored: dict[str, BatchEntry] | None = None
        self._timer: threading.Timer | None = None

    def add(self, job: BatchJob) -> Future:
        """Queue one call (or attach it to the stored job it was already sent in); its pending answer."""
        answer = _Answer(self)
        waiting = _Waiting(job, answer, self.calls.start(job))
        with self._lock:
            if self._stored is None:
                self._stored = self.store.batch_entries()
            entry = self._stored.pop(job.key, None)
            if entry is not None and entry.provider == self.provider_name:
                running = self._running.get(entry.batch_id)
                if running is None:
                    running = self._running[entry.batch_id] = _Running(
                        entry.batch_id, entry.model, entry.created
                    )
                running.calls[entry.custom_id] = waiting
                return answer
            self._queued.append(waiting)
            if len(self._queued) >= self.options.size:
                self.flush()
            elif self.options.wait_s is not None and self._timer is None:
                self._timer = threading.Timer(self.options.wait_s, self.flush)
                self._timer.daemon = True
                self._timer.start()
        return answer

    def flush(self) -> None:
        """Send every gathered call now: cache hits are answered at once, the rest go out, one job per model."""
        with self._lock:
            queued, self._queued = self._queued, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            by_model: dict[str, list[_Waiting]] = {}
            for waiting in queued:
                try:
                    found = self.calls.from_cache(waiting.job)
                except Exception as exc:
                    self._fail(waiting, exc)
                    continue
                if found is not None:
                    waiting.answer.set_result(self.calls.finish(waiting.job, found, waiting.start))
                else:
                    by_model.setdefault(waiting.job.request.model, []).append(waiting)
            for model, group in by_model.items():
                self._submit(model, group)

    def _submit(self, model: str, group: list[_Waiting]) -> None:
        requests = [(w.job.key[:64], w.job.request) for w in group]
        try:
            batch_id = self.provider.batch_submit(requests)
        except Exception as exc:
            for waiting in group:
                self._fail(waiting, exc)
            return
        now = time.time()
        running = self._running[batch_id] = _Running(batch_id, model, now)
        running.calls = {custom_id: w for (custom_id, _), w in zip(requests, group, strict=True)}
        self.store.put_batch_entries(
            [
                BatchEntry(batch_id, self.provider_name, model, cid, w.job.key, now)
                for cid, w in running.calls.items()
            ]
        )

    def wait_for(self, answer: Future, timeout: float | None = None) -> None:
        """Send what is gathered, then poll the running jobs (backing off) until ``answer`` is ready."""
        self.flush()
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = self.options.poll_s
        while not answer.done():
            with self._poll_lock:
                if not answer.done():
                    self._poll()
            if answer.done():
                break
            if deadline is not None and time.monotonic() + delay > deadline:
                raise FutureTimeout()
            time.sleep(delay)
            delay = min(delay * 1.5, self.options.max_poll_s)

    def _poll(self) -> None:
        with self._lock:
            running = list(self._running.values())
        for job in running:
            try:
                job.status = self.provider.batch_status(job.batch_id)
            except Exception as exc:  # kept in the store: a later read (or run) asks again
                with self._lock:
                    self._running.pop(job.batch_id, None)
                for waiting in job.calls.values():
                    self._fail(waiting, exc)
                continue
            if job.status.finished:
                self._collect(job)
        with self._lock:
            still = [j for j in self._running.values() if j.status is not None]
        self._show(still, done=not still)

    def _collect(self, job: _Running) -> None:
        requests = {cid: w.job.request for cid, w in job.calls.items()}
        with self._lock:
            self._running.pop(job.batch_id, None)
        try:
            results = self.provider.batch_results(job.batch_id, requests)
        except Exception as exc:  # the answers are still at the vendor: a later run reads them
            for waiting in job.calls.values():
                self._fail(waiting, exc)
            return
        latency = time.time() - job.submitted
        for custom_id, waiting in job.calls.items():
            item = results.get(custom_id) or BatchItem(
                error=f"the job ended as {job.status.vendor_state} before this request was answered"
            )
            try:
                if item.reply is None:
                    raise ProviderError(
                        f"{self.provider_name}: batch {job.batch_id}: request {custom_id} failed: {item.error}; "
                        "the other answers of the batch are kept, and the next run asks this one again",
                        provider=self.provider_name,
                    )
                call = self.calls.live_data(item.reply, waiting.job.request, latency, batch=True)
                call.extras["batch_id"] = job.batch_id
                self.calls.cache_reply(waiting.job, call)
                waiting.answer.set_result(self.calls.finish(waiting.job, call, waiting.start))
            except Exception as exc:  # every waiting answer ends, so no reader waits forever
                self._fail(waiting, exc)
        self.store.drop_batch_entries([w.job.key for w in job.calls.values()])

    def _fail(self, waiting: _Waiting, exc: BaseException) -> None:
        self.calls.failed(waiting.job, exc, waiting.start)
        waiting.answer.set_exception(exc)

    def _show(self, running: list[_Running], done: bool) -> None:
        if done:
            self._progress("", True)
            return
        waiting = sum(len(j.calls) for j in running)
        oldest = min(j.submitted for j in running)
        jobs = " | ".join(f"{j.batch_id}: {j.status.describe()}" for j in running if j.status is not None)
        self._progress(
            f"[pllm] waiting for {waiting} calls in {len(running)} {self.provider_name} batch job"
            f"{'s' if len(running) != 1 else ''} ({jobs}) · {time.time() - oldest:.0f} s",
            False,
        )

    def close(self) -> None:
        """Stop the ``batch_wait_s`` timer (calls still gathered are not sent)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


def stderr_progress(stream: TextIO | None = None) -> Callable[[str, bool], None]:
    """A progress line rewritten in place (``\\r``) on stderr; ended with a newline when the wait ends."""
    shown = [0]

    def show(text: str, done: bool) -> None:
        out = stream or sys.stderr
        if done:
            if shown[0]:
                out.write("\n")
                out.flush()
                shown[0] = 0
            return
        out.write("\r" + text.ljust(shown[0]))
        out.flush()
        shown[0] = len(text)

    return show
