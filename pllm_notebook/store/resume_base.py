"""The resume store interface: everything the engine, the notebook, the dashboard and the tools may ask of a
store of calls and memo entries, whichever backend holds them.

Two stores implement it in full: :class:`~.resume_store.ResumeStore` (a resume directory's DuckDB file) and
:class:`~.redis_resume_store.RedisResumeStore` (a Redis shared by several processes and machines). Both keep
every call and memo entry in the in-memory mirror this base class owns, so reads never wait on the
backend; each fills it through :meth:`ResumeStoreBase.sync` and writes through its own methods. Code that
receives a store checks it with ``isinstance(store, ResumeStoreBase)`` and calls nothing outside it.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol, runtime_checkable

from ..events import Event
from .integrity import MemoSigner
from .records import BatchEntry, CallRecord, MemoRecord

__all__ = ["Blobs", "History", "ResumeStoreBase", "StoreSummary", "summarize"]

log = logging.getLogger("pllm_notebook")


@runtime_checkable
class Blobs(Protocol):
    """Content-addressed bytes too large for a row (pickles, images, captured outputs)."""

    def put(self, data: bytes) -> str:
        """Store ``data``; returns its SHA-256, the name it is read back by."""

    def get(self, digest: str) -> bytes:
        """The bytes named ``digest``; raises :class:`~pllm_notebook.errors.IntegrityError` if they are
        missing or do not match it."""

    def exists(self, digest: str) -> bool:
        """Whether a blob of this name is stored."""

    def usage(self) -> tuple[int, int]:
        """How many blobs are stored and their total size in bytes."""


class History(NamedTuple):
    """What a store holds at one moment, for a reader that starts late (the standalone dashboard)."""

    calls: list[CallRecord]
    memos: list[MemoRecord]
    activity: list[tuple[int, Event]]


@dataclass
class StoreSummary:
    """Totals of a store's calls and memo entries, as ``pllm-notebook info`` prints them."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    first_call: float | None = None
    last_call: float | None = None
    models: list[tuple[str, int]] = field(default_factory=list)
    """The five most used models, with their number of calls."""
    memos: int = 0
    memos_by_kind: dict[str, int] = field(default_factory=dict)
    unsigned: int = 0
    imported: list[tuple[str, int]] = field(default_factory=list)
    """Entries imported from signed bundles, by signer fingerprint."""
    refused: int = 0
    """Entries that fail their integrity check here (never replayed)."""


def summarize(calls: Sequence[CallRecord], memos: Sequence[MemoRecord], refused: int = 0) -> StoreSummary:
    """The totals of ``calls`` and ``memos`` (every stored memo row, refused ones included)."""
    created = [c.created for c in calls]
    return StoreSummary(
        calls=len(calls),
        input_tokens=sum(c.input_tokens for c in calls),
        output_tokens=sum(c.output_tokens for c in calls),
        cost_usd=sum(c.cost_usd for c in calls),
        first_call=min(created, default=None),
        last_call=max(created, default=None),
        models=Counter(c.model for c in calls).most_common(5),
        memos=len(memos),
        memos_by_kind=dict(sorted(Counter(m.kind for m in memos).items())),
        unsigned=sum(1 for m in memos if m.mac is None),
        imported=Counter(m.signer for m in memos if m.signer).most_common(),
        refused=refused,
    )


class ResumeStoreBase(ABC):
    """Calls and memo entries of one resume directory or one shared Redis, mirrored in memory.

    ``directory`` is the resume directory this process works in (None for a Redis store opened by its URL
    alone); ``where`` names the store in messages and on the dashboard.
    """

    directory: Path | None
    where: str
    blobs: Blobs
    signer: MemoSigner

    def __init__(self, directory: Path | None, where: str, signer: MemoSigner) -> None:
        self.directory = directory
        self.where = where
        self.signer = signer
        self._calls: dict[str, CallRecord] = {}
        self._by_resume_key: dict[str, str] = {}
        self._memos: dict[str, MemoRecord] = {}
        self._refused: dict[str, MemoRecord] = {}
        self._refusals_reported: set[str] = set()

    # -- the mirror ------------------------------------------------------------------------------

    def _remember_call(self, record: CallRecord) -> None:
        self._calls[record.call_id] = record
        if record.resume_key:
            self._by_resume_key[record.resume_key] = record.call_id

    def _forget_call(self, call_id: str) -> None:
        record = self._calls.pop(call_id, None)
        if record and record.resume_key and self._by_resume_key.get(record.resume_key) == call_id:
            del self._by_resume_key[record.resume_key]

    def _remember_memo(self, memo: MemoRecord) -> None:
        """Mirror a memo row if its integrity check passes; otherwise keep it aside as refused."""
        if self.signer.verify(memo):
            self._memos[memo.key] = memo
            self._refused.pop(memo.key, None)
        else:
            self._memos.pop(memo.key, None)
            self._refused[memo.key] = memo
            self._refusals_reported.discard(memo.key)

    def _remember_written_memo(self, memo: MemoRecord) -> None:
        """Mirror a memo entry this store has just signed and written (no refusal stands for its key)."""
        self._memos[memo.key] = memo
        self._refused.pop(memo.key, None)

    def _forget_memo(self, key: str) -> None:
        self._memos.pop(key, None)
        self._refused.pop(key, None)

    def _forget_everything(self) -> None:
        self._calls.clear()
        self._by_resume_key.clear()
        self._memos.clear()
        self._refused.clear()

    # -- reading ---------------------------------------------------------------------------------

    @abstractmethod
    def sync(self, force: bool = False) -> bool:
        """Pull what other processes wrote since the last sync; False (cheaply) when nothing changed."""

    @abstractmethod
    def generation(self) -> Hashable:
        """A stamp that changes whenever any process writes here, activity log included (cheap)."""

    def call(self, call_id: str) -> CallRecord | None:
        """The call with this id, looking at other processes' writes if it is not known yet."""
        record = self._calls.get(call_id)
        if record is None and self.sync():
            record = self._calls.get(call_id)
        return record

    def call_for_resume_key(self, resume_key: str) -> CallRecord | None:
        """The stored call a resumable ``ask_llm`` made under this key (the newest such call), if any."""
        self.sync()
        call_id = self._by_resume_key.get(resume_key)
        return self._calls.get(call_id) if call_id else None

    def memo(self, key: str) -> MemoRecord | None:
        """The memo entry stored under ``key``, if any; an entry that fails its integrity check is refused
        (and the refusal logged once)."""
        self.sync()
        record = self._memos.get(key)
        if record is None:
            refused = self._refused.get(key)
            if refused is not None and key not in self._refusals_reported:
                self._refusals_reported.add(key)
                log.warning("%s", self.signer.refusal_message(refused))
        return record

    @property
    def refused_memos(self) -> list[MemoRecord]:
        """Memo rows that failed their integrity check and are never replayed."""
        return list(self._refused.values())

    def latest_memo(self, label: str, kind: str) -> MemoRecord | None:
        """The newest memo of this label, so a miss can say what changed since it."""
        best = None
        for memo in self._memos.values():
            if memo.label == label and memo.kind == kind and (best is None or memo.created > best.created):
                best = memo
        return best

    def calls(self) -> list[CallRecord]:
        """Every call this store knows, oldest first."""
        self.sync()
        return sorted(self._calls.values(), key=lambda c: c.created)

    def memos(self) -> list[MemoRecord]:
        """Every memo entry this store knows (refused ones left out), oldest first."""
        self.sync()
        return sorted(self._memos.values(), key=lambda m: m.created)

    def summary(self) -> StoreSummary:
        """Totals of every call and memo row stored here, refused rows counted apart."""
        self.sync()
        refused = self.refused_memos
        return summarize(self.calls(), [*self.memos(), *refused], len(refused))

    @abstractmethod
    def history(self) -> History:
        """Calls, memo entries and the whole activity log as of one moment."""

    @abstractmethod
    def activity_since(self, seq: int) -> list[tuple[int, Event]]:
        """Events any process logged here after ``seq`` (0: all), oldest first, with their increasing
        sequence numbers; secrets were redacted before they were logged."""

    # -- writing ---------------------------------------------------------------------------------

    @abstractmethod
    def put_call(self, record: CallRecord, *, wait: bool = False) -> None:
        """Log a call; it is visible in this process at once. A call made again under the same resume key
        becomes the one that key resolves to; the older one stays for the memo entries that replay it.
        ``wait`` returns only once it is stored (raising :class:`StoreError` if it could not be)."""

    @abstractmethod
    def put_memo(self, record: MemoRecord, *, wait: bool = True) -> None:
        """Sign and store a memo entry (replacing any under its key) with every call logged before it.

        Returns once it is stored; raises :class:`StoreError` if it could not be. ``wait=False`` (a bulk
        import that ends with :meth:`flush`) may leave it queued."""

    @abstractmethod
    def delete_memo(self, key: str) -> None:
        """Remove a memo entry, here and for every other process."""

    @abstractmethod
    def keep_within(self, max_bytes: int) -> None:
        """Keep the store under ``max_bytes`` from now on, dropping the least used entries, or raise
        :class:`ConfigError` saying why this store cannot."""

    @abstractmethod
    def batch_entries(self) -> dict[str, BatchEntry]:
        """Requests sent in vendor batch jobs whose answers were not collected yet, by resume key."""

    @abstractmethod
    def put_batch_entries(self, entries: Sequence[BatchEntry]) -> None:
        """Record a submitted batch job's requests; returns once they are stored."""

    @abstractmethod
    def drop_batch_entries(self, resume_keys: Sequence[str]) -> None:
        """Forget batch requests whose answers were collected (stored as calls) or failed."""

    @abstractmethod
    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued write (logged events included) is stored; False if ``timeout`` ran out
        or something could not be written."""

    @property
    @abstractmethod
    def write_failures(self) -> int:
        """How many writes failed since this store opened."""
