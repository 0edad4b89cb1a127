"""The memo core: lookup, dependency checks and miss reasons shared by ``agt.memoize()`` and ``%%memoize``.

A key covers what is known before a run (source, salt, conversations, inputs). What a run reached that
only the run can tell (the provider and model its calls used, the files it read, the local modules it
imported) is stored with the entry and checked at lookup: a key hit whose dependencies changed is a miss
that names the dependency. A miss names its real cause: the stored entry of the same block or cell that
differs least from the current key, part by part, or the integrity check that refused the stored run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..hashing import hash_prefix, stable_hash, stable_hash_after
from ..store import MemoRecord, ResumeStoreBase
from .context import EngineContext
from .file_access import FileAccess, changed_file, file_stamp, stored_path, watch_files
from .recording import MutationLog

__all__ = [
    "Lookup",
    "RunWatch",
    "lookup",
    "machinery_folders",
    "memo_key",
    "miss_reason",
    "stale_dependency",
]

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
_PART_NOTES = {"source": "source changed", "salt": "salt changed", "vars": "--no-vars changed"}


@lru_cache(maxsize=4096)
def _block_key_prefix(agent: str, source: str, salt: str) -> bytes:
    """The fixed part of a block's key, encoded once per block, agent and salt (a hit hashes the rest)."""
    return hash_prefix("block", agent, source, salt)


def memo_key(kind: str, inputs: dict[str, Any], agent: str = "") -> str:
    """The key of a block (agent, source, salt, conversation) or of a cell (all its inputs)."""
    if kind == "block":
        return stable_hash_after(_block_key_prefix(agent, inputs["source"], inputs["salt"]), inputs["state"])
    return stable_hash(kind, inputs)


def _dict_changes(new: dict[str, Any], old: dict[str, Any], changed: str, added: str, gone: str) -> list[str]:
    notes = [changed.format(n) for n in sorted(new) if n in old and new[n] != old[n]]
    notes += [added.format(n) for n in sorted(set(new) - set(old))]
    notes += [gone.format(n) for n in sorted(set(old) - set(new))]
    return notes


def differences(new: dict[str, Any], old: dict[str, Any]) -> list[str]:
    """Each part of a key that differs between two entries' inputs, as a short note."""
    notes = [note for part, note in _PART_NOTES.items() if new.get(part) != old.get(part)]
    state, old_state = new.get("state"), old.get("state")
    if isinstance(state, dict) and isinstance(old_state, dict):
        notes += _dict_changes(
            {n: h for n, h in state.items() if h}, {n: h for n, h in old_state.items() if h},
            "conversation {!r} changed", "conversation {!r} changed", "conversation {!r} changed",
        )  # fmt: skip
    elif state != old_state:
        notes.append("conversation changed")
    notes += _dict_changes(
        new.get("inputs", {}), old.get("inputs", {}), "input {!r} changed", "new input {!r}", "no input {!r}"
    )
    notes += _dict_changes(
        new.get("code", {}), old.get("code", {}), "{} changed", "uses {} now", "no longer uses {}"
    )
    return notes


def miss_reason(store: ResumeStoreBase, key: str, kind: str, label: str, inputs: dict[str, Any]) -> str:
    """Why ``key`` is not stored: ``"new"`` if this block or cell never stored a run, else what differs
    from the stored run closest to it (fewest differing parts, then newest)."""
    if any(m.key == key for m in store.refused_memos):
        return "the stored run failed its integrity check (written with another key, or changed since)"
    entries = [m for m in store.memos() if m.label == label and m.kind == kind]
    if not entries:
        return "new"
    closest = min(entries, key=lambda m: (len(differences(inputs, m.inputs)), -m.created))
    notes = differences(inputs, closest.inputs)
    return ", ".join(notes) or "the stored run was keyed by another version of pllm_notebook"


def stale_dependency(depends: dict[str, Any], context: EngineContext) -> str:
    """``""`` if what a stored run depended on beyond its key still holds, else the first change."""
    provider = context.provider.name
    for use in depends.get("models", ()):
        if use["provider"] != provider:
            return f"provider changed: {use['provider']} -> {provider}"
        if use.get("default") and use["model"] != context.default_model:
            return f"model changed: {use['model']} -> {context.default_model}"
    for name, stamp in depends.get("modules", {}).items():
        why = changed_file(stamp["path"], stamp)
        if why:
            return f"module {name} {why}"
    for path, stamp in depends.get("files", {}).items():
        why = changed_file(path, stamp)
        if why:
            return f"file {path} {why}"
    return ""


@dataclass(frozen=True)
class Lookup:
    """A usable stored run (``record``), or ``None`` and why not (``reason``)."""

    record: MemoRecord | None
    reason: str = ""


def lookup(context: EngineContext, key: str, kind: str, label: str, inputs: dict[str, Any]) -> Lookup:
    """The stored run of ``key`` if its dependencies still hold, else why the key missed."""
    record = context.store.memo(key)
    if record is None:
        return Lookup(None, miss_reason(context.store, key, kind, label, inputs))
    stale = stale_dependency(record.payload.get("depends", {}), context)
    return Lookup(None, stale) if stale else Lookup(record)


def machinery_folders(context: EngineContext) -> list[Path]:
    """Folders whose files the package itself reads during a run, not the user's code: the resume
    directory and the semantic cache's embedding model (loaded on its first lookup, maybe in a cell)."""
    folders = [context.directory]
    embedder = getattr(context.cache, "embedder", None)
    model_path = getattr(embedder, "model_path", None)
    if isinstance(model_path, Path):
        folders.append(model_path)
    fastembed_cache = os.environ.get("FASTEMBED_CACHE_PATH")
    if fastembed_cache:
        folders.append(Path(fastembed_cache))
    return folders


class RunWatch:
    """What a run reached beyond its key, gathered while it runs: calls' model settings and files."""

    def __init__(self, log: MutationLog, ignore: Iterable[str | Path]) -> None:
        self.log = log
        self.ignore = (_PACKAGE_DIR, *ignore)
        self.files = FileAccess()

    def ignore_also(self, folders: Iterable[str | Path]) -> None:
        """Leave out the files under these folders too (known only after the run: a library's caches)."""
        self.ignore = (*self.ignore, *folders)

    @contextmanager
    def watching(self) -> Iterator[RunWatch]:
        with watch_files() as files:
            self.files = files
            yield self

    def written(self) -> list[str]:
        """The user's files the run wrote (a replay does not write them again)."""
        return [stored_path(p) for p in self.files.user_files(self.files.written, self.ignore)]

    def dependencies(self, modules: dict[str, Path] | None = None) -> dict[str, Any]:
        """The JSON-able dependencies to store with the entry (empty parts left out)."""
        written = set(self.files.user_files(self.files.written, self.ignore))
        read = [p for p in self.files.user_files(self.files.read, self.ignore) if p not in written]
        unique = {json.dumps(c, sort_keys=True, default=repr): c for c in self.log.calls}
        depends: dict[str, Any] = {
            "models": [json.loads(json.dumps(c, default=repr)) for c in unique.values()],
            "files": {stored_path(p): file_stamp(p) for p in read},
            "modules": {n: {"path": stored_path(p), **file_stamp(p)} for n, p in (modules or {}).items()},
            "written": sorted(stored_path(p) for p in written),
        }
        return {part: value for part, value in depends.items() if value}
