"""Typed events and the bus that carries them from the engine to its watchers.

The engine and the cache emit one event for everything a user may want to see (a memo hit, a cache
lookup, an LLM call starting or ending). Stats, the dashboard and metrics subscribe; the emitter never
imports them. Subscribers run synchronously in the emitting thread, so they must be cheap: anything slow
(rendering, network) belongs in the subscriber's own thread, fed from a queue.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import ClassVar, Literal

from .call_record import CallRecord
from .redaction import redact

__all__ = [
    "Event",
    "MemoHit",
    "MemoMiss",
    "MemoStored",
    "MemoSkipped",
    "CacheLookup",
    "CacheError",
    "CacheInvalidated",
    "LLMCallStarted",
    "LLMCallFinished",
    "AgentMessage",
    "CellStarted",
    "EventBus",
    "bus",
    "event_from_record",
    "snippet",
]

log = logging.getLogger("pllm_notebook")
_ids = itertools.count(1)


_KINDS: dict[str, type[Event]] = {}


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of all events: when it happened, and a process-unique sequence number."""

    kind: ClassVar[str] = "event"
    ts: float = field(default_factory=time.time)
    seq: int = field(default_factory=lambda: next(_ids))
    directory: str = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _KINDS[cls.kind] = cls

    def to_record(self) -> dict[str, object]:
        """A JSON-able form (what the activity log stores), read back by :func:`event_from_record`."""
        record: dict[str, object] = {k: v for k, v in vars(self).items() if k != "seq"}
        record["kind"] = self.kind
        return record


def event_from_record(record: dict[str, object]) -> Event | None:
    """The event :meth:`Event.to_record` stored; None for a kind this version does not know."""
    cls = _KINDS.get(str(record.get("kind")))
    if cls is None:
        return None
    names = {f.name for f in fields(cls)} - {"seq"}
    return cls(**{k: v for k, v in record.items() if k in names})


@dataclass(frozen=True, kw_only=True)
class MemoHit(Event):
    """A memo block or cell was replayed instead of run."""

    kind: ClassVar[str] = "memo_hit"
    key: str
    label: str
    agent: str = ""
    time_saved_s: float = 0.0
    tokens_saved: int = 0
    cost_saved_usd: float = 0.0
    calls_replayed: int = 0


@dataclass(frozen=True, kw_only=True)
class MemoMiss(Event):
    """A memo block or cell had no stored result and runs; ``reason`` says why."""

    kind: ClassVar[str] = "memo_miss"
    key: str
    label: str
    agent: str = ""
    reason: str = "new"


@dataclass(frozen=True, kw_only=True)
class MemoStored(Event):
    """A memo block or cell finished and its effects were committed."""

    kind: ClassVar[str] = "memo_stored"
    key: str
    label: str
    agent: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True, kw_only=True)
class MemoSkipped(Event):
    """A memo block or cell ran but nothing was stored (it raised, or held values we cannot restore)."""

    kind: ClassVar[str] = "memo_skipped"
    key: str
    label: str
    agent: str = ""
    reason: str = ""


CacheOutcome = Literal["exact", "semantic", "miss", "bypass", "rejected"]


@dataclass(frozen=True, kw_only=True)
class CacheLookup(Event):
    """One semantic-cache lookup and how it ended."""

    kind: ClassVar[str] = "cache_lookup"
    outcome: CacheOutcome
    namespace: str = "default"
    similarity: float | None = None
    threshold: float | None = None
    model: str = ""
    prompt: str = ""
    entry_id: str = ""
    reason: str = ""
    latency_s: float = 0.0
    time_saved_s: float = 0.0
    tokens_saved: int = 0
    cost_saved_usd: float = 0.0
    # error budget (CacheConfig.max_wrong_rate): the partition's measured wrong-hit rate, its 95% upper
    # bound and the checks behind them; ``verification`` when the call went live to check a candidate
    verification: bool = False
    wrong_rate: float | None = None
    wrong_rate_upper: float | None = None
    checks: int = 0
    partition_threshold: float | None = None


@dataclass(frozen=True, kw_only=True)
class CacheError(Event):
    """The cache failed (embedder or storage) and the call went live instead."""

    kind: ClassVar[str] = "cache_error"
    stage: str
    error: str
    namespace: str = "default"


@dataclass(frozen=True, kw_only=True)
class CacheInvalidated(Event):
    """Entries were removed from the cache on purpose."""

    kind: ClassVar[str] = "cache_invalidated"
    namespace: str
    removed: int
    entry_id: str = ""


@dataclass(frozen=True, kw_only=True)
class LLMCallStarted(Event):
    """A call went out to a provider (or to a cache that may answer it)."""

    kind: ClassVar[str] = "llm_call_started"
    call_id: str
    agent: str = ""
    label: str = ""
    provider: str = ""
    model: str = ""
    prompt: str = ""
    cell: str = ""
    """The notebook cell that made the call (its label), when it is not the call's own ``label``."""


_FROM_CALL = (
    "call_id",
    "agent",
    "provider",
    "model",
    "source",
    "latency_s",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "similarity",
)
"""The fields of ``LLMCallFinished`` that say the same as the :class:`CallRecord` it carries."""


@dataclass(frozen=True, kw_only=True)
class LLMCallFinished(Event):
    """A call ended; ``source`` says where its answer came from."""

    kind: ClassVar[str] = "llm_call_finished"
    call_id: str
    agent: str = ""
    label: str = ""
    provider: str = ""
    model: str = ""
    source: str = "live"
    latency_s: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    similarity: float | None = None
    error: str = ""
    call: CallRecord | None = field(default=None, repr=False, compare=False)
    """The record the call log keeps (for a call that failed, what was known of it; None for an event read
    back from the activity log, which keeps the flat fields only)."""

    @classmethod
    def of(
        cls, call: CallRecord, *, label: str = "", latency_s: float | None = None, **event: object
    ) -> LLMCallFinished:
        """The event of a finished call, its fields taken from ``call`` (``latency_s``: how long it took now,
        when that is not the original call's time, as for a cache hit)."""
        fields: dict[str, object] = {name: getattr(call, name) for name in _FROM_CALL}
        if latency_s is not None:
            fields["latency_s"] = latency_s
        return cls(**fields, label=label, call=call, **event)  # type: ignore[arg-type]

    def to_record(self) -> dict[str, object]:
        """The flat fields only: the activity log keeps what the dashboard shows, the call log the rest."""
        record = super().to_record()
        del record["call"]
        return record


@dataclass(frozen=True, kw_only=True)
class AgentMessage(Event):
    """Text an agent printed with ``agt.print``."""

    kind: ClassVar[str] = "agent_message"
    agent: str
    text: str


@dataclass(frozen=True, kw_only=True)
class CellStarted(Event):
    """A notebook cell began to run: how people know it (``In [7]`` and its first comment or line)."""

    kind: ClassVar[str] = "cell_started"
    label: str
    title: str = ""
    execution_count: int | None = None


def snippet(text: str, n: int = 120) -> str:
    """``text`` on one line of at most ``n`` characters, secrets redacted, for an event or a display."""
    text = " ".join(str(redact(str(text))).split())
    return text if len(text) <= n else text[: n - 1] + "…"


Subscriber = Callable[[Event], None]


class EventBus:
    """Fan-out of events to subscribers; a failing subscriber is logged and never breaks the emitter."""

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call ``fn`` with every event from now on; returns a function that unsubscribes it."""
        with self._lock:
            self._subscribers = (*self._subscribers, fn)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not fn)

        return unsubscribe

    def emit(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber, in the order they subscribed."""
        for fn in self._subscribers:
            try:
                fn(event)
            except Exception:  # a watcher must never break the work it watches
                log.exception("event subscriber %r failed on %s", fn, event.kind)

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers)


bus = EventBus()
"""The process-wide bus: the engine and the cache emit here."""
