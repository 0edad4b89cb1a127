"""What the engine saved: counters fed by events, per resume directory and per cell or block."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields, replace

from ..events import CacheLookup, Event, LLMCallFinished, MemoHit, MemoMiss, MemoSkipped


@dataclass
class Stats:
    """Totals of one orchestrator (or one cell): calls made, hits, and what the hits saved."""

    llm_calls: int = 0
    calls_replayed: int = 0
    memo_hits: int = 0
    memo_misses: int = 0
    memo_skipped: int = 0
    cache_hits: int = 0
    exact_hits: int = 0
    semantic_hits: int = 0
    cache_misses: int = 0
    cache_bypassed: int = 0
    errors: int = 0
    time_saved_s: float = 0.0
    tokens_spent: int = 0
    tokens_saved: int = 0
    cost_spent_usd: float = 0.0
    cost_saved_usd: float = 0.0
    llm_time_s: float = 0.0
    last_miss_reason: str = ""

    def as_dict(self) -> dict[str, float | int | str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class StatsCollector:
    """Subscribes to the event bus and keeps :class:`Stats` for one resume directory."""

    directory: str
    total: Stats = field(default_factory=Stats)
    by_label: dict[str, Stats] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _for(self, label: str) -> list[Stats]:
        targets = [self.total]
        if label:
            targets.append(self.by_label.setdefault(label, Stats()))
        return targets

    def __call__(self, event: Event) -> None:
        if event.directory != self.directory:
            return
        with self._lock:
            self._count(event)

    def _count(self, event: Event) -> None:
        if isinstance(event, MemoHit):
            for s in self._for(event.label):
                s.memo_hits += 1
                s.calls_replayed += event.calls_replayed
                s.time_saved_s += event.time_saved_s
                s.tokens_saved += event.tokens_saved
                s.cost_saved_usd += event.cost_saved_usd
        elif isinstance(event, MemoMiss):
            for s in self._for(event.label):
                s.memo_misses += 1
                s.last_miss_reason = event.reason
        elif isinstance(event, MemoSkipped):
            for s in self._for(event.label):
                s.memo_skipped += 1
        elif isinstance(event, LLMCallFinished):
            tokens = event.input_tokens + event.output_tokens
            for s in self._for(event.label):
                if event.error:
                    s.errors += 1
                elif event.source == "live":
                    s.llm_calls += 1
                    s.tokens_spent += tokens
                    s.cost_spent_usd += event.cost_usd
                    s.llm_time_s += event.latency_s
                elif event.source == "memo":
                    s.calls_replayed += 1
                    s.time_saved_s += event.latency_s
                    s.tokens_saved += tokens
                    s.cost_saved_usd += event.cost_usd
        elif isinstance(event, CacheLookup):
            for s in self._for(""):
                if event.outcome in ("exact", "semantic"):
                    s.cache_hits += 1
                    s.exact_hits += event.outcome == "exact"
                    s.semantic_hits += event.outcome == "semantic"
                    s.time_saved_s += event.time_saved_s
                    s.tokens_saved += event.tokens_saved
                    s.cost_saved_usd += event.cost_saved_usd
                elif event.outcome == "bypass":
                    s.cache_bypassed += 1
                else:
                    s.cache_misses += 1

    def snapshot(self) -> Stats:
        """A copy of the totals, safe to keep."""
        with self._lock:
            return replace(self.total)

    def snapshot_by_label(self) -> dict[str, Stats]:
        """A copy of the per-cell (or per-block) counters."""
        with self._lock:
            return {k: replace(v) for k, v in self.by_label.items()}
