"""Content-addressed files beside the DuckDB file, for values too large for a row (pickles, images)."""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import tempfile
from pathlib import Path

from ..errors import IntegrityError, StoreError


class BlobStore:
    """Immutable blobs named by their SHA-256; a write is atomic (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its digest; storing the same bytes twice is free."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if path.exists():
            with contextlib.suppress(OSError):
                os.utime(path)  # used again: ``gc`` keeps a recently used blob while its entry commits
            return digest
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError as exc:
            raise StoreError(f"cannot save a blob in {self.root}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException as exc:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(exc, OSError):  # a full disk, say: the caller reports it and keeps going
                raise StoreError(f"cannot save a blob in {self.root}: {exc}") from exc
            raise
        return digest

    def exists(self, digest: str) -> bool:
        """Whether a blob is stored under ``digest`` (not checked against it: :meth:`get` does that)."""
        return self._path(digest).is_file()

    def usage(self) -> tuple[int, int]:
        """How many blobs are stored and their total size in bytes (temporary files left out)."""
        files = [p for p in self.root.glob("*/*") if p.is_file() and not p.name.startswith(".tmp-")]
        return len(files), sum(p.stat().st_size for p in files)

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; raises if they are missing or do not match it."""
        path = self._path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise IntegrityError(f"blob {digest} is missing from {self.root}") from None
        if hashlib.sha256(data).hexdigest() != digest:
            # Keep the damaged file aside (never delete what a user stored) so the next put writes afresh.
            aside = path.with_name(f"{path.name}.damaged")
            os.replace(path, aside)
            raise IntegrityError(
                f"blob {path} does not match its digest (changed or damaged); it was moved to {aside.name} "
                "and the entry that needs it will run again"
            )
        return data

    def get_mapped(self, digest: str) -> mmap.mmap | bytes:
        """The blob as a private copy-on-write memory map, checked against ``digest`` like :meth:`get`.

        Reading a large array this way costs no copy: the file is checked by streaming it through the hash,
        then mapped, so pages come from the file as they are used; writing to the map changes only this
        process's memory, never the blob. (An empty blob is returned as bytes.)
        """
        path = self._path(digest)
        try:
            with path.open("rb") as fh:
                if os.fstat(fh.fileno()).st_size == 0:
                    return self.get(digest)
                intact = hashlib.file_digest(fh, "sha256").hexdigest() == digest
                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY) if intact else None
        except FileNotFoundError:
            raise IntegrityError(f"blob {digest} is missing from {self.root}") from None
        return mapped if mapped is not None else self.get(digest)  # get() sets a damaged blob aside
