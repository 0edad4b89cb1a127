"""Integrity check of memo entries: an HMAC with a key that lives outside the resume directory.

A memo entry replays pickled variables, so a resume directory is code, like a pickle file: whoever can
write to it could make a later run execute anything. Each entry therefore carries an HMAC-SHA256 of
its content (payload, inputs, key, label), made with a secret key stored in the user's config folder
(``$XDG_CONFIG_HOME/pllm_notebook/keys/`` or ``~/.config/pllm_notebook/keys/``, mode 0600), never in the
resume directory itself. Entries whose HMAC does not verify are refused: they are not replayed, and the
block runs again. Pickled blobs are named by their SHA-256 inside the signed payload, so they are
covered too.

The key is chosen by a random id the resume directory holds (``directory_id``), so renaming or moving a
directory keeps its key. A directory copied from another machine is refused entry by entry: its owner
re-signs it with ``pllm-notebook repair --trust DIR`` if they trust its origin (copying the other
machine's key file would replace the key their own entries are signed with). Sharing is better done with
``pllm-notebook export`` / ``import``, which checks the author's Ed25519 signature. ``PLLM_INTEGRITY_KEY``
sets one key for every directory (for a team sharing one Redis from several machines).

An entry imported from a signed bundle is signed here too, with its author's fingerprint inside the MAC
(``v2:<fingerprint>:<hmac>``), so which signer it came from cannot be edited afterwards; an entry made
here carries ``v1:<hmac>`` and an empty :attr:`MemoRecord.signer`.
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
from ..settings import setting
from .records import MemoRecord

__all__ = ["MemoSigner", "config_directory", "key_directory", "read_or_create_directory_id", "signer_of_mac"]

_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
MAC_VERSION = "v1"
IMPORTED_MAC_VERSION = "v2"


def config_directory() -> Path:
    """The user's pllm_notebook config folder (``$XDG_CONFIG_HOME/pllm_notebook``, else ``~/.config/...``)."""
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(config) / "pllm_notebook"


def key_directory() -> Path:
    """Where the per-directory keys are kept: ``PLLM_KEY_DIR``, else the user's config folder."""
    explicit = setting("key_dir")
    if explicit:
        return Path(explicit).expanduser()
    return config_directory() / "keys"


def signer_of_mac(mac: str | None) -> str:
    """The author fingerprint a stored MAC names ("" for an entry made here, or no MAC)."""
    if mac and mac.startswith(IMPORTED_MAC_VERSION + ":"):
        return mac.split(":", 2)[1]
    return ""


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
        # An entry made here keeps the v1 form (so existing directories still verify); an imported one
        # has its signer inside the MAC, so it cannot be relabelled as made here or by someone else.
        version = IMPORTED_MAC_VERSION if record.signer else MAC_VERSION
        head = [version, record.signer] if record.signer else [version]
        content = canonical_bytes(
            [
                *head,
                record.key,
                record.kind,
                record.label,
                record.agent,
                _json_roundtrip(record.inputs),
                _json_roundtrip(record.payload),
            ]
        )
        digest = hmac.new(self._key, content, hashlib.sha256).hexdigest()
        return f"{version}:{record.signer}:{digest}" if record.signer else f"{version}:{digest}"

    def sign(self, record: MemoRecord) -> None:
        """Set ``record.mac`` from its content (and its signer, for an imported entry)."""
        record.mac = self._mac(record)

    def verify(self, record: MemoRecord) -> bool:
        """Whether ``record.mac`` matches its content under this key."""
        return bool(record.mac) and hmac.compare_digest(record.mac, self._mac(record))

    def refusal_message(self, record: MemoRecord) -> str:
        """What to tell the user about an entry that failed its check (never: overwrite your own key)."""
        if self.key_path is None:
            cause = "written with a different PLLM_INTEGRITY_KEY than the one set here"
            way_out = (
                "If it is your team's store, set PLLM_INTEGRITY_KEY to the value the team uses; "
                "to share results with someone, use `pllm-notebook export` and `pllm-notebook import`."
            )
        else:
            cause = (
                f"not signed with this machine's key for it ({self.key_path}): copied from another machine?"
            )
            way_out = (
                "A resume directory is code, like a pickle file. If you trust where it came from, run "
                f"`{self.trust_command}` to re-sign its entries with your key"
                if self.trust_command
                else "A resume directory is code, like a pickle file"
            ) + (
                "; to share results, the author runs `pllm-notebook export` and you run "
                "`pllm-notebook import`, which checks their signature."
            )
        return (
            f"memo entry {record.label or record.key[:12]} in {self.where} failed its integrity check and "
            f"will not be replayed (the block runs again instead). It was changed after it was written, or "
            f"{cause}. {way_out}"
        )
