"""Which files a memoized run read and wrote, seen through the interpreter's ``open`` audit event.

``sys.addaudithook`` sees every ``open()``, ``io.open_code`` and ``os.open`` in the process, whatever
library makes it (pandas, numpy, csv, json), which a patched ``builtins.open`` would not. A hook can never
be removed, so one is installed on first use and stays; while nothing records it returns at its first
test. Files are stored by path, size, modification time and content hash, so a lookup re-hashes only a
file whose size or time changed (a copied folder keeps the hit when the content is equal).
"""

from __future__ import annotations

import functools
import hashlib
import os
import site
import stat
import sys
import sysconfig
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FileAccess", "changed_file", "file_stamp", "library_roots", "stored_path", "watch_files"]

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_SYSTEM_ROOTS = ("/proc", "/sys", "/dev", "/run", "/etc", "/usr", "/lib")
_active: list[FileAccess] = []
_install_lock = threading.Lock()
_installed = False


@functools.cache
def library_roots() -> tuple[str, ...]:
    """Folders holding the interpreter and installed packages: not the user's data or code."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots.update(sysconfig.get_paths().values())
    roots.update(site.getsitepackages() if hasattr(site, "getsitepackages") else ())
    roots.add(site.getusersitepackages())
    return tuple(sorted({os.path.realpath(r) for r in roots if r}))


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


@dataclass
class FileAccess:
    """The paths opened for reading and for writing while it was active (in any thread)."""

    read: dict[str, None] = field(default_factory=dict)
    written: dict[str, None] = field(default_factory=dict)

    def add(self, path: Any, mode: Any, flags: Any) -> None:
        if isinstance(path, int):
            return
        path = os.fsdecode(path)
        if isinstance(mode, str):
            writes = any(c in mode for c in "wax+")
            reads = not writes or ("+" in mode and "r" in mode)
        else:
            flags = flags if isinstance(flags, int) else 0
            writes = bool(flags & _WRITE_FLAGS)
            reads = (flags & os.O_ACCMODE) in (os.O_RDONLY, os.O_RDWR)
        if reads:
            self.read.setdefault(path, None)
        if writes:
            self.written.setdefault(path, None)

    def user_files(self, paths: Iterable[str], ignore: Iterable[str | os.PathLike[str]]) -> list[Path]:
        """The regular files among ``paths`` that are the user's data: not Python sources or compiled
        code, not under the interpreter, the installed packages, ``ignore`` or system folders (``/proc``, ``/usr``, ``/etc``...)."""
        roots = (*library_roots(), *_SYSTEM_ROOTS, *(os.path.realpath(p) for p in ignore))
        found: dict[Path, None] = {}
        for raw in list(paths):
            real = os.path.realpath(raw)
            if real.endswith((".py", ".pyc")) or _under(real, roots):
                continue
            try:
                if not stat.S_ISREG(os.stat(real).st_mode):
                    continue
            except OSError:
                continue
            found.setdefault(Path(real), None)
        return list(found)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active or event != "open":
        return
    path, mode, flags = (*args, None, None)[:3]
    for access in list(_active):
        access.add(path, mode, flags)


@contextmanager
def watch_files() -> Iterator[FileAccess]:
    """Record the files opened while the block runs (the audit hook is installed once, on first use)."""
    global _installed
    with _install_lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True
    access = FileAccess()
    _active.append(access)
    try:
        yield access
    finally:
        _active.remove(access)


def _content_hash(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def stored_path(path: Path) -> str:
    """How a path is stored: relative to the working folder when inside it (so a copied folder works)."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def file_stamp(path: Path) -> dict[str, Any]:
    """What a lookup compares: size, modification time and content hash."""
    info = path.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": _content_hash(path)}


def changed_file(stored: str, stamp: dict[str, Any]) -> str:
    """``""`` if the file still holds what it held, else ``"changed"`` or ``"missing"``."""
    path = Path(stored)
    try:
        info = path.stat()
    except OSError:
        return "missing"
    if info.st_size == stamp.get("size") and info.st_mtime_ns == stamp.get("mtime_ns"):
        return ""
    if info.st_size != stamp.get("size"):
        return "changed"
    try:
        return "" if _content_hash(path) == stamp.get("sha256") else "changed"
    except OSError:
        return "missing"
