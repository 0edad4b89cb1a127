"""``pllm-notebook export NOTEBOOK.ipynb -o FILE``: one notebook's stored results as a signed bundle.

What goes in is what the notebook's latest run uses, and nothing from other notebooks sharing its
resume directory: for each code cell (label ``cell:<id>``, from the .ipynb) its newest ``%%memoize``
entry and every call that entry replays; for a cell with no memo entry, the calls it made (the newest for
each request, which is what a re-run resumes). ``--cells 3,5`` (code cells counted from 1, or cell ids)
and ``--since DATE`` narrow it. The bundle is signed with the user's Ed25519 key (see
:mod:`pllm_notebook.store.signing`); the format is described in :mod:`pllm_notebook.store.bundle`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BundleError, ConfigError, StoreError

__all__ = ["ExportSelection", "export_labels", "export_notebook", "notebook_cells", "resume_directory_of"]

_CONFIG_DIR = re.compile(r"^\s*%pllm_config\b(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class ExportSelection:
    """Which cells and which time span to export (``None`` = all)."""

    cells: tuple[str, ...] | None = None
    since: float | None = None


def notebook_cells(path: Path) -> list[tuple[str, str]]:
    """``(cell id, source)`` of every code cell of the .ipynb at ``path``, in order."""
    try:
        nb = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is not a readable .ipynb notebook ({exc})") from None
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and cell.get("id"):
            source = cell.get("source", "")
            cells.append((cell["id"], "".join(source) if isinstance(source, list) else source))
    return cells


def resume_directory_of(notebook: Path, cells: list[tuple[str, str]]) -> Path:
    """The resume directory the notebook uses: its ``%pllm_config dir=...``, else ``.pllm`` beside it."""
    for _, source in cells:
        for match in _CONFIG_DIR.finditer(source):
            for word in shlex.split(match.group(1)):
                key, _, value = word.partition("=")
                if key in ("dir", "directory") and value:
                    return (notebook.parent / value).resolve()
    return (notebook.parent / ".pllm").resolve()


def parse_cells(text: str, cells: list[tuple[str, str]]) -> tuple[str, ...]:
    """Cell ids from ``3,5`` (code cells counted from 1) or ids, checked against the notebook."""
    ids = [cell_id for cell_id, _ in cells]
    chosen = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part.isdigit():
            if not 1 <= int(part) <= len(ids):
                raise ConfigError(f"--cells {part}: the notebook has {len(ids)} code cells (counted from 1)")
            chosen.append(ids[int(part) - 1])
        elif part in ids:
            chosen.append(part)
        else:
            raise ConfigError(f"--cells {part!r}: no code cell has that number or id")
    return tuple(chosen)


def parse_since(text: str) -> float:
    """A timestamp from ``2026-11-30`` or ``2026-11-30T14:00`` (local time unless it says otherwise)."""
    try:
        return dt.datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise ConfigError(
            f"--since {text!r}: give a date or time such as 2026-11-30 or 2026-11-30T14:00"
        ) from None


def _selected(store: Any, labels: list[str], since: float | None) -> tuple[list[Any], list[Any]]:
    """The memo entries and calls the chosen cells' latest run uses."""
    from ..engine.recording import call_ids

    memos = []
    call_list: dict[str, Any] = {}
    unmemoized = set()
    for label in labels:
        memo = store.latest_memo(label, "cell")
        if memo is None:
            unmemoized.add(label)
            continue
        if since is not None and memo.created < since:
            continue
        memos.append(memo)
        for call_id in call_ids(memo.payload.get("ops", [])):
            call = store.call(call_id)
            if call is not None:
                call_list[call_id] = call
    for call in store.calls():
        if call.response.get("cell") not in unmemoized or (since is not None and call.created < since):
            continue
        current = store.call_for_resume_key(call.resume_key) if call.resume_key else None
        if current is not None and current.call_id == call.call_id:
            call_list[call.call_id] = call
    return memos, sorted(call_list.values(), key=lambda c: c.created)


def export_labels(
    root: Path, labels: list[str], output: str | Path, *, notebook: str, since: float | None = None
) -> dict[str, Any]:
    """Write the signed bundle of the cells labelled ``labels`` in resume directory ``root``."""
    from ..store import ResumeStore
    from ..store.bundle import write_bundle
    from ..store.signing import author_name, load_or_create_author_key

    if not (root / "pllm.duckdb").exists():
        raise ConfigError(f"{root} holds no stored results (run the notebook first, or pass --dir)")
    key = load_or_create_author_key()  # before anything else: a missing 'cryptography' fails first
    store = ResumeStore.open(root)
    store.flush()
    memos, calls = _selected(store, labels, since)
    return write_bundle(
        Path(output).expanduser(),
        notebook=notebook,
        memos=memos,
        calls=calls,
        blobs=store.blobs,
        key=key,
        author=author_name(),
    )


def export_notebook(
    notebook: str | Path,
    output: str | Path,
    *,
    directory: str | Path | None = None,
    selection: ExportSelection = ExportSelection(),
) -> dict[str, Any]:
    """Write the signed bundle of ``notebook``'s results to ``output``; returns what the file states."""
    notebook = Path(notebook).expanduser().resolve()
    cells = notebook_cells(notebook)
    root = Path(directory).expanduser().resolve() if directory else resume_directory_of(notebook, cells)
    ids = selection.cells if selection.cells is not None else tuple(i for i, _ in cells)
    return export_labels(
        root, [f"cell:{i}" for i in ids], output, notebook=notebook.name, since=selection.since
    )


def describe(stated: dict[str, Any], output: Path) -> str:
    """One line saying what an export wrote."""
    counts = stated["counts"]
    return (
        f"wrote {output} ({output.stat().st_size} bytes): {counts['memos']} memo entries, {counts['calls']} "
        f"calls, {counts['blobs']} blobs from {stated['notebook']}, signed by {stated['signer']['name']} "
        f"(fingerprint {stated['signer']['fingerprint']})"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", help="the .ipynb whose results to export")
    parser.add_argument("-o", "--output", required=True, help="the bundle file to write")
    parser.add_argument("--dir", help="the resume directory (default: the notebook's, else .pllm beside it)")
    parser.add_argument("--cells", help="only these code cells: numbers counted from 1, or cell ids (3,5)")
    parser.add_argument("--since", help="only entries stored on or after this date (2026-11-30)")


def run(args: argparse.Namespace) -> int:
    try:
        notebook = Path(args.notebook).expanduser()
        cells = parse_cells(args.cells, notebook_cells(notebook)) if args.cells else None
        since = parse_since(args.since) if args.since else None
        stated = export_notebook(
            notebook, args.output, directory=args.dir, selection=ExportSelection(cells, since)
        )
    except (BundleError, ConfigError, StoreError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(describe(stated, Path(args.output).expanduser()))
    return 0
