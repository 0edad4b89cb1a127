"""What the dashboard shows, kept up to date from the event bus without ever slowing the emitter.

The bus subscriber only appends the event to a queue and returns. A background thread drains the queue
a few times a second, folds the events into headline counts, an activity feed, the time and money saved
so far, a timeline of calls, the similarities of semantic hits and a per-cell table, and hands an
immutable :class:`Snapshot` to each listener (the Panel view, the terminal status line, the static HTML
table). Cells are named as people know them (``In [7] load the data``) from ``CellStarted`` events.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..engine.stats import Stats, StatsCollector
from ..events import (
    AgentMessage,
    CacheError,
    CacheInvalidated,
    CacheLookup,
    CellStarted,
    Event,
    EventBus,
    LLMCallFinished,
    LLMCallStarted,
    MemoHit,
    MemoMiss,
    MemoSkipped,
    MemoStored,
    bus,
    snippet,
)

log = logging.getLogger("pllm_notebook")

FEED_SIZE = 200
SERIES_SIZE = 400
"""At most this many points of the saved-so-far series are kept: when full, every other one is dropped
and from then on only every other saving gets a point of its own (the newest always moves the last
point), so the chart keeps the shape of the whole session, evenly."""
TIMELINE_SIZE = 300
"""How many of the newest calls the timeline keeps."""
SIMILARITY_SIZE = 2000
UPDATE_INTERVAL_S = 0.3
"""Listeners hear at most about three updates a second, however fast events arrive."""
BUSY_FACTOR = 20
"""After a batch that took t seconds the next waits at least ``BUSY_FACTOR * t``."""

YIELD_EVERY = 512
"""While folding a batch, hand the interpreter back to the watched code this often (in events)."""


def _let_others_run() -> None:
    """Release the GIL for a moment. The watched code releases it on every small system call (a ``stat``
    per memo lookup); without this it would then wait up to the 5 ms switch interval for each one while
    the dashboard holds the interpreter, and a 2% CPU cost would become a 50% wall-clock one."""
    time.sleep(0)


_CALL_KIND = {"live": "done", "exact": "exact hit", "semantic": "semantic hit", "memo": "replayed"}


_SAVINGS = frozenset({"memo_hit", "cache_lookup", "llm_call_finished"})
"""Kinds of event that may add to the time and money saved."""


def _call_kind(event: LLMCallFinished) -> str:
    """How a finished call shows: ``done``, ``exact hit``, ``semantic hit``, ``replayed`` or ``error``."""
    return "error" if event.error else _CALL_KIND.get(event.source, event.source)


@dataclass
class FeedRow:
    """One line of the activity feed; a call's row changes kind from ``in flight`` when it ends."""

    row_id: int
    ts: float
    kind: str
    agent: str = ""
    label: str = ""
    model: str = ""
    latency_s: float | None = None
    tokens: int | None = None
    similarity: float | None = None
    text: str = ""
    cell: str = ""
    """The cell as people know it (``In [7] load the data``), or ``""`` when unknown."""
    ref: str = ""
    """What the row's detail is read from: a call's id or a memo entry's key."""
    reason: str = ""
    """A memo miss: why it missed (the memo core's note), kept apart from ``text``, which changes."""
    cost_usd: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)  # dataclasses.asdict deep-copies: 40x slower, and the fields are flat


@dataclass(frozen=True)
class CellRow:
    """What one ``%%memoize`` cell (or memo block) did so far."""

    label: str
    hits: int
    misses: int
    last_miss_reason: str
    time_saved_s: float
    row_id: int | None = None
    """The feed row of its newest memo event: a click on the cell opens that row's detail."""


@dataclass(frozen=True)
class ErrorBudget:
    """A semantic cache's error budget as its checks measure it (``CacheConfig(max_wrong_rate=...)``).

    The figures are those of the partition whose bound is the highest, the one closest to its budget.
    """

    wrong_rate: float | None
    wrong_rate_upper: float
    checks: int
    verification_calls: int


@dataclass(frozen=True)
class Snapshot:
    """Everything on the dashboard at one moment; safe to hand to another thread."""

    version: int
    totals: Stats
    in_flight: int
    hit_rate: float | None
    feed: tuple[FeedRow, ...]
    saved_series: tuple[tuple[float, float, float], ...]
    """``(time, seconds saved so far, dollars saved so far)``: a point per saving where this model counts
    (the standalone view), per batch that changed them where an orchestrator does; thinned evenly."""
    timeline: tuple[tuple[float, float | None, str], ...]
    """One ``(start, end or None while in flight, kind)`` per call, oldest first."""
    semantic_similarities: tuple[float, ...]
    miss_similarities: tuple[float, ...]
    threshold: float | None
    cells: tuple[CellRow, ...]
    cache_version: int = 0
    """Grows with every cache lookup or invalidation: the cache browser re-reads only when it moved."""
    error_budget: ErrorBudget | None = None
    updated: float = field(default_factory=time.time)


def hit_rate(stats: Stats) -> float | None:
    """Share of work answered without running it: memo and cache hits and replayed calls, against
    those plus memo misses and live calls. ``None`` before anything happened."""
    hits = stats.memo_hits + stats.exact_hits + stats.semantic_hits + stats.calls_replayed
    misses = stats.memo_misses + stats.llm_calls
    return hits / (hits + misses) if hits + misses else None


Listener = Callable[[Snapshot], None]
StatsSource = Callable[[], tuple[Stats, dict[str, Stats]]]
"""Where totals come from when someone already counts them (an orchestrator): ``() -> (total, by_label)``."""


class DashboardModel:
    """Dashboard state of one resume directory, fed by the bus (or by :meth:`apply` directly).

    ``directory`` keeps only events stamped with that resume directory. Call :meth:`start` to listen and
    :meth:`close` to stop; :meth:`flush` folds queued events in at once (tests and shutdown use it).
    """

    def __init__(
        self,
        directory: str,
        *,
        event_bus: EventBus | None = None,
        feed_size: int = FEED_SIZE,
        interval_s: float = UPDATE_INTERVAL_S,
        stats_source: StatsSource | None = None,
    ) -> None:
        self.directory = str(directory)
        self._bus = event_bus or bus
        self._feed_size = feed_size
        self._interval_s = interval_s
        self._inbox: collections.deque[Event] = collections.deque()
        self._stats_source = stats_source
        self._collector = None if stats_source is not None else StatsCollector(self.directory)
        self._feed: collections.deque[FeedRow] = collections.deque(maxlen=feed_size)
        self._in_flight: dict[str, FeedRow | None] = {}
        self._memo_rows: dict[str, FeedRow] = {}
        self._series: list[tuple[float, float, float]] = []
        self._stride = 1  # savings per point of the series
        self._since_point = 0
        self._timeline: collections.deque[list[Any]] = collections.deque(maxlen=TIMELINE_SIZE)
        self._bars: dict[str, list[Any]] = {}  # call id -> its timeline bar, while in flight
        self._names: dict[str, str] = {}  # cell label -> "In [7] load the data"
        self._running_cell = ""  # the label of the newest CellStarted
        self._last_memo_rows: dict[str, FeedRow] = {}  # label -> its newest memo row, kept off the feed too
        self._similarities: collections.deque[float] = collections.deque(maxlen=SIMILARITY_SIZE)
        self._miss_similarities: collections.deque[float] = collections.deque(maxlen=SIMILARITY_SIZE)
        self._threshold: float | None = None
        # per namespace, the newest (wrong rate, its 95% bound, checks) of a cache with an error budget
        self._budgets: dict[str, tuple[float | None, float, int]] = {}
        self._verification_calls = 0
        self._cache_version = 0
        self._row_ids = 0
        self._version = 0
        self._state_lock = threading.Lock()
        self._listeners: tuple[Listener, ...] = ()
        self._snapshot = self._build_snapshot(*self._stats())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None

    # -- listening -------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        """The bus subscriber: queue and return; all work happens on the model's own thread."""
        if event.directory == self.directory:
            self._inbox.append(event)

    def start(self) -> DashboardModel:
        """Subscribe to the bus and start the thread that batches updates; returns ``self``."""
        if self._thread is None:
            self._unsubscribe = self._bus.subscribe(self._on_event)
            self._thread = threading.Thread(target=self._run, name="pllm-dashboard", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop listening; what was queued is folded in and sent to listeners one last time."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None
        self.flush()

    def _run(self) -> None:
        delay = self._interval_s
        while not self._stop.wait(delay):
            started = time.thread_time()
            try:
                self.flush()
            except Exception:  # the dashboard must keep running whatever one update does
                log.exception("dashboard update failed")
            # a costly batch (many events) spaces the next one out: the dashboard's share of the
            # interpreter stays under 1 / BUSY_FACTOR, whatever the event rate. This thread's own CPU
            # time, not the wall clock: on a busy machine waiting for the GIL or a core is not our cost,
            # and counting it froze the page for seconds during Run All
            delay = max(self._interval_s, BUSY_FACTOR * (time.thread_time() - started))

    def add_listener(self, fn: Listener) -> Callable[[], None]:
        """Call ``fn(snapshot)`` after each batch of events (from the model's thread); returns a remover."""
        with self._state_lock:
            self._listeners = (*self._listeners, fn)

        def remove() -> None:
            with self._state_lock:
                self._listeners = tuple(f for f in self._listeners if f is not fn)

        return remove

    # -- folding events in -----------------------------------------------------------------------

    def flush(self) -> Snapshot:
        """Fold every queued event in now; listeners hear of it if anything changed."""
        inbox = self._inbox
        events = [inbox.popleft() for _ in range(len(inbox))]  # appends racing with this stay queued
        if events:
            self.apply(events)
        return self._snapshot

    def apply(self, events: Iterable[Event]) -> Snapshot:
        """Fold ``events`` in (in order), publish a new snapshot and tell the listeners."""
        events = list(events)
        if not events:
            return self._snapshot
        with self._state_lock:
            quiet = len(events) - self._feed_size  # in a burst, only the newest events can stay on the feed
            for i, event in enumerate(events):
                if self._collector is not None:  # counted here: a point per saving, however large the batch
                    self._collector(event)
                    if event.kind in _SAVINGS:
                        self._note_saved(self._collector.total, event.ts)
                if i < quiet:
                    self._track(event)
                else:
                    self._fold(event)
                if i % YIELD_EVERY == YIELD_EVERY - 1:
                    _let_others_run()
            totals, by_label = self._stats()
            self._note_saved(totals, events[-1].ts)
            self._version += 1
            self._snapshot = snapshot = self._build_snapshot(totals, by_label)
            listeners = self._listeners
        for fn in listeners:
            _let_others_run()
            try:
                fn(snapshot)
            except Exception:
                log.exception("dashboard listener %r failed", fn)
        return snapshot

    def _note_saved(self, totals: Stats, ts: float) -> None:
        """Add a point to the saved-so-far series when the time or money saved moved (or at the start)."""
        point = (ts, totals.time_saved_s, totals.cost_saved_usd)
        series = self._series
        if series and series[-1][1:] == point[1:]:
            return
        self._since_point += 1
        if len(series) > 1 and self._since_point < self._stride:
            series[-1] = point  # the newest saving moves the last point until a new one is due
            return
        series.append(point)
        self._since_point = 0
        if len(series) > SERIES_SIZE:
            series[:] = series[::2] if len(series) % 2 else [*series[:-1:2], series[-1]]
            self._stride *= 2

    def _row(self, event: Event, kind: str, label: str = "", **values: Any) -> FeedRow:
        self._row_ids += 1
        row = FeedRow(self._row_ids, event.ts, kind, label=label, cell=self._names.get(label, ""), **values)
        self._feed.appendleft(row)
        return row

    def _memo_row(
        self, event: MemoHit | MemoMiss | MemoStored | MemoSkipped, kind: str, **values: Any
    ) -> FeedRow:
        row = self._row(event, kind, agent=event.agent, label=event.label, ref=event.key, **values)
        self._last_memo_rows[event.label] = row
        return row

    def row(self, row_id: int) -> FeedRow | None:
        """The feed row ``row_id`` as it is now, or a cell's newest memo row off the feed (the page asks for a
        row's detail by its id)."""
        with self._state_lock:
            rows = (*self._feed, *self._last_memo_rows.values())
            found = next((r for r in rows if r.row_id == row_id), None)
            return None if found is None else replace(found)

    def _start_bar(self, event: LLMCallStarted) -> None:
        self._bars[event.call_id] = bar = [event.ts, None, "in flight"]
        self._timeline.append(bar)

    def _end_bar(self, event: LLMCallFinished, kind: str) -> None:
        bar = self._bars.pop(event.call_id, None)
        if bar is None:  # no start seen (a replayed call): it began ``latency`` before it ended
            bar = [event.ts - event.latency_s, None, kind]
            self._timeline.append(bar)
        bar[1], bar[2] = event.ts, kind

    def _fold(self, event: Event) -> None:
        if isinstance(event, LLMCallStarted):
            self._start_bar(event)
            row = self._row(
                event,
                "in flight",
                agent=event.agent,
                label=event.label,
                model=event.model,
                text=snippet(event.prompt),
                ref=event.call_id,
            )
            if not row.cell and event.cell:
                row.cell = self._names.get(event.cell, "")
            self._in_flight[event.call_id] = row
        elif isinstance(event, CellStarted):
            self._name_cell(event)
        elif isinstance(event, LLMCallFinished):
            self._finish_call(event)
        elif isinstance(event, CacheLookup):
            self._cache_lookup(event)
        elif isinstance(event, MemoHit):
            self._memo_row(
                event,
                "memo hit",
                tokens=event.tokens_saved or None,
                cost_usd=event.cost_saved_usd,
                text=f"saved {event.time_saved_s:.2f} s, {event.calls_replayed} call(s) replayed",
            )
        elif isinstance(event, MemoMiss):
            self._memo_rows[event.key] = self._memo_row(
                event, "memo miss", text=event.reason, reason=event.reason
            )
        elif isinstance(event, MemoStored):
            row = self._memo_rows.pop(event.key, None)
            if row is not None:
                row.latency_s = event.duration_s
                row.text = f"{row.text}; ran and stored"
            else:
                self._memo_row(event, "memo stored", latency_s=event.duration_s)
        elif isinstance(event, MemoSkipped):
            self._memo_rows.pop(event.key, None)
            self._memo_row(event, "memo skipped", text=snippet(event.reason), reason=snippet(event.reason))
        elif isinstance(event, CacheError):
            self._row(
                event,
                "error",
                label=event.namespace,
                text=snippet(f"cache {event.stage}: {event.error}"),
            )
        elif isinstance(event, CacheInvalidated):
            self._cache_version += 1
            what = f"entry {event.entry_id}" if event.entry_id else "namespace"
            self._row(event, "invalidated", label=event.namespace, text=f"{what}: {event.removed} removed")
        elif isinstance(event, AgentMessage):
            self._row(event, "message", agent=event.agent, text=snippet(event.text))

    def _track(self, event: Event) -> None:
        """Keep in-flight calls and similarities right for an event that gets no feed row of its own."""
        kind = event.kind
        if kind == "llm_call_started":
            self._in_flight[event.call_id] = None
            self._start_bar(event)
        elif kind == "llm_call_finished":
            self._in_flight.pop(event.call_id, None)
            self._end_bar(event, _call_kind(event))
        elif kind == "cell_started":
            self._name_cell(event)
        elif kind == "cache_lookup":
            self._note_similarity(event)
        elif kind == "cache_invalidated":
            self._cache_version += 1

    def _note_similarity(self, event: CacheLookup) -> None:
        self._cache_version += 1
        if event.threshold is not None:
            self._threshold = event.threshold
        if event.similarity is not None:
            target = self._similarities if event.outcome == "semantic" else self._miss_similarities
            target.append(event.similarity)
        if event.wrong_rate_upper is not None:
            self._budgets[event.namespace] = (event.wrong_rate, event.wrong_rate_upper, event.checks)
        self._verification_calls += event.verification

    def _name_cell(self, event: CellStarted) -> None:
        self._running_cell = event.label
        count = "" if event.execution_count is None else f"In [{event.execution_count}] "
        self._names[event.label] = f"{count}{event.title}".strip() or event.label

    def _finish_call(self, event: LLMCallFinished) -> None:
        kind = _call_kind(event)
        self._end_bar(event, kind)
        row = self._in_flight.pop(event.call_id, None)
        if row is None:  # a replay: answered at once, inside the cell that asked (the one running now)
            row = self._row(event, "", agent=event.agent, label=event.label, ref=event.call_id)
            row.cell = row.cell or self._names.get(self._running_cell, "")
        row.kind = kind
        row.model = event.model or row.model
        row.latency_s = event.latency_s
        row.tokens = event.input_tokens + event.output_tokens
        row.cost_usd = event.cost_usd
        if event.similarity is not None:
            row.similarity = event.similarity
        if event.error:
            row.text = snippet(event.error)

    def _cache_lookup(self, event: CacheLookup) -> None:
        self._note_similarity(event)
        if self._in_flight:
            return  # an engine call: its own row shows the outcome when it finishes
        kind = {"exact": "exact hit", "semantic": "semantic hit"}.get(event.outcome, f"cache {event.outcome}")
        self._row(
            event,
            kind,
            label=event.namespace,
            model=event.model,
            latency_s=event.latency_s,
            tokens=event.tokens_saved or None,
            similarity=event.similarity,
            cost_usd=event.cost_saved_usd,
            text=snippet(event.prompt),
            ref=event.entry_id,
        )

    def _stats(self) -> tuple[Stats, dict[str, Stats]]:
        if self._stats_source is not None:
            return self._stats_source()
        return replace(self._collector.total), self._collector.by_label

    def _build_snapshot(self, totals: Stats, by_label: dict[str, Stats]) -> Snapshot:
        cells = tuple(
            CellRow(
                self._names.get(label, label),
                s.memo_hits,
                s.memo_misses,
                s.last_miss_reason,
                s.time_saved_s,
                self._last_memo_rows[label].row_id if label in self._last_memo_rows else None,
            )
            for label, s in by_label.items()
            if s.memo_hits or s.memo_misses or s.memo_skipped
        )
        return Snapshot(
            version=self._version,
            totals=totals,
            in_flight=len(self._in_flight),
            hit_rate=hit_rate(totals),
            feed=tuple(replace(r) for r in self._feed),
            saved_series=tuple(self._series),
            timeline=tuple((start, end, kind) for start, end, kind in self._timeline),
            semantic_similarities=tuple(self._similarities),
            miss_similarities=tuple(self._miss_similarities),
            threshold=self._threshold,
            cells=cells,
            cache_version=self._cache_version,
            error_budget=self._error_budget(),
        )

    def _error_budget(self) -> ErrorBudget | None:
        if not self._budgets:
            return None
        rate, upper, checks = max(self._budgets.values(), key=lambda b: b[1])
        return ErrorBudget(rate, upper, checks, self._verification_calls)

    @property
    def snapshot(self) -> Snapshot:
        """The state after the last batch of events."""
        return self._snapshot
