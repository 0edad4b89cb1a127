"""``pllm-notebook export NOTEBOOK.ipynb -o FILE``: one notebook's stored results as a signed bundle.

What goes in is what the notebook's latest run uses, and nothing from other notebooks sharing its
resume directory: the memo entries its cells stored or replayed, every call those replay, and the calls
its other cells made or resumed, as the newest kernel run log that ran all of its code cells recorded
(:mod:`pllm_notebook.store.runs`). A notebook run before run logs existed is found by its cells' labels
(``cell:<id>``): each cell's newest ``%%memoize`` entry and, for a cell with none, the calls it made. ``--cells 3,5`` (code cells counted from 1, or cell ids)
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
from typing import TYPE_CHECKING, Any

from ..errors import BundleError, ConfigError, StoreError

if TYPE_CHECKING:
    from ..store import ResumeStoreBase

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


def _memo_calls(store: Any, memo: Any, found: dict[str, Any]) -> None:
    from ..engine.recording import call_ids

    for call_id in call_ids(memo.payload.get("ops", [])):
        call = store.call(call_id)
        if call is not None:
            found[call_id] = call


def _from_run(
    store: Any, run: dict[str, Any], sources: list[str] | None, since: float | None
) -> tuple[list, list]:
    """The memo entries and calls a logged run used for the cells with these sources (None: all)."""
    from ..store.runs import source_digest

    last = {cell["source"]: cell for cell in run["cells"]}  # a cell run twice: its latest run counts
    digests = list(last) if sources is None else [source_digest(s) for s in sources]
    memos: dict[str, Any] = {}
    calls: dict[str, Any] = {}
    for digest in digests:
        cell = last.get(digest)
        for key in cell["memos"] if cell else ():
            memo = store.memo(key)
            if memo is not None and (since is None or memo.created >= since):
                memos[key] = memo
                _memo_calls(store, memo, calls)
        for call_id in cell["calls"] if cell else ():
            call = store.call(call_id)
            if call is not None and (since is None or call.created >= since):
                calls[call_id] = call
    return list(memos.values()), sorted(calls.values(), key=lambda c: c.created)


def _by_label(store: Any, labels: list[str], since: float | None) -> tuple[list, list]:
    """The newest memo entry of each labelled cell and its calls; for a cell with none, its calls."""
    memos = []
    calls: dict[str, Any] = {}
    unmemoized = set()
    for label in labels:
        memo = store.latest_memo(label, "cell")
        if memo is None:
            unmemoized.add(label)
        elif since is None or memo.created >= since:
            memos.append(memo)
            _memo_calls(store, memo, calls)
    for call in store.calls():
        if call.extras.get("cell") not in unmemoized or (since is not None and call.created < since):
            continue
        current = store.call_for_resume_key(call.resume_key) if call.resume_key else None
        if current is not None and current.call_id == call.call_id:
            calls[call.call_id] = call
    return memos, sorted(calls.values(), key=lambda c: c.created)


def _selected(
    store: Any, cells: list[tuple[str, str]], all_sources: list[str] | None, since: float | None
) -> tuple[list, list]:
    """What the notebook's latest run used: from the newest run log that ran every one of its code
    cells (``all_sources``), else (no such log: an older version ran it) by cell label."""
    from ..store.runs import read_runs, source_digest

    if all_sources is not None:
        wanted = {source_digest(s) for s in all_sources if s.strip()}
        for run in read_runs(store.directory):
            if wanted <= {cell["source"] for cell in run["cells"]}:
                return _from_run(store, run, [source for _, source in cells], since)
    return _by_label(store, [f"cell:{cell_id}" for cell_id, _ in cells], since)


def export_labels(
    root: Path,
    cells: list[tuple[str, str]],
    output: str | Path,
    *,
    notebook: str,
    all_sources: list[str] | None = None,
    since: float | None = None,
    run: dict[str, Any] | None = None,
    store: ResumeStoreBase | None = None,
) -> dict[str, Any]:
    """Write the signed bundle of ``cells`` (``(id, source)``) stored in resume directory ``root``.

    ``all_sources`` are every code cell's source of the notebook (to find its latest run's log); ``run``
    (a kernel that knows no notebook file) is that kernel's own run log, exported whole. ``store`` is the
    store the results live in when it is not ``root``'s DuckDB file (a running orchestrator's shared Redis).
    """
    from ..store import ResumeStore
    from ..store.bundle import write_bundle
    from ..store.signing import author_name, load_or_create_author_key

    if store is None and not (root / "pllm.duckdb").exists():
        raise ConfigError(f"{root} holds no stored results (run the notebook first, or pass --dir)")
    key = load_or_create_author_key()  # before anything else: a missing 'cryptography' fails first
    store = store or ResumeStore.open(root)
    store.flush()
    if run is not None:
        memos, calls = _from_run(store, run, None, since)
    else:
        memos, calls = _selected(store, cells, all_sources, since)
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
    store: ResumeStoreBase | None = None,
) -> dict[str, Any]:
    """Write the signed bundle of ``notebook``'s results to ``output``; returns what the file states
    (``store``: as in :func:`export_labels`)."""
    notebook = Path(notebook).expanduser().resolve()
    cells = notebook_cells(notebook)
    root = Path(directory).expanduser().resolve() if directory else resume_directory_of(notebook, cells)
    chosen = cells if selection.cells is None else [c for c in cells if c[0] in selection.cells]
    return export_labels(
        root,
        chosen,
        output,
        notebook=notebook.name,
        all_sources=[source for _, source in cells],
        since=selection.since,
        store=store,
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
