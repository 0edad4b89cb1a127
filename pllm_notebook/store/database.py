"""One resume directory's DuckDB file, shared safely by every thread and process that uses it.

DuckDB lets only one process open a file at a time, so no connection is kept open: each read or write
takes an exclusive ``flock`` on ``<dir>/lock``, opens the file, does its work and closes it. Waiting on
the flock replaces DuckDB's "Could not set lock on file" error with a queue. After every committed write
the ``generation`` file is replaced, so other processes learn of new rows with one ``stat`` call.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import CorruptStoreError, SchemaTooNewError, StoreError, StoreLockedError
from .migrations import SCHEMA_VERSION, current_version, migrate

DB_FILENAME = "pllm.duckdb"
NO_GENERATION = (0, 0, 0)
"""The stamp of a directory nobody has written to (or that was emptied)."""
LOCK_TIMEOUT_S = float(os.environ.get("PLLM_LOCK_TIMEOUT", "120"))

_CORRUPT_MARKERS = (
    "not a valid duckdb database",
    "corrupt",
    "checksum",
    "serialization error",
    "invalid block",
    "failed to read",
    "database file is truncated",
    "storage version",
    "IO Error: Could not read",
)


def _is_lock_conflict(text: str) -> bool:
    """Whether a DuckDB error says another process holds the file (not "block", which also has "lock")."""
    lowered = text.lower()
    return "could not set lock" in lowered or "conflicting lock" in lowered


def _duckdb():
    import duckdb

    return duckdb


class Database:
    """Short-lived, flock-guarded connections to ``<directory>/pllm.duckdb``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser().resolve()
        self.path = self.directory / DB_FILENAME
        self._lock_path = self.directory / "lock"
        self._generation_path = self.directory / "generation"
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._lock_fd: int | None = None
        self._migrated = False
        self.last_commit: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the resume directory {self.directory}: {exc}") from exc

    # -- locking ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the directory lock (re-entrant): what runs inside sees no other process's write."""
        with self._thread_lock:
            if self._depth == 0:
                self.directory.mkdir(parents=True, exist_ok=True)  # the user may have deleted it
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                deadline = time.monotonic() + LOCK_TIMEOUT_S
                delay = 0.001
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            os.close(fd)
                            raise StoreLockedError(
                                f"{self.directory} stayed locked by another process for {LOCK_TIMEOUT_S:.0f} s; "
                                "if no pllm_notebook process is running, delete the file "
                                f"{self._lock_path} and try again (raise PLLM_LOCK_TIMEOUT to wait longer)"
                            ) from None
                        time.sleep(delay)
                        # a short cap: a waiter that sleeps long keeps losing the lock to busier processes
                        delay = min(delay * 2, 0.005)
                self._lock_fd = fd
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._lock_fd is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                    os.close(self._lock_fd)
                    self._lock_fd = None

    # -- connections -----------------------------------------------------------------------------

    def _open(self):
        duckdb = _duckdb()
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        delay = 0.005
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                text = str(exc)
                if _is_lock_conflict(text) and time.monotonic() < deadline:
                    # a process that is not pllm_notebook (a DuckDB shell, say) has the file open
                    time.sleep(delay)
                    delay = min(delay * 2, 0.2)
                    continue
                raise self._translate(exc) from exc
            except duckdb.Error as exc:
                raise self._translate(exc) from exc

    def _translate(self, exc: Exception) -> StoreError:
        text = str(exc)
        lowered = text.lower()
        if _is_lock_conflict(text):
            return StoreLockedError(
                f"another program keeps {self.path} open ({text}); close it (a DuckDB shell, say) and try again"
            )
        if any(marker.lower() in lowered for marker in _CORRUPT_MARKERS):
            return CorruptStoreError(
                f"the resume directory's database {self.path} is damaged or unreadable ({text}). Nothing was "
                f"changed. Run `pllm-notebook repair {self.directory}` to save what can be read into a new "
                "file, or point pllm_notebook at a new directory."
            )
        return StoreError(f"cannot use {self.path}: {text}")

    def _check_version(self, con) -> None:
        version = current_version(con)
        if version > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"{self.path} has schema version {version}, but this pllm_notebook only knows up to "
                f"{SCHEMA_VERSION}. Upgrade with `pip install -U pllm-notebook`, or use another resume directory."
            )
        if version < SCHEMA_VERSION:
            migrate(con)

    @contextlib.contextmanager
    def connect(self) -> Iterator:
        """An open connection to the file, held under the directory lock until the block ends."""
        duckdb = _duckdb()
        with self.locked():
            fresh_file = not self.path.exists()
            con = self._open()
            try:
                if not self._migrated or fresh_file:
                    try:
                        self._check_version(con)
                    except duckdb.Error as exc:
                        raise self._translate(exc) from exc
                    self._migrated = True
                try:
                    yield con
                except duckdb.Error as exc:  # a damaged file often fails only when a table is read
                    raise self._translate(exc) from exc
            finally:
                con.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator:
        """A connection inside one transaction: committed if the block ends normally, else rolled back.

        A commit bumps the generation file so other processes see the change; ``last_commit`` then holds
        the stamps just before and just after it (read under the lock), so the writer can tell whether
        anyone else wrote in between.
        """
        duckdb = _duckdb()
        with self.connect() as con:
            before = self.generation()
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    con.execute("ROLLBACK")
                if isinstance(exc, duckdb.Error):
                    raise self._translate(exc) from exc
                raise
            self._bump_generation()
            self.last_commit = (before, self.generation())

    # -- change signal ---------------------------------------------------------------------------

    def _bump_generation(self) -> None:
        tmp = self._generation_path.with_name(f".generation-{os.getpid()}-{threading.get_ident()}")
        tmp.write_text(f"{time.time_ns()}\n")
        os.replace(tmp, self._generation_path)

    def generation(self) -> tuple[int, int, int]:
        """A stamp that changes whenever any process commits a write; costs one ``stat``."""
        try:
            st = os.stat(self._generation_path)
        except FileNotFoundError:
            return NO_GENERATION
        return (st.st_ino, st.st_mtime_ns, st.st_size)
