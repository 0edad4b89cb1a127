"""The resume store of a resume directory: its DuckDB file, mirrored in memory, and a background writer.

Reads never touch DuckDB: every call and memo row is mirrored in memory when the store opens and kept in
step with other processes through the directory's generation stamp and the rows' sequence numbers. Writes
go to a writer thread that commits them in batches; :meth:`ResumeStore.flush` waits for them, and a memo
write always waits, so a memo reported as stored is on disk.
"""

from __future__ import annotations

import atexit
import collections
import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..call_codec import ROW_FIELDS, call_from_columns, call_to_row
from ..errors import StoreError
from ..events import Event, MemoHit, bus
from .activity import ACTIVITY_GATHER_S, ACTIVITY_KEEP, activity_json, logged_events
from .blobs import BlobStore
from .database import NO_GENERATION, Database
from .integrity import MemoSigner, signer_of_mac
from .records import BatchEntry, CallRecord, MemoRecord
from .resume_base import History, ResumeStoreBase, StoreSummary

log = logging.getLogger("pllm_notebook")

_CALL_COLUMNS = ", ".join(ROW_FIELDS)
_MEMO_COLUMNS = "key, kind, label, agent, inputs, payload, duration_s, created, mac"

WriteOp = Callable[[Any], None]


@dataclass
class _Pending:
    op: WriteOp
    done: threading.Event
    error: BaseException | None = None


def _memo_from_row(row: tuple) -> MemoRecord:
    return MemoRecord(
        key=row[0],
        kind=row[1],
        label=row[2] or "",
        agent=row[3] or "",
        inputs=json.loads(row[4]) if row[4] else {},
        payload=json.loads(row[5]) if row[5] else {},
        duration_s=float(row[6] or 0.0),
        created=float(row[7] or 0.0),
        mac=row[8],
        signer=signer_of_mac(row[8]),
    )


def read_summary(db: Database) -> StoreSummary:
    """The totals of a directory's calls and memo rows, read without opening its store (nothing made)."""
    with db.connect() as con:
        calls, tokens_in, tokens_out, cost, first, last = con.execute(
            "SELECT count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), "
            "coalesce(sum(cost_usd), 0), min(created), max(created) FROM calls"
        ).fetchall()[0]
        memos, unsigned = con.execute("SELECT count(*), count(*) FILTER (mac IS NULL) FROM memos").fetchall()[
            0
        ]
        by_kind = con.execute("SELECT kind, count(*) FROM memos GROUP BY kind ORDER BY kind").fetchall()
        imported = con.execute(
            "SELECT split_part(mac, ':', 2), count(*) FROM memos WHERE mac LIKE 'v2:%' GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        models = con.execute(
            "SELECT model, count(*) FROM calls GROUP BY model ORDER BY count(*) DESC LIMIT 5"
        ).fetchall()
    return StoreSummary(
        calls=int(calls),
        input_tokens=int(tokens_in),
        output_tokens=int(tokens_out),
        cost_usd=float(cost),
        first_call=first,
        last_call=last,
        models=[(m, int(n)) for m, n in models],
        memos=int(memos),
        memos_by_kind={k: int(n) for k, n in by_kind},
        unsigned=int(unsigned),
        imported=[(signer, int(n)) for signer, n in imported],
    )


class ResumeStore(ResumeStoreBase):
    """Calls and memo entries of one resume directory; one instance per directory per process."""

    directory: Path
    blobs: BlobStore

    _instances: dict[Path, ResumeStore] = {}
    _instances_lock = threading.Lock()

    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> ResumeStore:
        """The process's store for ``directory``, created (and its files made) on first use."""
        path = Path(directory).expanduser().resolve()
        with cls._instances_lock:
            store = cls._instances.get(path)
            if store is None:
                store = cls(path)
                cls._instances[path] = store
            return store

    def __init__(self, directory: Path) -> None:
        self.db = Database(directory)
        super().__init__(directory, str(directory), MemoSigner.for_directory(directory))
        self._directory_text = str(directory)
        self.blobs = BlobStore(directory / "blobs")
        self._last_seq = 0
        self._generation: tuple[int, int, int] | None = None
        self._sync_lock = threading.Lock()
        self._committing = False
        self._queue: list[_Pending] = []
        self._last_submitted: _Pending | None = None
        self._stopping = False
        self._queue_cond = threading.Condition()
        self._writer: threading.Thread | None = None
        self._write_failures = 0
        # only the newest ACTIVITY_KEEP are kept on disk, so a backlog (the lock busy elsewhere) never needs more
        self._activity: collections.deque[Event] = collections.deque(maxlen=ACTIVITY_KEEP)
        self._activity_logged = 0
        self.max_bytes: int | None = None
        self._budget_warned = False
        self.sync(force=True)
        atexit.register(_flush_at_exit, weakref.ref(self))
        bus.subscribe(self._log_activity)

    # -- reading ---------------------------------------------------------------------------------

    def generation(self) -> tuple[int, int, int]:
        """The directory's change stamp (one ``stat``): it moves with every commit of any process."""
        return self.db.generation()

    def sync(self, force: bool = False) -> bool:
        """Pull rows other processes committed since the last sync; cheap when nothing changed."""
        generation = self.db.generation()
        if not force and (generation == self._generation or self._committing):
            # While our writer commits, the stamp moves under us: the mirror already holds what it
            # writes, and a foreign write that slipped in before it is caught at the next sync.
            return False
        with self._sync_lock:
            generation = self.db.generation()
            if not force and generation == self._generation:
                return False
            if generation == NO_GENERATION and self._generation not in (None, NO_GENERATION):
                self._forget_everything()
            with self.db.connect() as con:
                calls = con.execute(
                    f"SELECT {_CALL_COLUMNS}, seq FROM calls WHERE seq > ? ORDER BY seq", [self._last_seq]
                ).fetchall()
                memos = con.execute(
                    f"SELECT {_MEMO_COLUMNS}, seq FROM memos WHERE seq > ? ORDER BY seq", [self._last_seq]
                ).fetchall()
                deletions = con.execute(
                    "SELECT tbl, key, seq FROM deletions WHERE seq > ? ORDER BY seq", [self._last_seq]
                ).fetchall()
            events = [(row[-1], "call", row) for row in calls]
            events += [(row[-1], "memo", row) for row in memos]
            events += [(row[-1], "delete", row) for row in deletions]
            events.sort(key=lambda e: e[0])
            for seq, what, row in events:
                if what == "call":
                    self._remember_call(call_from_columns(row))
                elif what == "memo":
                    self._remember_memo(_memo_from_row(row))
                elif row[0] == "memos":
                    self._forget_memo(row[1])
                elif row[0] == "calls":
                    self._forget_call(row[1])
                self._last_seq = max(self._last_seq, seq)
            self._generation = generation
            return True

    def _forget_everything(self) -> None:
        """The directory was emptied (``rm -rf .pllm``): drop the mirror and start over with a new key."""
        log.info("pllm_notebook: %s was emptied; starting a new resume directory there", self.directory)
        super()._forget_everything()
        self._last_seq = 0
        self.directory.mkdir(parents=True, exist_ok=True)
        self.signer = MemoSigner.for_directory(self.directory)

    def history(self) -> History:
        """Calls, memo entries and the activity log, read under the directory lock (one moment)."""
        with self.db.locked():
            return History(self.calls(), self.memos(), self.activity_since(0))

    # -- writing ---------------------------------------------------------------------------------

    def put_call(self, record: CallRecord, *, wait: bool = False) -> None:
        """Log a call; it is visible in this process at once and on disk after the next batch.

        Calls are never deleted: a call made again under the same resume key (``ignore_cache``) becomes
        the one that key resolves to, and the older one stays in the log for memos that replay it.
        """
        self._remember_call(record)
        row = call_to_row(record)
        row["request"] = json.dumps(row["request"], default=str)
        row["response"] = json.dumps(row["response"], default=str)

        def op(con: Any) -> None:
            con.execute(
                f"INSERT INTO calls (seq, {_CALL_COLUMNS}) VALUES "
                "(nextval('change_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [row[name] for name in ROW_FIELDS],
            )

        self._submit(op, wait=wait)

    def put_memo(self, record: MemoRecord, *, wait: bool = True) -> None:
        """Commit a memo entry (replacing any under its key) and every call queued before it.

        Returns once it is on disk; raises :class:`StoreError` if it could not be written. ``wait=False``
        (for a bulk import that ends with a waiting write or :meth:`flush`) queues it with the next batch.
        """
        self.signer.sign(record)

        def op(con: Any) -> None:
            con.execute("DELETE FROM memos WHERE key = ?", [record.key])
            con.execute(
                f"INSERT INTO memos (seq, {_MEMO_COLUMNS}) VALUES (nextval('change_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    record.key,
                    record.kind,
                    record.label,
                    record.agent,
                    json.dumps(record.inputs, default=str),
                    json.dumps(record.payload, default=str),
                    record.duration_s,
                    record.created,
                    record.mac,
                ],
            )

        self._submit(op, wait=wait)
        self._remember_written_memo(record)
        if self.max_bytes is not None:
            self.keep_within(self.max_bytes)

    def keep_within(self, max_bytes: int) -> None:
        """Keep the directory under ``max_bytes`` from now on (``max_bytes=`` of ``resume_directory``).

        Over the budget, the least recently used memo entries (stored or replayed) go, with the calls and
        blobs only they use, and the file is compacted; the newest entry always stays. What went is
        logged; a budget that even the newest entry alone exceeds is reported once.
        """
        from . import gc

        if max_bytes < 0:
            raise ValueError(f"max_bytes must be a size in bytes, not {max_bytes!r}")
        self.max_bytes = max_bytes
        self.flush()
        with self.db.locked():
            if gc.directory_bytes(self.db) <= max_bytes:
                return
            chosen = gc.plan_budget(self.db, max_bytes)
            _, after = gc.apply(self.db, chosen)
        self.sync()
        log.info(
            "pllm_notebook: %s over max_bytes=%d: dropped %s", self.directory, max_bytes, chosen.summary()
        )
        if after > max_bytes and not self._budget_warned:
            self._budget_warned = True
            log.warning(
                "pllm_notebook: %s holds %d bytes, over max_bytes=%d even after dropping every entry but the "
                "newest; raise max_bytes",
                self.directory,
                after,
                max_bytes,
            )

    def delete_memo(self, key: str) -> None:
        """Remove a memo entry, here and for every other process."""
        self._forget_memo(key)

        def op(con: Any) -> None:
            con.execute("DELETE FROM memos WHERE key = ?", [key])
            con.execute(
                "INSERT INTO deletions VALUES (nextval('change_seq'), 'memos', ?, ?)", [key, time.time()]
            )

        self._submit(op, wait=True)

    # -- requests waiting in vendor batch jobs ------------------------------------------------------

    def batch_entries(self) -> dict[str, BatchEntry]:
        """Requests sent in batch jobs whose answers were not collected yet, by resume key (read from disk)."""
        with self.db.connect() as con:
            rows = con.execute(
                "SELECT batch_id, provider, model, custom_id, resume_key, created FROM batch_requests"
            ).fetchall()
        return {row[4]: BatchEntry(*row) for row in rows}

    def put_batch_entries(self, entries: Sequence[BatchEntry]) -> None:
        """Record a submitted batch job's requests; returns once they are on disk."""

        def op(con: Any) -> None:
            con.executemany(
                "INSERT INTO batch_requests VALUES (?, ?, ?, ?, ?, ?)",
                [[e.batch_id, e.provider, e.model, e.custom_id, e.resume_key, e.created] for e in entries],
            )

        self._submit(op, wait=True)

    def drop_batch_entries(self, resume_keys: Sequence[str]) -> None:
        """Forget batch requests whose answers were collected (stored as calls) or failed (asked again)."""
        keys = list(resume_keys)

        def op(con: Any) -> None:
            con.execute("DELETE FROM batch_requests WHERE list_contains(?, resume_key)", [keys])

        self._submit(op, wait=False)

    # -- activity log ------------------------------------------------------------------------------

    def _log_activity(self, event: Event) -> None:
        """Keep every event of this directory; the writer serialises and commits them in batches.

        This runs in the emitting thread (a memo hit's, say), so it only queues the event and wakes the
        writer when the queue was empty.
        """
        if event.directory != self._directory_text or self._stopping:
            return
        self._activity.append(event)
        if len(self._activity) == 1:
            with self._queue_cond:
                self._ensure_writer()
                self._queue_cond.notify()

    def _write_activity(
        self, con: Any, rows: tuple[list[float], list[str], list[str]], replayed: dict[str, float]
    ) -> None:
        """Insert logged events (as :func:`_activity_rows` made them) in one statement, keeping only the
        newest ``ACTIVITY_KEEP``, and stamp the memo entries they replayed (what a size budget and
        ``gc`` keep longest). One statement each, not one per row: the directory lock is held meanwhile."""
        con.execute(
            "INSERT INTO activity SELECT nextval('change_seq'), unnest(?), unnest(?), unnest(?)", rows
        )
        if replayed:
            con.execute(
                "UPDATE memos SET last_replayed = r.ts FROM (SELECT unnest(?) AS key, unnest(?) AS ts) r "
                "WHERE memos.key = r.key",
                [list(replayed), list(replayed.values())],
            )
        before = self._activity_logged
        self._activity_logged += len(rows[0])
        if before // 1000 != self._activity_logged // 1000:
            con.execute(
                "DELETE FROM activity WHERE seq < "
                "(SELECT min(seq) FROM (SELECT seq FROM activity ORDER BY seq DESC LIMIT ?))",
                [ACTIVITY_KEEP],
            )

    def activity_since(self, seq: int) -> list[tuple[int, Event]]:
        """Events any process logged here after ``seq``, oldest first, with their sequence numbers."""
        with self.db.connect() as con:
            rows = con.execute("SELECT seq, event FROM activity WHERE seq > ? ORDER BY seq", [seq]).fetchall()
        return logged_events(rows)

    def _submit(self, op: WriteOp, *, wait: bool) -> None:
        pending = _Pending(op, threading.Event())
        with self._queue_cond:
            self._queue.append(pending)
            self._last_submitted = pending
            self._ensure_writer()
            self._queue_cond.notify()
        if wait:
            pending.done.wait()
            if pending.error is not None:
                raise pending.error

    def _ensure_writer(self) -> None:
        """Start the writer thread if it is not running (the caller holds ``_queue_cond``)."""
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(target=self._write_loop, name="pllm-store-writer", daemon=True)
            self._writer.start()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued write is on disk (or failed); False if ``timeout`` ran out first."""
        if self._activity:
            self._submit(lambda con: None, wait=False)  # its batch carries the logged events with it
        with self._queue_cond:
            last = self._last_submitted  # the writer may hold it in a batch already taken off the queue
        if last is None:
            return True
        return last.done.wait(timeout)

    def _write_loop(self) -> None:
        while True:
            with self._queue_cond:
                while not self._queue and not self._activity:
                    if self._stopping or (
                        not self._queue_cond.wait(timeout=5.0) and not self._queue and not self._activity
                    ):
                        self._writer = None
                        return
                if not self._queue and not self._stopping:
                    # only logged events: let a burst gather, so a loop of hits costs one commit, not many
                    self._queue_cond.wait(timeout=ACTIVITY_GATHER_S)
                batch, self._queue = self._queue, []
            events = []
            while self._activity:
                events.append(self._activity.popleft())
            self._write_batch(batch, events)

    def _stop_writer(self) -> None:
        """End the writer thread at interpreter exit: a daemon thread inside DuckDB then aborts Python."""
        with self._queue_cond:
            self._stopping = True
            writer = self._writer
            self._queue_cond.notify_all()
        if writer is not None and writer is not threading.current_thread():
            writer.join(timeout=30)

    def _write_batch(self, batch: list[_Pending], events: list[Event] = ()) -> None:
        """Commit a batch (and logged events) in one transaction; every waiter learns the outcome."""
        error: BaseException | None = None
        self._committing = True
        try:
            rows = _activity_rows(events)  # serialised before the lock is taken
            replayed = {e.key: e.ts for e in events if isinstance(e, MemoHit)}
            with self.db.transaction() as con:
                for pending in batch:
                    pending.op(con)
                if events:
                    self._write_activity(con, rows, replayed)
            before, after = self.db.last_commit
            with self._sync_lock:
                if before == self._generation:
                    # only our own commit happened since the last sync: our mirror already has its rows
                    self._generation = after
        except BaseException as exc:  # reported to each waiter, logged once for the rest
            error = (
                exc if isinstance(exc, StoreError) else StoreError(f"writing to {self.db.path} failed: {exc}")
            )
            self._write_failures += 1
            if self._write_failures == 1 or self._write_failures % 100 == 0:
                log.warning("pllm_notebook could not save to %s: %s", self.directory, exc)
        finally:
            self._committing = False
        for pending in batch:
            pending.error = error
            pending.done.set()

    @property
    def write_failures(self) -> int:
        """How many write batches failed since this store opened."""
        return self._write_failures


def _activity_rows(events: Sequence[Event]) -> tuple[list[float], list[str], list[str]]:
    """The activity table's columns for ``events``: time, kind and the redacted JSON record."""
    return (
        [e.ts for e in events],
        [e.kind for e in events],
        [activity_json(e) for e in events],
    )


def _flush_at_exit(ref: weakref.ref[ResumeStore]) -> None:
    store = ref()
    if store is not None:
        store.flush(timeout=30)
        store._stop_writer()
