"""``pllm-notebook gc DIR``: drop what no cell uses any more, then compact so the directory shrinks.

What goes (:func:`plan`):

- memo entries of old versions: for each cell or block (its kind, label, agent and salt), the entries of
  its ``keep`` most recently used code versions stay (used: stored or replayed, whichever is later), so a
  block run in a loop keeps every iteration of its current version; the rest go;
- calls that only dropped entries replay, and calls superseded under their resume key (``ignore_cache``)
  that no kept entry replays; the newest call of each resume key stays, so a plain ``ask_llm`` still
  resumes;
- semantic-cache entries past their TTL;
- blobs no kept entry names: those of dropped entries unless put again since, others once older than
  ``grace_s`` (a kernel writes an entry's blobs just before the entry itself, so a fresh unnamed blob
  may be about to be named).

Rows are deleted in one transaction that also logs them in ``deletions``, so every process's mirror
forgets them; a kernel replaying meanwhile replays what is kept, and an entry that goes under it runs
again and says why. Then :meth:`Database.compact` rewrites the file and the space really comes back.
:func:`plan_budget` picks entries the same way for a size budget, least recently used first.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .database import Database

BLOB_GRACE_S = 600.0
"""Blobs younger than this are never collected: their entry may be committing right now."""

_DIGEST = re.compile(r"[0-9a-f]{64}")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass
class Plan:
    """What a collection drops, and the bytes it frees (rows: their JSON text; blobs: their files)."""

    memo_keys: list[str] = field(default_factory=list)
    call_ids: list[str] = field(default_factory=list)
    cache_ids: list[str] = field(default_factory=list)
    blobs: dict[Path, float] = field(default_factory=dict)
    """Blob files to delete, with the modification time they had when planned."""
    row_bytes: int = 0
    blob_bytes: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.memo_keys)} memo entries, {len(self.call_ids)} calls, {len(self.cache_ids)} expired "
            f"cache entries ({_mb(self.row_bytes)} of rows), {len(self.blobs)} blobs ({_mb(self.blob_bytes)})"
        )


@dataclass
class _Memo:
    key: str
    group: tuple
    version: str
    created: float
    used: float
    payload: str


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def _blob_files(directory: Path) -> dict[str, Path]:
    """Every stored blob by digest (temporary and damaged files are not blobs)."""
    found = {}
    root = directory / "blobs"
    if root.is_dir():
        for path in root.glob("*/*"):
            digest = path.parent.name + path.name
            if path.is_file() and _DIGEST.fullmatch(digest):
                found[digest] = path
    return found


def directory_bytes(db: Database) -> int:
    """What a budget counts: the database (file and WAL) and the blobs."""
    return db.disk_bytes() + sum(p.stat().st_size for p in _blob_files(db.directory).values())


def _read(con) -> tuple[list[_Memo], dict[str, tuple[str, float, int]]]:
    """Memo entries (with how they group and when last used) and calls (resume key, time, size)."""
    memos = []
    for key, kind, label, agent, inputs, payload, created, replayed in con.execute(
        "SELECT key, kind, label, agent, inputs, payload, created, last_replayed FROM memos"
    ).fetchall():
        given = json.loads(inputs) if inputs else {}
        group = (kind, label, agent, json.dumps(given.get("salt")))
        used = max(created or 0.0, replayed or 0.0)
        memos.append(_Memo(key, group, str(given.get("source", key)), created or 0.0, used, payload or ""))
    calls = {
        call_id: (resume_key or "", created or 0.0, int(size or 0))
        for call_id, resume_key, created, size in con.execute(
            "SELECT call_id, resume_key, created, length(request::VARCHAR) + length(response::VARCHAR) "
            "+ length(response_text) FROM calls"
        ).fetchall()
    }
    return memos, calls


def _old_versions(memos: list[_Memo], keep: int) -> set[str]:
    """Keys of entries outside their cell's ``keep`` most recently used versions."""
    groups: dict[tuple, dict[str, float]] = {}
    for memo in memos:
        versions = groups.setdefault(memo.group, {})
        versions[memo.version] = max(versions.get(memo.version, 0.0), memo.used)
    kept = {
        (group, version)
        for group, versions in groups.items()
        for version in sorted(versions, key=versions.get, reverse=True)[:keep]
    }
    return {memo.key for memo in memos if (memo.group, memo.version) not in kept}


def _finish(
    con, directory: Path, memos: list[_Memo], calls: dict, dropped: set[str], now: float, grace_s: float
) -> Plan:
    """The plan once the memo entries to drop are chosen: the calls, cache entries and blobs that follow."""
    kept_payloads = [m.payload for m in memos if m.key not in dropped]
    named_calls = {s for text in kept_payloads for s in _QUOTED.findall(text) if s in calls}
    named_blobs = {d for text in kept_payloads for d in _DIGEST.findall(text)}
    newest: dict[str, tuple[float, str]] = {}
    for call_id, (resume_key, created, _) in calls.items():
        if resume_key and (resume_key not in newest or created > newest[resume_key][0]):
            newest[resume_key] = (created, call_id)
    latest = {call_id for _, call_id in newest.values()}
    only_dropped = {s for m in memos if m.key in dropped for s in _QUOTED.findall(m.payload) if s in calls}
    plan = Plan(memo_keys=sorted(dropped))
    plan.call_ids = sorted(
        c for c in calls if c not in named_calls and (c in only_dropped or c not in latest)
    )
    plan.cache_ids = [
        row[0]
        for row in con.execute(
            "SELECT id FROM cache_entries WHERE expires IS NOT NULL AND expires < ?", [now]
        ).fetchall()
    ]
    plan.row_bytes = sum(len(m.payload) for m in memos if m.key in dropped)
    plan.row_bytes += sum(calls[c][2] for c in plan.call_ids)
    if plan.cache_ids:
        plan.row_bytes += con.execute(
            "SELECT coalesce(sum(length(request::VARCHAR) + length(response::VARCHAR) + 4 * len(embedding)), 0) "
            "FROM cache_entries WHERE expires IS NOT NULL AND expires < ?",
            [now],
        ).fetchall()[0][0]
    # a blob of a dropped entry goes unless it was put again after that entry was stored (a new entry
    # with the same bytes may be committing); a blob nobody names waits out the grace period
    stored_at: dict[str, float] = {}
    for memo in memos:
        if memo.key in dropped:
            for digest in _DIGEST.findall(memo.payload):
                stored_at[digest] = max(stored_at.get(digest, 0.0), memo.created)
    for digest, path in _blob_files(directory).items():
        stat = path.stat()
        limit = max(stored_at.get(digest, 0.0) + 1.0, now - grace_s)
        if digest not in named_blobs and stat.st_mtime <= limit:
            plan.blobs[path] = stat.st_mtime
            plan.blob_bytes += stat.st_size
    return plan


def plan(db: Database, *, keep: int = 1, grace_s: float = BLOB_GRACE_S, now: float | None = None) -> Plan:
    """What ``gc --keep keep`` would drop now (changes nothing)."""
    if keep < 1:
        raise ValueError(f"keep must be at least 1 (got {keep}): gc never drops a cell's latest version")
    now = time.time() if now is None else now
    with db.connect() as con:
        memos, calls = _read(con)
        return _finish(con, db.directory, memos, calls, _old_versions(memos, keep), now, grace_s)


def plan_budget(db: Database, max_bytes: int, *, grace_s: float = BLOB_GRACE_S) -> Plan:
    """Drop least recently used memo entries until the directory would fit in ``max_bytes``.

    The newest entry always stays, even alone over the budget (it was just stored for a reason).
    """
    now = time.time()
    with db.connect() as con:
        memos, calls = _read(con)
        blobs = _blob_files(db.directory)
        sizes = {d: p.stat().st_size for d, p in blobs.items()}
        refs: dict[str, int] = {}
        named = {m.key: set(_DIGEST.findall(m.payload)) & sizes.keys() for m in memos}
        for digests in named.values():
            for d in digests:
                refs[d] = refs.get(d, 0) + 1
        total = directory_bytes(db)
        dropped: set[str] = set()
        for memo in sorted(memos, key=lambda m: m.used)[:-1]:
            if total <= max_bytes:
                break
            dropped.add(memo.key)
            total -= len(memo.payload)
            for d in named[memo.key]:
                refs[d] -= 1
                if refs[d] == 0:
                    total -= sizes[d]
        return _finish(con, db.directory, memos, calls, dropped, now, grace_s)


def apply(db: Database, chosen: Plan) -> tuple[int, int]:
    """Delete what ``chosen`` names (rows logged in ``deletions``), then compact; bytes before and after.

    Call it under ``db.locked()`` together with the plan, so no entry is committed in between; a blob
    put again since the plan (a new entry with the same bytes refreshes its time) is kept.
    """
    before = directory_bytes(db)
    with db.locked():
        if chosen.memo_keys or chosen.call_ids or chosen.cache_ids:
            with db.transaction() as con:
                now = time.time()
                for table, column, tbl, keys in (
                    ("memos", "key", "memos", chosen.memo_keys),
                    ("calls", "call_id", "calls", chosen.call_ids),
                    ("cache_entries", "id", "cache_entries", chosen.cache_ids),
                ):
                    if keys:
                        con.execute(f"DELETE FROM {table} WHERE list_contains(?, {column})", [keys])
                        con.execute(
                            "INSERT INTO deletions SELECT nextval('change_seq'), ?, unnest(?::VARCHAR[]), ?",
                            [tbl, keys, now],
                        )
        for path, planned in chosen.blobs.items():
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime == planned:
                    path.unlink()
        db.compact()
    after = directory_bytes(db)
    return before, after


# -- the command -----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", help="the resume directory (holding pllm.duckdb)")
    parser.add_argument(
        "--keep", type=int, default=1, help="code versions kept per cell or block (label and salt); default 1"
    )
    parser.add_argument("--dry-run", action="store_true", help="say what would be freed, change nothing")
    parser.add_argument(
        "--grace",
        type=float,
        default=BLOB_GRACE_S,
        metavar="SECONDS",
        help=f"keep unnamed blobs younger than this (default {BLOB_GRACE_S:.0f})",
    )


def run(args: argparse.Namespace) -> int:
    from ..errors import StoreError
    from .database import DB_FILENAME

    directory = Path(args.directory).expanduser().resolve()
    if not (directory / DB_FILENAME).exists():
        print(f"{directory} holds no {DB_FILENAME}: there is nothing to collect.", file=sys.stderr)
        return 2
    db = Database(directory)
    try:
        with db.locked():
            chosen = plan(db, keep=args.keep, grace_s=args.grace)
            if args.dry_run:
                print(f"gc {directory} (dry run, keep {args.keep}): would drop {chosen.summary()},")
                print(f"  then rewrite the database ({_mb(db.disk_bytes())} on disk now, WAL included)")
                return 0
            before, after = apply(db, chosen)
    except (StoreError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"gc {directory} (keep {args.keep}): dropped {chosen.summary()}")
    print(f"  size on disk {_mb(before)} -> {_mb(after)}")
    return 0
