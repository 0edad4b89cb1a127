"""The resume directory's inter-process lock, behind one small interface.

Two implementations: ``flock`` (POSIX, the default there: it is released by the kernel when a process
dies, even by SIGKILL) and ``filelock`` (the maintained cross-platform library pip, tox and
huggingface_hub use: ``LockFileEx`` on Windows, ``flock`` elsewhere). ``PLLM_LOCK=portable`` forces the
second on POSIX too, so its code path is tested where CI runs. Neither imports a POSIX-only module until
a lock is made.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Protocol

from ..settings import setting

LOCK_ENV = "PLLM_LOCK"
"""``flock`` or ``portable``; unset means ``flock`` on POSIX and ``portable`` on Windows."""


class DirectoryLock(Protocol):
    """An exclusive lock on one file, shared by every process that uses the directory."""

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; False (at once) if someone does."""

    def release(self) -> None:
        """Give the lock back (only after a successful :meth:`try_acquire`)."""


class FlockLock:
    """``flock(2)`` on a file kept open while the lock is held."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        import fcntl

        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PortableLock:
    """``filelock.FileLock``: the OS's own lock on Windows, macOS and Linux."""

    def __init__(self, path: Path) -> None:
        from filelock import FileLock

        self.path = path
        # thread_local=False: the lock is taken and released by whichever thread holds our RLock
        self._lock = FileLock(str(path), thread_local=False, is_singleton=False)

    def try_acquire(self) -> bool:
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def release(self) -> None:
        self._lock.release()


def lock_kind() -> str:
    """The implementation in use: ``PLLM_LOCK`` if set, else the platform's default."""
    kind = setting("lock")
    if kind in ("flock", "portable"):
        return kind
    if kind:
        raise ValueError(f"{LOCK_ENV}={kind!r} is not a lock implementation; use 'flock' or 'portable'")
    return "portable" if sys.platform == "win32" else "flock"


def make_lock(path: Path) -> DirectoryLock:
    """A lock on ``path`` of the configured kind."""
    return PortableLock(path) if lock_kind() == "portable" else FlockLock(path)


def acquire(lock: DirectoryLock, timeout_s: float) -> bool:
    """Wait for ``lock`` up to ``timeout_s``; False if it stayed busy.

    Polls with a short cap on the sleep: a waiter that sleeps long keeps losing the lock to busier
    processes.
    """
    deadline = time.monotonic() + timeout_s
    delay = 0.001
    while not lock.try_acquire():
        if time.monotonic() > deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.005)
    return True
