"""``pllm-notebook repair DIR``: save what can be read from a damaged resume directory into a new file.

The damaged file is never deleted or changed: it is renamed to ``pllm.duckdb.damaged-<time>`` (with its
write-ahead log) and a new ``pllm.duckdb`` is built from every row that could still be read. Rows that
cannot be read are counted and reported. ``--trust`` re-signs memo entries that fail their integrity
check (a directory copied from another machine) with this machine's key: do that only for a directory
whose origin you trust, since memo entries replay pickled variables.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, TextIO

TABLES = ("calls", "memos", "cache_entries", "activity", "deletions")
_CHUNK_ROWS = 2048
# Rows of the new file get sequence numbers well above the old ones, so a process that still mirrors
# the old file (and remembers a high sequence number) does not skip rows written after the repair.
_SEQUENCE_GAP = 1_000_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", help="the resume directory (holding pllm.duckdb)")
    parser.add_argument(
        "--force", action="store_true", help="rebuild the file even if it reads without errors"
    )
    parser.add_argument(
        "--trust",
        action="store_true",
        help="re-sign memo entries that fail their integrity check with this machine's key "
        "(only for a directory you trust: memo entries replay pickled variables)",
    )


def _read_table(con: Any, table: str) -> tuple[list[str], list[tuple], int]:
    """Columns and every readable row of ``table``, plus how many rows could not be read."""
    columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
    try:
        return columns, con.execute(f"SELECT * FROM {table}").fetchall(), 0
    except Exception:
        pass
    try:
        top = int(con.execute(f"SELECT max(rowid) FROM {table}").fetchall()[0][0] or -1)
    except Exception:
        top = -1
    if top < 0:
        return columns, [], 0
    rows: list[tuple] = []
    lost = 0
    for start in range(0, top + 1, _CHUNK_ROWS):
        end = start + _CHUNK_ROWS - 1
        try:
            rows += con.execute(f"SELECT * FROM {table} WHERE rowid BETWEEN ? AND ?", [start, end]).fetchall()
        except Exception:
            lost += min(end, top) - start + 1
    return columns, rows, lost


def _salvage(path: Path) -> tuple[dict[str, tuple[list[str], list[tuple]]], dict[str, int], list[str]]:
    """What can be read from the file at ``path``, table by table, with what was lost and why."""
    import duckdb

    found: dict[str, tuple[list[str], list[tuple]]] = {}
    lost: dict[str, int] = {}
    problems: list[str] = []
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return found, lost, [f"the file cannot be opened at all ({exc})"]
    try:
        for table in TABLES:
            try:
                columns, rows, n_lost = _read_table(con, table)
            except Exception as exc:
                problems.append(f"table {table} cannot be read ({exc})")
                continue
            found[table] = (columns, rows)
            lost[table] = n_lost
    finally:
        con.close()
    return found, lost, problems


# How a memo payload names a call it replays (engine/recording.py writes {"t": "r", "id": ...}).
_CALL_REFERENCE = re.compile(r'"t":\s*"r",\s*"id":\s*"([^"]+)"')


def _drop_orphan_memos(found: dict[str, tuple[list[str], list[tuple]]]) -> int:
    """Remove memo rows that replay a call which could not be saved: they could never be replayed."""
    if "memos" not in found:
        return 0
    call_columns, call_rows = found.get("calls", ([], []))
    saved = {row[call_columns.index("call_id")] for row in call_rows} if call_rows else set()
    columns, rows = found["memos"]
    payload_at = columns.index("payload")
    kept = []
    for row in rows:
        payload = row[payload_at] if isinstance(row[payload_at], str) else json.dumps(row[payload_at])
        if all(call_id in saved for call_id in _CALL_REFERENCE.findall(payload or "")):
            kept.append(row)
    found["memos"] = (columns, kept)
    return len(rows) - len(kept)


def _write_new_file(target: Path, found: dict[str, tuple[list[str], list[tuple]]]) -> dict[str, int]:
    """A fresh file at the current schema holding the salvaged rows; returns rows written per table."""
    import duckdb

    from .migrations import migrate

    written: dict[str, int] = {}
    con = duckdb.connect(str(target))
    try:
        migrate(con)
        con.execute("BEGIN TRANSACTION")
        max_seq = 0
        for table, (columns, rows) in found.items():
            known = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
            keep = [i for i, c in enumerate(columns) if c in known]
            names = ", ".join(columns[i] for i in keep)
            marks = ", ".join("?" for _ in keep)
            seq_at = columns.index("seq") if "seq" in columns else None
            for row in rows:
                if seq_at is not None and row[seq_at] is None:
                    continue
                con.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", [row[i] for i in keep])
                if seq_at is not None:
                    max_seq = max(max_seq, int(row[seq_at]))
            written[table] = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        con.execute("DROP SEQUENCE change_seq")
        con.execute(f"CREATE SEQUENCE change_seq START {max_seq + _SEQUENCE_GAP}")
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return written


def repair_directory(directory: Path, *, force: bool = False, out: TextIO | None = None) -> int:
    """Rebuild ``directory``'s database from what can be read; returns a process exit code."""
    out = sys.stdout if out is None else out  # looked up now: a test or a notebook may have replaced it
    import duckdb

    from ..errors import SchemaTooNewError, StoreError
    from .database import DB_FILENAME, Database

    path = directory / DB_FILENAME
    if not path.exists():
        print(f"{path} does not exist: there is nothing to repair.", file=out)
        return 1
    db = Database(directory)
    with db.locked():
        if not force:
            try:
                with db.connect() as con:
                    for table in TABLES:
                        con.execute(f"SELECT * FROM {table}").fetchall()
                print(
                    f"{path} reads without errors; nothing to repair (use --force to rebuild anyway).",
                    file=out,
                )
                return 0
            except SchemaTooNewError as exc:
                print(f"not repaired: {exc}", file=out)
                return 1
            except (StoreError, duckdb.Error):
                pass
        found, lost, problems = _salvage(path)
        orphans = _drop_orphan_memos(found)
        if orphans:
            problems.append(
                f"{orphans} memo entries replay calls that could not be read; they will run again"
            )
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{DB_FILENAME}.damaged-{stamp}")
        fresh = path.with_name(f".{DB_FILENAME}.repair-{os.getpid()}")
        fresh.unlink(missing_ok=True)
        try:
            written = _write_new_file(fresh, found)
        except BaseException:
            fresh.unlink(missing_ok=True)
            raise
        os.replace(path, aside)
        wal = path.with_name(DB_FILENAME + ".wal")
        if wal.exists():
            os.replace(wal, aside.with_name(aside.name + ".wal"))
        os.replace(fresh, path)
        db.bump_generation()
    print(f"repaired {path}", file=out)
    for table in TABLES:
        print(f"  {table}: {written.get(table, 0)} rows saved, {lost.get(table, 0)} unreadable", file=out)
    for problem in problems:
        print(f"  lost: {problem}", file=out)
    print(f"the damaged file is kept at {aside}; delete it once you are happy with the result.", file=out)
    return 0


def trust_directory(directory: Path, out: TextIO | None = None) -> int:
    """Re-sign every memo entry of ``directory`` that fails its check with this machine's key."""
    out = sys.stdout if out is None else out
    from .records import MemoRecord
    from .resume_store import ResumeStore

    store = ResumeStore.open(directory)
    refused = store.refused_memos
    for memo in refused:
        fresh = MemoRecord(**{k: getattr(memo, k) for k in MemoRecord.__dataclass_fields__})
        store.put_memo(fresh)
    print(f"re-signed {len(refused)} memo entries of {directory} with {store.signer.key_path}", file=out)
    return 0


def run(args: argparse.Namespace) -> int:
    directory = Path(args.directory).expanduser().resolve()
    if not directory.is_dir():
        print(f"{directory} is not a directory", file=sys.stderr)
        return 2
    code = repair_directory(directory, force=args.force)
    if code == 0 and args.trust:
        code = trust_directory(directory)
    return code
