"""Follow a resume store that another process (a notebook kernel) is writing, for the standalone view.

The standalone dashboard cannot hear the kernel's event bus, so it reads what the kernel stores: a resume
directory or a shared Redis store, through the resume store interface. The first poll reads the whole
activity log (and rebuilds from the call log and the memo entries what the log does not hold); from then
on it reads what was added to the activity log, where every process using the store records its events
(memo hits and calls still in flight included), so it shows what the kernel's inline dashboard shows. A
thread checks the store's change stamp (one ``stat`` of a directory, one round trip to Redis) a few times
a second and reads only when it moved; a directory is read through short flock-guarded connections, so
the kernel is never locked out for long.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Callable, Hashable
from typing import Any

from ..call_codec import savings
from ..events import CacheLookup, Event, LLMCallFinished, LLMCallStarted, MemoMiss, MemoStored
from ..store import CallRecord, MemoRecord, ResumeStore, ResumeStoreBase
from .model import DashboardModel

log = logging.getLogger("pllm_notebook")

POLL_INTERVAL_S = 0.5


def _prompt(request: dict[str, Any]) -> str:
    for message in reversed(request.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            return " ".join(str(p.get("text", "")) for p in content or [] if isinstance(p, dict))
    return ""


def call_events(call: CallRecord, directory: str) -> list[Event]:
    """The events a logged call stands for: it started, maybe hit the cache, and finished."""
    common = {"call_id": call.call_id, "agent": call.agent, "provider": call.provider, "model": call.model}
    events: list[Event] = [
        LLMCallStarted(
            **common, prompt=_prompt(call.request), ts=call.created - call.latency_s, directory=directory
        )
    ]
    if call.source in ("exact", "semantic"):
        events.append(
            CacheLookup(
                outcome=call.source,
                similarity=call.similarity,
                model=call.model,
                ts=call.created,
                directory=directory,
                **savings(call),
            )
        )
    events.append(LLMCallFinished.of(call, ts=call.created, directory=directory))
    return events


def memo_events(memo: MemoRecord, directory: str) -> list[Event]:
    """A stored memo entry: its block or cell ran (a miss) and was stored."""
    common = {"key": memo.key, "label": memo.label, "agent": memo.agent, "directory": directory}
    return [
        MemoMiss(**common, reason="ran (seen on disk)", ts=memo.created - memo.duration_s),
        MemoStored(**common, duration_s=memo.duration_s, ts=memo.created),
    ]


class DirectoryFollower:
    """Feeds ``model`` with what other processes store in ``source`` (a resume directory, or any resume
    store, such as a shared Redis one); call :meth:`start`. Every event read is shown as the model's."""

    def __init__(
        self,
        source: str | os.PathLike[str] | ResumeStoreBase,
        model: DashboardModel,
        interval_s: float = POLL_INTERVAL_S,
    ) -> None:
        if isinstance(source, ResumeStoreBase):
            self.store = source
        elif isinstance(source, (str, os.PathLike)):
            self.store = ResumeStore.open(source)
        else:
            raise TypeError(
                f"a follower reads a resume directory or a resume store, not {type(source).__name__}"
            )
        self.model = model
        self.interval_s = interval_s
        self._stamp: Hashable | None = None
        self._activity_seq: int | None = None
        self._listeners: tuple[Callable[[], None], ...] = ()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add_listener(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn()`` whenever the directory changed (the cache browser re-reads then)."""
        with self._lock:
            self._listeners = (*self._listeners, fn)

        def remove() -> None:
            with self._lock:
                self._listeners = tuple(f for f in self._listeners if f is not fn)

        return remove

    def poll(self) -> bool:
        """Fold in what changed since the last poll; False (after one look at the change stamp) when nothing did."""
        stamp = self.store.generation()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        if self._activity_seq is None:
            events = self._history()
        else:
            logged = self.store.activity_since(self._activity_seq)
            if logged:
                self._activity_seq = logged[-1][0]
            events = [event for _, event in logged]
        self.model.apply(self._as_model_events(events))
        for fn in self._listeners:
            try:
                fn()
            except Exception:
                log.exception("dashboard directory listener %r failed", fn)
        return True

    def _history(self) -> list[Event]:
        """Everything stored so far, as events: the whole activity log (memo hits, replays and cache
        misses live only there), plus the calls and memo entries it does not hold (written before the
        log existed, or trimmed from it), rebuilt from their tables."""
        directory = self.model.directory
        calls, memos, logged = self.store.history()  # from one moment
        self._activity_seq = logged[-1][0] if logged else 0
        events = [event for _, event in logged]
        logged_calls = {e.call_id for e in events if isinstance(e, (LLMCallStarted, LLMCallFinished))}
        logged_memos = {e.key for e in events if isinstance(e, MemoStored)}
        events += [
            e for call in calls if call.call_id not in logged_calls for e in call_events(call, directory)
        ]
        events += [e for memo in memos if memo.key not in logged_memos for e in memo_events(memo, directory)]
        events.sort(key=lambda e: e.ts)
        return events

    def _as_model_events(self, events: list[Event]) -> list[Event]:
        """``events`` stamped with the model's directory: a shared store logs the events of every
        directory using it, and the model keeps only its own."""
        directory = self.model.directory
        return [
            e if e.directory == directory else dataclasses.replace(e, directory=directory) for e in events
        ]

    def start(self) -> DirectoryFollower:
        """Poll now, then in a background thread until :meth:`close`."""
        self.poll()
        self._thread = threading.Thread(target=self._run, name="pllm-dashboard-follow", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        failing = False
        while not self._stop.wait(self.interval_s):
            try:
                self.poll()
                failing = False
            except Exception:  # a locked directory or a Redis away must not stop the dashboard; try again
                if not failing:
                    log.exception("dashboard could not read %s; trying again", self.store.where)
                failing = True

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
