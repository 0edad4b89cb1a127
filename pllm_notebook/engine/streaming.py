"""The engine's side of streaming: a thread-safe feed of chunks, and a requests-per-minute throttle.

A streamed call runs on a worker thread and puts each piece of text into a :class:`ChunkFeed` as it
arrives; the user iterates the ``LLMResponse`` in the notebook thread and gets the pieces as they come.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from ..errors import ConfigError


class ChunkFeed:
    """Pieces of a streamed answer, written by one thread and read (any number of times) by others."""

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._closed = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()

    def put(self, text: str) -> None:
        with self._cond:
            self._chunks.append(text)
            self._cond.notify_all()

    def close(self, error: BaseException | None = None) -> None:
        """No more pieces; readers get ``error`` (a stream cut off midway) once they reach the end."""
        with self._cond:
            self._closed = True
            self._error = error
            self._cond.notify_all()

    def __iter__(self) -> Iterator[str]:
        index = 0
        while True:
            with self._cond:
                while index >= len(self._chunks) and not self._closed:
                    self._cond.wait()
                if index >= len(self._chunks):
                    if self._error is not None:
                        raise self._error
                    return
                piece = self._chunks[index]
            index += 1
            yield piece


class Throttle:
    """At most ``requests_per_minute`` calls a minute, spaced evenly; shared by every worker thread."""

    def __init__(self, requests_per_minute: float) -> None:
        if not isinstance(requests_per_minute, int | float) or requests_per_minute <= 0:
            raise ConfigError(f"requests_per_minute must be a positive number, not {requests_per_minute!r}")
        self.interval_s = 60.0 / float(requests_per_minute)
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this call's slot comes."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval_s
        if slot > now:
            time.sleep(slot - now)
