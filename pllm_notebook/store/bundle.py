"""The shared-bundle file: memo entries, calls and blobs in one zip, under a signed manifest.

Layout (a plain zip, written front to back in one pass):

- ``manifest.json`` first: format, signer (fingerprint, raw public key, name), the notebook it came from,
  counts, data size, every memo entry and call in full, and the SHA-256 and size of every blob;
- ``manifest.sig``: the signer's Ed25519 signature of the manifest's exact bytes;
- ``blobs/<sha256>``: one member per blob (deflated when that makes it smaller).

:func:`open_bundle` checks the signature and every blob's hash and size before anything is written
anywhere, and refuses the whole bundle with a :class:`~pllm_notebook.errors.BundleError` that names the
part that failed. Secrets never enter a bundle: entries and JSON blobs go through the redactor, and a
binary blob (a pickle) in which the redactor finds a secret stops the export, naming the entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..call_codec import ROW_FIELDS, call_from_row, call_to_row
from ..errors import BundleError
from ..redaction import default_redactor
from .blobs import BlobStore
from .records import CallRecord, MemoRecord
from .signing import AuthorKey, fingerprint, verify_signature

__all__ = ["BUNDLE_FORMAT", "Bundle", "open_bundle", "write_bundle"]

BUNDLE_FORMAT = "pllm-bundle/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
BLOB_PREFIX = "blobs/"
_READ_CHUNK = 1 << 20
_SAMPLE = 1 << 18
_MEMO_FIELDS = ("key", "kind", "label", "agent", "inputs", "payload", "duration_s", "created")


def _strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON-like value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def blob_digests(payload: Any, store: BlobStore) -> set[str]:
    """The blobs a memo payload names: every string in it that is a SHA-256 stored in ``store``.

    Walking the whole payload (not its known fields) keeps this right when the payload grows new kinds
    of blob reference (variable formats, pickled conversation items, outputs).
    """
    return {
        s
        for s in _strings(payload)
        if len(s) == 64 and all(c in "0123456789abcdef" for c in s) and store.exists(s)
    }


def _replace_strings(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, dict):
        return {k: _replace_strings(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, mapping) for v in value]
    return value


def _memo_dict(memo: MemoRecord) -> dict[str, Any]:
    return {name: getattr(memo, name) for name in _MEMO_FIELDS}


def _json_text(data: bytes) -> str | None:
    """A blob's text if it is JSON (outputs), else None (a pickle or other binary value)."""
    if data[:1] not in (b"{", b"["):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _redacted_blobs(memos: list[dict[str, Any]], store: BlobStore) -> tuple[dict[str, bytes], dict[str, str]]:
    """The blobs the entries need, with JSON blobs redacted (old digest -> new digest in the mapping).

    A binary blob holding something the redactor matches cannot be redacted without breaking it, so the
    export stops and names the entry.
    """
    redactor = default_redactor()
    blobs: dict[str, bytes] = {}
    renamed: dict[str, str] = {}
    for memo in memos:
        for digest in sorted(blob_digests(memo["payload"], store)):
            if digest in renamed or digest in blobs:
                continue
            data = store.get(digest)
            text = _json_text(data)
            if text is not None:
                clean = redactor.redact_text(text)
                if clean != text:
                    data = clean.encode()
                    renamed[digest] = digest = hashlib.sha256(data).hexdigest()
            else:
                raw = data.decode("latin-1")
                if redactor.redact_text(raw) != raw:
                    raise BundleError(
                        f"memo entry {memo['label'] or memo['key'][:12]} stores a value holding what looks "
                        "like a secret (an API key or token); it cannot be exported. Re-run that cell "
                        "without the secret in its variables, or leave it out with --cells."
                    )
            blobs[digest] = data
    return blobs, renamed


def _compress_type(data: bytes) -> int:
    """Deflate a blob when that makes it smaller (judged on a sample), store it as it is otherwise."""
    sample = data[:_SAMPLE]
    if len(sample) < 64:
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED if len(zlib.compress(sample, 1)) < 0.9 * len(sample) else zipfile.ZIP_STORED


def write_bundle(
    path: Path,
    *,
    notebook: str,
    memos: Iterable[MemoRecord],
    calls: Iterable[CallRecord],
    blobs: BlobStore,
    key: AuthorKey,
    author: str,
) -> dict[str, Any]:
    """Write a signed bundle of ``memos``, ``calls`` and the blobs they need to ``path`` (atomically).

    Returns the manifest (without the entries) as the file states it.
    """
    redactor = default_redactor()
    memo_rows = [redactor(_memo_dict(m)) for m in memos]
    call_rows = [redactor(call_to_row(c)) for c in calls]
    needed, renamed = _redacted_blobs(memo_rows, blobs)
    if renamed:
        memo_rows = [{**m, "payload": _replace_strings(m["payload"], renamed)} for m in memo_rows]
    entries_bytes = len(json.dumps([memo_rows, call_rows], default=str))
    manifest = {
        "format": BUNDLE_FORMAT,
        "signer": {"fingerprint": key.fingerprint, "public_key": key.public_key.hex(), "name": author},
        "notebook": notebook,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "counts": {"memos": len(memo_rows), "calls": len(call_rows), "blobs": len(needed)},
        "data_bytes": entries_bytes + sum(len(data) for data in needed.values()),
        "blobs": {digest: len(data) for digest, data in sorted(needed.items())},
        "memos": memo_rows,
        "calls": call_rows,
    }
    raw = json.dumps(manifest, default=str, separators=(",", ":")).encode()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            zf.writestr(MANIFEST, raw, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
            zf.writestr(SIGNATURE, key.sign(raw).hex())
            for digest, data in sorted(needed.items()):
                zf.writestr(BLOB_PREFIX + digest, data, compress_type=_compress_type(data), compresslevel=1)
            zf.comment = _summary(manifest).encode()[:65535]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {k: v for k, v in manifest.items() if k not in ("memos", "calls", "blobs")}


def _summary(manifest: dict[str, Any]) -> str:
    counts = manifest["counts"]
    signer = manifest["signer"]
    return (
        f"pllm bundle of {manifest['notebook']}: {counts['memos']} memo entries, {counts['calls']} calls, "
        f"{counts['blobs']} blobs ({manifest['data_bytes']} bytes of data), signed by {signer['name']} "
        f"(fingerprint {signer['fingerprint']})"
    )


@dataclass
class Bundle:
    """A bundle whose signature and blob hashes have been checked; nothing has been written yet."""

    path: Path
    manifest: dict[str, Any]
    memos: list[MemoRecord]
    calls: list[CallRecord]

    @property
    def signer(self) -> str:
        return self.manifest["signer"]["fingerprint"]

    @property
    def signer_name(self) -> str:
        return str(self.manifest["signer"].get("name", ""))

    @property
    def summary(self) -> str:
        return _summary(self.manifest)

    def blobs(self) -> Iterator[tuple[str, bytes]]:
        """Each blob with its digest, checked again as it is read (the file may change under us)."""
        with zipfile.ZipFile(self.path) as zf:
            for digest in self.manifest["blobs"]:
                data = zf.read(BLOB_PREFIX + digest)
                if hashlib.sha256(data).hexdigest() != digest:
                    raise BundleError(f"{self.path}: blob {digest} changed while it was being imported")
                yield digest, data


def _fail(path: Path, part: str, why: str) -> BundleError:
    return BundleError(f"refused the bundle {path}: {part} {why}; nothing was imported")


def _check_member(zf: zipfile.ZipFile, path: Path, digest: str, size: int) -> None:
    """Stream one blob member, comparing its size and SHA-256 with the manifest's."""
    h = hashlib.sha256()
    seen = 0
    try:
        with zf.open(BLOB_PREFIX + digest) as fh:
            while chunk := fh.read(_READ_CHUNK):
                seen += len(chunk)
                if seen > size:
                    raise _fail(path, f"blob {digest}", f"is larger than the manifest says ({size} bytes)")
                h.update(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise _fail(path, f"blob {digest}", f"cannot be read ({exc})") from None
    if seen != size or h.hexdigest() != digest:
        raise _fail(path, f"blob {digest}", "does not match its hash in the signed manifest")


def _records(path: Path, manifest: dict[str, Any]) -> tuple[list[MemoRecord], list[CallRecord]]:
    try:
        memos = [MemoRecord(**{k: m[k] for k in _MEMO_FIELDS}, mac=None) for m in manifest["memos"]]
        calls = [call_from_row({k: c[k] for k in ROW_FIELDS}) for c in manifest["calls"]]
    except (KeyError, TypeError) as exc:
        raise _fail(path, "the manifest", f"has a malformed entry ({type(exc).__name__}: {exc})") from None
    for memo in memos:
        if not isinstance(memo.payload, dict) or not isinstance(memo.inputs, dict):
            raise _fail(path, f"memo entry {memo.label or memo.key[:12]}", "is malformed")
        if memo.kind != "cell":  # only a cell replay passes the trust gate; export writes nothing else
            raise _fail(
                path, f"memo entry {memo.label or memo.key[:12]}", f"is of kind {memo.kind!r}, not 'cell'"
            )
    return memos, calls


def open_bundle(path: str | os.PathLike[str]) -> Bundle:
    """Read and check a bundle: its manifest, signature and every blob; raises :class:`BundleError`."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BundleError(f"{path} does not exist") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail(path, "the file", f"is not a pllm bundle ({exc})") from None
    with zf:
        names = set(zf.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            raise _fail(path, "the file", f"has no {MANIFEST} or {SIGNATURE} (not a pllm bundle)")
        try:
            raw = zf.read(MANIFEST)
            signature = bytes.fromhex(zf.read(SIGNATURE).decode())
            manifest = json.loads(raw)
        except (zipfile.BadZipFile, zlib.error, ValueError, UnicodeDecodeError) as exc:
            raise _fail(path, "the manifest", f"cannot be read ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
            raise _fail(path, "the manifest", f"is not in the {BUNDLE_FORMAT} format")
        try:
            signer = manifest["signer"]
            public_key = bytes.fromhex(signer["public_key"])
        except (KeyError, TypeError, ValueError):
            raise _fail(path, "the manifest", "does not name its signer's public key") from None
        if fingerprint(public_key) != signer.get("fingerprint"):
            raise _fail(path, "the signer", "fingerprint does not match the public key it states")
        try:
            verify_signature(public_key, raw, signature)
        except BundleError as exc:
            raise _fail(path, "the signature", f"failed ({exc})") from None
        declared = manifest.get("blobs")
        if not isinstance(declared, dict):
            raise _fail(path, "the manifest", "does not list its blobs")
        members = {n[len(BLOB_PREFIX) :] for n in names if n.startswith(BLOB_PREFIX)}
        extra = names - {MANIFEST, SIGNATURE} - {BLOB_PREFIX + d for d in declared}
        if extra:
            raise _fail(path, f"member {sorted(extra)[0]}", "is not listed in the signed manifest")
        for digest, size in declared.items():
            if digest not in members:
                raise _fail(path, f"blob {digest}", "is listed in the manifest but missing from the file")
            _check_member(zf, path, digest, int(size))
    memos, calls = _records(path, manifest)
    return Bundle(path, manifest, memos, calls)
