"""One resume directory's DuckDB file, shared safely by every thread and process that uses it.

DuckDB lets only one process open a file at a time, so no connection is kept open: each read or write
takes the exclusive directory lock (``<dir>/lock``, see ``locking.py``), opens the file, does its work and
closes it. Waiting on the lock replaces DuckDB's "Could not set lock on file" error with a queue. After
every committed write the ``generation`` file is replaced, so other processes learn of new rows with one
``stat`` call.

Connections never checkpoint: a commit only appends to the WAL (``pllm.duckdb.wal``), and the main file
is rewritten only by :meth:`Database.compact`, which builds a new file and swaps it in (``compaction.py``).
A DuckDB checkpoint overwrites blocks of the main file in place, and a process killed during one can
leave the file unreadable (``docs/reliability.md`` has the reproduction and the figures); a torn WAL tail
is only a transaction that never committed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import CorruptStoreError, SchemaTooNewError, StoreError, StoreLockedError
from ..settings import setting
from . import compaction
from .filesystems import warn_if_network
from .locking import DirectoryLock, acquire, make_lock
from .migrations import SCHEMA_VERSION, current_version, migrate

log = logging.getLogger("pllm_notebook")

DB_FILENAME = "pllm.duckdb"
NO_GENERATION = (0, 0, 0)
"""The stamp of a directory nobody has written to (or that was emptied)."""
LOCK_TIMEOUT_S = setting("lock_timeout_s")
COMPACT_WAL_BYTES = setting("compact_wal_bytes")
"""A commit that leaves the WAL larger than this, and than an eighth of the file, compacts: each open
replays the whole WAL, and each compaction copies the whole file (``benchmarks/bench_compaction.py``)."""
WAL_ONLY = {"checkpoint_threshold": "1000TB", "auto_checkpoint_skip_wal_threshold": str(2**62)}
"""DuckDB settings under which no commit checkpoints (a big one otherwise skips the WAL and does)."""

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
        self._lock: DirectoryLock | None = None
        self._migrated = False
        self._compaction_failed = False
        self.last_commit: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the resume directory {self.directory}: {exc}") from exc
        warn_if_network(self.directory)

    # -- locking ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the directory lock (re-entrant): what runs inside sees no other process's write.

        Taking it first finishes a compaction that a killed process left half done.
        """
        with self._thread_lock:
            if self._depth == 0:
                try:
                    self.directory.mkdir(parents=True, exist_ok=True)  # the user may have deleted it
                    lock = make_lock(self._lock_path)
                    taken = acquire(lock, LOCK_TIMEOUT_S)
                except OSError as exc:
                    raise self._unwritable(self._lock_path, exc) from exc
                if not taken:
                    raise StoreLockedError(
                        f"{self.directory} stayed locked by another process for {LOCK_TIMEOUT_S:.0f} s; "
                        "if no pllm_notebook process is running, delete the file "
                        f"{self._lock_path} and try again (raise PLLM_LOCK_TIMEOUT to wait longer)"
                    )
                self._lock = lock
                try:
                    compaction.finish_interrupted_swap(self.path)
                except BaseException:
                    self._release()
                    raise
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- connections -----------------------------------------------------------------------------

    def _open(self, path: Path | None = None):
        duckdb = _duckdb()
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        delay = 0.005
        while True:
            try:
                con = duckdb.connect(str(path or self.path), config=WAL_ONLY)
                try:
                    con.execute("PRAGMA disable_checkpoint_on_shutdown")
                except BaseException:
                    con.close()
                    raise
                return con
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

    def _unwritable(self, path: Path, exc: BaseException) -> StoreError:
        """The error for a directory pllm_notebook cannot write to (read-only, no permission)."""
        return StoreError(
            f"cannot write to {path} ({exc}): the resume directory {self.directory} is read-only or not "
            "yours. pllm_notebook writes there even to replay (its lock and log); make it writable, or copy "
            f"it somewhere writable (cp -r {self.directory} ~/pllm-copy) and point pllm_notebook at the copy."
        )

    def _translate(self, exc: Exception) -> StoreError:
        text = str(exc)
        lowered = text.lower()
        if "read-only file system" in lowered or "permission denied" in lowered:
            return self._unwritable(self.path, exc)
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
        anyone else wrote in between. A commit that leaves the WAL too long compacts (``COMPACT_WAL_BYTES``).
        """
        duckdb = _duckdb()
        with self.locked():
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
                self.bump_generation()
                self.last_commit = (before, self.generation())
            wal = self.wal_bytes()
            if wal > COMPACT_WAL_BYTES and wal > self.disk_bytes() // 8:
                self._compact_after_commit()

    # -- compaction ------------------------------------------------------------------------------

    def wal_bytes(self) -> int:
        """The size of the WAL: what every open replays, and what the next compaction folds in."""
        try:
            return compaction.wal_path(self.path).stat().st_size
        except FileNotFoundError:
            return 0

    def disk_bytes(self) -> int:
        """The database's size on disk: the file and its WAL."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        return size + self.wal_bytes()

    def _compact_after_commit(self) -> None:
        """Compact, but never fail the commit that is already on disk: a failure is logged (once)."""
        try:
            self.compact()
        except StoreError as exc:
            if not self._compaction_failed:
                self._compaction_failed = True
                log.warning("pllm_notebook: %s (writes go on; the WAL keeps growing until it works)", exc)

    def compact(self) -> tuple[int, int]:
        """Copy every row into a fresh file and swap it in (see ``compaction.py``).

        The old file and WAL stay untouched until the new file is complete, so a crash at any point
        loses nothing; space freed by deleted rows is given back. Returns the bytes on disk before and
        after.
        """
        duckdb = _duckdb()
        with self.locked():
            before = self.disk_bytes()
            if not self.path.exists():
                return before, before
            compaction.discard_unfinished_build(self.path)
            new = compaction.building_path(self.path)
            try:
                with self.connect() as con:
                    source = con.execute("SELECT current_database()").fetchall()[0][0]
                    con.execute("ATTACH ? AS pllm_compacting", [str(new)])
                    try:
                        con.execute(f'COPY FROM DATABASE "{source}" TO pllm_compacting')
                        con.execute("CHECKPOINT pllm_compacting")
                    finally:
                        con.execute("DETACH pllm_compacting")
                compaction.swap_in(self.path)
            except BaseException as exc:
                compaction.discard_unfinished_build(self.path)
                if isinstance(exc, duckdb.Error | OSError | RuntimeError):
                    raise StoreError(
                        f"could not compact {self.path} ({exc}); the file was not changed. Free some disk "
                        f"space (compaction needs room for a second copy) and try again."
                    ) from exc
                raise
            return before, self.disk_bytes()

    # -- change signal ---------------------------------------------------------------------------

    def bump_generation(self) -> None:
        """Tell every process following this file that it changed (a write, or a repaired file)."""
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
