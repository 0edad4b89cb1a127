"""Folding the WAL into a new database file, swapped in so that a crash at any point loses nothing.

Writers never checkpoint (see ``database.py``): every commit only appends to ``pllm.duckdb.wal``, and
the main file is never rewritten in place. Compaction copies everything the file and its WAL hold into a
fresh file (``pllm.duckdb.compacting``), which DuckDB checkpoints on its own, then swaps it in:

1. the new file is complete and fsynced;
2. the marker ``pllm.duckdb.swap`` is written (and fsynced): from now on the new file is the truth;
3. the new file is renamed over ``pllm.duckdb`` (atomic);
4. the old WAL, whose changes the new file already holds, is deleted;
5. the marker is deleted.

A process killed anywhere in 1 leaves the old file and WAL untouched (the half-built file is deleted
later); anywhere in 3-5, the next opener finds the marker and finishes the steps before it opens the
file (:func:`finish_interrupted_swap`), so the old WAL is never replayed on top of the new file.
Everything here runs under the directory lock.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def wal_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".wal")


def building_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".compacting")


def marker_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".swap")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    """Make renames and deletions in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def discard_unfinished_build(db_path: Path) -> None:
    """Delete a half-built new file left by a compaction that died before its marker was written."""
    if marker_path(db_path).exists():
        return
    for path in (building_path(db_path), wal_path(building_path(db_path))):
        path.unlink(missing_ok=True)


def swap_in(db_path: Path) -> None:
    """Steps 2-5 above, once ``building_path(db_path)`` is complete (it is fsynced here)."""
    new = building_path(db_path)
    leftover_wal = wal_path(new)
    if leftover_wal.exists() and leftover_wal.stat().st_size:
        raise RuntimeError(f"{new} still has a WAL after its checkpoint; the old file is kept")
    leftover_wal.unlink(missing_ok=True)
    _fsync_file(new)
    marker = marker_path(db_path)
    with open(marker, "w") as fh:
        fh.write("the file pllm.duckdb.compacting replaces pllm.duckdb; its WAL is already folded in\n")
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_directory(db_path.parent)
    finish_interrupted_swap(db_path)


def finish_interrupted_swap(db_path: Path) -> bool:
    """Complete a swap whose marker is present (steps 3-5); True if there was one to complete."""
    marker = marker_path(db_path)
    if not marker.exists():
        return False
    new = building_path(db_path)
    if new.exists():
        os.replace(new, db_path)
    with contextlib.suppress(FileNotFoundError):
        wal_path(db_path).unlink()
    _fsync_directory(db_path.parent)
    marker.unlink(missing_ok=True)
    _fsync_directory(db_path.parent)
    return True
