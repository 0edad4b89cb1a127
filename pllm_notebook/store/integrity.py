"""Integrity check of memo entries: an HMAC with a key that lives outside the resume directory.

A memo entry replays pickled variables, so a resume directory is code, like a pickle file: whoever can
write to it could make a later run execute anything. Each entry therefore carries an HMAC-SHA256 of
its content (payload, inputs, key, label), made with a secret key stored in the user's config folder
(``$XDG_CONFIG_HOME/pllm_notebook/keys/`` or ``~/.config/pllm_notebook/keys/``, mode 0600), never in the
resume directory itself. Entries whose HMAC does not verify are refused: they are not replayed, and the
block runs again. Pickled blobs are named by their SHA-256 inside the signed payload, so they are
covered too.

The key is chosen by a random id the resume directory holds (``directory_id``), so renaming or moving a
directory keeps its key. A directory copied from another machine needs that machine's key file copied
to the same path (the refusal message names it); ``PLLM_INTEGRITY_KEY`` sets one key for every
directory (for a team sharing one Redis from several machines).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import uuid
from pathlib import Path
from typing import Any

from ..errors import StoreError
from ..hashing import canonical_bytes
from .records import MemoRecord

__all__ = ["MemoSigner", "key_directory", "read_or_create_directory_id"]

_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
MAC_VERSION = "v1"


def key_directory() -> Path:
    """Where the per-directory keys are kept: ``PLLM_KEY_DIR``, else the user's config folder."""
    explicit = os.environ.get("PLLM_KEY_DIR")
    if explicit:
        return Path(explicit).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(config) / "pllm_notebook" / "keys"


def read_or_create_directory_id(directory: Path) -> str:
    """The random id a resume directory is known by; made (atomically) on first use."""
    path = directory / "directory_id"
    with contextlib.suppress(FileNotFoundError):
        return _valid_id(path.read_text().strip(), path)
    candidate = uuid.uuid4().hex
    tmp = directory / f".directory_id-{os.getpid()}-{candidate[:8]}"
    tmp.write_text(candidate + "\n")
    try:
        os.link(tmp, path)  # fails if another process made it first; theirs wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return _valid_id(path.read_text().strip(), path)


def _valid_id(value: str, path: Path) -> str:
    if not _ID_PATTERN.match(value):
        raise StoreError(
            f"{path} does not hold a valid directory id ({value[:40]!r}); it was edited by hand. "
            "Restore it, or start a new resume directory."
        )
    return value


def _load_or_create_key(path: Path) -> bytes:
    with contextlib.suppress(FileNotFoundError):
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return key


def _json_roundtrip(value: Any) -> Any:
    """The value as it reads back from the JSON column, so a fresh record and a loaded one sign alike."""
    return json.loads(json.dumps(value, default=str))


class MemoSigner:
    """Signs memo records and verifies them, with the key of one resume directory (or one Redis)."""

    def __init__(self, directory_id: str, where: str, *, trust_command: str | None = None) -> None:
        self.where = where
        self.trust_command = trust_command
        env_key = os.environ.get("PLLM_INTEGRITY_KEY")
        if env_key:
            self.key_path: Path | None = None
            self._key = hashlib.sha256(env_key.encode()).digest()
        else:
            self.key_path = key_directory() / f"{directory_id}.key"
            try:
                self._key = _load_or_create_key(self.key_path)
            except (OSError, ValueError) as exc:
                raise StoreError(
                    f"cannot read or create the integrity key {self.key_path} for {where}: {exc}. "
                    "Fix its permissions, set PLLM_KEY_DIR to a writable folder, or set PLLM_INTEGRITY_KEY."
                ) from exc

    @classmethod
    def for_directory(cls, directory: Path) -> MemoSigner:
        """The signer of a resume directory on disk."""
        return cls(
            read_or_create_directory_id(directory),
            str(directory),
            trust_command=f"pllm-notebook repair --trust {directory}",
        )

    def _mac(self, record: MemoRecord) -> str:
        content = canonical_bytes(
            [
                MAC_VERSION,
                record.key,
                record.kind,
                record.label,
                record.agent,
                _json_roundtrip(record.inputs),
                _json_roundtrip(record.payload),
            ]
        )
        return f"{MAC_VERSION}:" + hmac.new(self._key, content, hashlib.sha256).hexdigest()

    def sign(self, record: MemoRecord) -> None:
        """Set ``record.mac`` from its content."""
        record.mac = self._mac(record)

    def verify(self, record: MemoRecord) -> bool:
        """Whether ``record.mac`` matches its content under this key."""
        return bool(record.mac) and hmac.compare_digest(record.mac, self._mac(record))

    def refusal_message(self, record: MemoRecord) -> str:
        """What to tell the user about an entry that failed its check."""
        where_key = f"the key file {self.key_path}" if self.key_path is not None else "PLLM_INTEGRITY_KEY"
        return (
            f"memo entry {record.label or record.key[:12]} in {self.where} failed its integrity check and "
            "will not be replayed (the block runs again instead). It was changed after it was written, or "
            f"written with another key (copied from another machine?). A resume directory is code, like a "
            f"pickle file: only if you trust its origin, copy {where_key} from the machine that wrote it"
            + (
                f", or run `{self.trust_command}` to re-sign its entries with your key."
                if self.trust_command
                else "."
            )
        )
