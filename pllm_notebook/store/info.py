"""``pllm-notebook info DIR``: what a resume directory holds, without changing it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", help="the resume directory (holding pllm.duckdb)")


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def describe(directory: Path) -> list[str]:
    """Lines describing the directory: files, schema, calls, memo entries, blobs, integrity key."""
    from . import gc
    from .database import DB_FILENAME, Database
    from .integrity import key_directory
    from .migrations import current_version

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
        namespaces = con.execute(
            "SELECT namespace, count(*) FROM cache_entries GROUP BY namespace ORDER BY count(*) DESC"
        ).fetchall()
    lines.append(f"  schema     version {version}")
    lines.append(f"  calls      {calls} ({tokens_in} input + {tokens_out} output tokens, ${cost:.4f})")
    if models:
        lines.append("  models     " + ", ".join(f"{m} ({n})" for m, n in models))
    if first is not None:
        import datetime as dt

        span = [dt.datetime.fromtimestamp(t).isoformat(" ", "seconds") for t in (first, last)]
        lines.append(f"  first/last call  {span[0]} / {span[1]}")
    kinds = ", ".join(f"{n} {k}" for k, n in by_kind)
    lines.append(
        f"  memos      {memos}"
        + (f" ({kinds})" if kinds else "")
        + (f", {unsigned} unsigned" if unsigned else "")
    )
    if imported:
        lines.append("  imported   " + ", ".join(f"{n} from signer {signer}" for signer, n in imported))
    cached = sum(n for _, n in namespaces)
    lines.append(
        f"  cache      {cached} entries"
        + (": " + ", ".join(f"{ns} ({n})" for ns, n in namespaces) if namespaces else "")
    )
    blobs = [p for p in (directory / "blobs").rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]
    lines.append(f"  blobs      {len(blobs)} ({_size(sum(p.stat().st_size for p in blobs))})")
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


def run(args: argparse.Namespace) -> int:
    from ..errors import StoreError

    directory = Path(args.directory).expanduser().resolve()
    if not directory.is_dir():
        print(f"{directory} is not a directory", file=sys.stderr)
        return 2
    try:
        print("\n".join(describe(directory)))
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0
