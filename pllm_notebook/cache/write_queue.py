"""A background thread that runs a cache's slow writes in order, off the caller's path.

Storing a miss in a file-backed storage costs a short-lived connection and a commit; the caller (waiting
for its LLM answer) should not pay for it. Writes are queued here and run one at a time in submission
order; :meth:`WriteQueue.drain` waits for all of them, and every queue drains when the process exits.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import weakref
from collections.abc import Callable

__all__ = ["WriteQueue"]

log = logging.getLogger("pllm_notebook")
_IDLE_EXIT_S = 5.0


class WriteQueue:
    """Runs submitted functions on one daemon thread, in order; the thread stops when idle."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: queue.Queue[Callable[[], None]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        atexit.register(_drain_at_exit, weakref.ref(self))

    def submit(self, write: Callable[[], None]) -> None:
        """Run ``write`` after every write submitted before it. It must report its own errors."""
        with self._lock:
            self._queue.put(write)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def drain(self) -> None:
        """Wait until every submitted write has run."""
        self._queue.join()

    def _run(self) -> None:
        while True:
            try:
                write = self._queue.get(timeout=_IDLE_EXIT_S)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            try:
                write()
            except Exception:  # a write reports its own failures; this only keeps the thread alive
                log.exception("pllm_notebook: a queued cache write failed")
            finally:
                self._queue.task_done()


def _drain_at_exit(ref: weakref.ref[WriteQueue]) -> None:
    writes = ref()
    if writes is not None:
        writes.drain()
