"""Who signs shared bundles: the author's Ed25519 key, signer fingerprints, and the user's trust list.

The author key lives in the user's config folder (``signing/author_ed25519.pem``, mode 0600) and is made
on first use; its public half is named by a fingerprint (the first 32 hex digits of the SHA-256 of the raw
public key). The trust list (``signers.json`` beside it) remembers every signer whose bundle was imported,
with the name the bundle gave, and whether the user trusts it: a trusted signer's entries may unpickle
variables on replay, an untrusted one's replay data only. The user's own key is always trusted.

``cryptography`` is imported on first use only (``pip install 'pllm-notebook[share]'``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import ConfigError, SignatureError
from ..settings import setting
from .integrity import config_directory

__all__ = [
    "AuthorKey",
    "TrustList",
    "author_name",
    "fingerprint",
    "load_or_create_author_key",
    "verify_signature",
]

_FINGERPRINT = re.compile(r"^[0-9a-f]{32}$")


def _ed25519() -> ModuleType:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise ConfigError(
            "signing and checking shared bundles needs the 'cryptography' package: "
            "pip install 'pllm-notebook[share]'"
        ) from None
    return ed25519


def fingerprint(public_key: bytes) -> str:
    """The short name of a raw Ed25519 public key: 32 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:32]


def check_fingerprint(value: str) -> str:
    """``value`` as a fingerprint, or a clear error."""
    value = value.strip().lower()
    if not _FINGERPRINT.match(value):
        raise ConfigError(
            f"{value!r} is not a signer fingerprint (32 hex digits, as `pllm-notebook import` shows it)"
        )
    return value


def author_name() -> str:
    """Who the user is, as bundles name them: ``PLLM_AUTHOR``, else git's user.name <user.email>."""
    explicit = setting("author")
    if explicit:
        return explicit
    found = []
    for field in ("user.name", "user.email"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            result = subprocess.run(
                ["git", "config", "--get", field], capture_output=True, text=True, timeout=5, check=False
            )
            found.append(result.stdout.strip())
    name, email = (found + ["", ""])[:2]
    if name and email:
        return f"{name} <{email}>"
    return name or email or "unknown author (set PLLM_AUTHOR or git config user.name)"


@dataclass(frozen=True)
class AuthorKey:
    """The user's signing key: signs bundle manifests."""

    private: Any
    public_key: bytes
    fingerprint: str

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def _raw_public(private: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_or_create_author_key() -> AuthorKey:
    """The user's Ed25519 key from the config folder, made (mode 0600) on first use."""
    ed25519 = _ed25519()
    from cryptography.hazmat.primitives import serialization

    path = config_directory() / "signing" / "author_ed25519.pem"
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        candidate = ed25519.Ed25519PrivateKey.generate()
        pem = candidate.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return load_or_create_author_key()
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        private = candidate
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the signing key {path}: {exc}; fix or remove that file") from exc
    public = _raw_public(private)
    return AuthorKey(private, public, fingerprint(public))


def verify_signature(public_key: bytes, data: bytes, signature: bytes) -> None:
    """Raise :class:`SignatureError` unless ``signature`` is the key's Ed25519 signature of ``data``."""
    ed25519 = _ed25519()
    from cryptography.exceptions import InvalidSignature

    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError(f"the signature does not match the manifest ({type(exc).__name__})") from None


class TrustList:
    """The signers this user has met (by importing their bundles) and which of them they trust."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_directory() / "signers.json"

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read the trust list {self.path}: {exc}; fix or remove it") from exc
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".signers-")
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def signers(self) -> dict[str, dict[str, Any]]:
        """Every known signer: fingerprint -> {"name", "trusted"}."""
        return self._read()

    def is_trusted(self, signer: str) -> bool:
        """Whether entries from ``signer`` may unpickle (the user's own key always may)."""
        if not signer:
            return True
        entry = self._read().get(signer)
        if entry is not None and entry.get("trusted"):
            return True
        own = config_directory() / "signing" / "author_ed25519.pem"
        return own.exists() and load_or_create_author_key().fingerprint == signer

    def remember(self, signer: str, name: str, *, trusted: bool = False) -> None:
        """Note a signer met in an import (keeping an earlier trust), trusting it if ``trusted``."""
        signer = check_fingerprint(signer)
        data = self._read()
        entry = data.setdefault(signer, {"name": name, "trusted": False})
        entry["name"] = name or entry.get("name", "")
        entry["trusted"] = bool(entry.get("trusted")) or trusted
        self._write(data)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fingerprint",
        nargs="?",
        help="the signer to trust (as `pllm-notebook import` shows it); without it, list known signers",
    )


def run(args: argparse.Namespace) -> int:
    trust = TrustList()
    try:
        if args.fingerprint:
            signer = check_fingerprint(args.fingerprint)
            trust.remember(signer, trust.signers().get(signer, {}).get("name", ""), trusted=True)
            print(f"trusted signer {signer}: its entries now restore pickled variables on replay")
            return 0
        signers = trust.signers()
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if not signers:
        print(f"no signers known yet ({trust.path})")
    for signer, entry in sorted(signers.items()):
        state = "trusted" if entry.get("trusted") else "not trusted (data only)"
        print(f"{signer}  {entry.get('name', '')}  {state}")
    return 0
