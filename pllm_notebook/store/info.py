"""``pllm-notebook info DIR`` (or ``info redis://...``): what a resume store holds, without changing it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .resume_base import ResumeStoreBase, StoreSummary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .selection import add_prefix_argument

    parser.add_argument(
        "directory",
        metavar="DIR_OR_URL",
        help="the resume directory (holding pllm.duckdb), or the Redis URL of a shared store "
        "(redis://host:port/db, as given to cache_url=)",
    )
    add_prefix_argument(parser)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def describe(directory: Path) -> list[str]:
    """Lines describing a resume directory: files, schema, calls, memo entries, blobs, integrity key."""
    from . import gc
    from .blobs import BlobStore
    from .database import DB_FILENAME, Database
    from .integrity import key_directory
    from .migrations import current_version
    from .resume_store import read_summary

    path = directory / DB_FILENAME
    lines = [f"resume directory {directory}"]
    if not path.exists():
        return [*lines, "  no database yet (nothing has been stored)"]
    db = Database(directory)
    lines.append(
        f"  database   {path} ({_size(path.stat().st_size)}, WAL {_size(db.wal_bytes())}: folded in by the "
        "next compaction)"
    )
    with db.connect() as con:
        version = current_version(con)
        namespaces = con.execute(
            "SELECT namespace, count(*) FROM cache_entries GROUP BY namespace ORDER BY count(*) DESC"
        ).fetchall()
    lines.append(f"  schema     version {version}")
    lines += summary_lines(read_summary(db))
    cached = sum(n for _, n in namespaces)
    lines.append(
        f"  cache      {cached} entries"
        + (": " + ", ".join(f"{ns} ({n})" for ns, n in namespaces) if namespaces else "")
    )
    lines.append(_blob_line(BlobStore(directory / "blobs").usage()))
    id_file = directory / "directory_id"
    if id_file.exists():
        key = key_directory() / f"{id_file.read_text().strip()}.key"
        state = (
            "present"
            if key.exists()
            else "missing: this machine has not opened the directory; its memo entries will be refused "
            f"until you re-sign them with `pllm-notebook repair --trust {directory}` (only if you trust it)"
        )
        lines.append(f"  integrity key  {key} ({state})")
    chosen = gc.plan(db)
    lines.append(f"  gc         `pllm-notebook gc {directory}` would drop {chosen.summary()}")
    damaged = sorted(p.name for p in directory.glob(f"{DB_FILENAME}.damaged-*"))
    if damaged:
        lines.append("  kept aside by repair: " + ", ".join(damaged))
    return lines


def summary_lines(summary: StoreSummary) -> list[str]:
    """The calls and memo entries lines of :func:`describe`, for any store."""
    lines = [
        f"  calls      {summary.calls} ({summary.input_tokens} input + {summary.output_tokens} output tokens, "
        f"${summary.cost_usd:.4f})"
    ]
    if summary.models:
        lines.append("  models     " + ", ".join(f"{m} ({n})" for m, n in summary.models))
    if summary.first_call is not None and summary.last_call is not None:
        import datetime as dt

        span = [
            dt.datetime.fromtimestamp(t).isoformat(" ", "seconds")
            for t in (summary.first_call, summary.last_call)
        ]
        lines.append(f"  first/last call  {span[0]} / {span[1]}")
    kinds = ", ".join(f"{n} {k}" for k, n in summary.memos_by_kind.items())
    lines.append(
        f"  memos      {summary.memos}"
        + (f" ({kinds})" if kinds else "")
        + (f", {summary.unsigned} unsigned" if summary.unsigned else "")
    )
    if summary.imported:
        lines.append(
            "  imported   " + ", ".join(f"{n} from signer {signer}" for signer, n in summary.imported)
        )
    return lines


def _blob_line(usage: tuple[int, int]) -> str:
    count, size = usage
    return f"  blobs      {count} ({_size(size)})"


def describe_store(store: ResumeStoreBase) -> list[str]:
    """Lines describing a shared store: calls, memo entries, refused entries, blobs, the activity log."""
    summary = store.summary()
    lines = [f"shared store {store.where}", *summary_lines(summary)]
    if summary.refused:
        lines.append(
            f"  refused    {summary.refused} fail their integrity check on this machine and are never replayed "
            "(their writers sign with another key: give every machine the same PLLM_INTEGRITY_KEY)"
        )
    lines.append(_blob_line(store.blobs.usage()))
    lines.append(f"  activity   {len(store.activity_since(0))} events logged")
    return lines


def run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError, StoreError
    from .selection import is_store_url, open_store_url

    try:
        if is_store_url(args.directory):
            lines = describe_store(open_store_url(args.directory, args.prefix))
        else:
            directory = Path(args.directory).expanduser().resolve()
            if not directory.is_dir():
                print(f"{directory} is not a directory (nor a redis:// URL)", file=sys.stderr)
                return 2
            lines = describe(directory)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0
