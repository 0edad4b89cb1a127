"""Canonical, length-prefixed encodings and the hashes built on them.

Every key in pllm_notebook (memo keys, call resume keys, cache partitions) is a hash of a canonical
encoding: each value is written as a type tag, its length and its bytes, so ``["ab", "c"]`` and
``["a", "bc"]`` can never encode the same, and dict key order never matters.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Mapping
from typing import Any

__all__ = ["canonical_bytes", "stable_hash", "hash_prefix", "stable_hash_after", "CanonicalEncodingError"]


class CanonicalEncodingError(TypeError):
    """A value has no canonical encoding (for example an arbitrary object)."""


_pack_length = struct.Struct(">Q").pack


def _frame(tag: bytes, payload: bytes) -> bytes:
    return tag + _pack_length(len(payload)) + payload


def _encode(value: Any, depth: int) -> bytes:
    if type(value) is str:  # the common case first: keys are mostly made of strings
        return _frame(b"S", value.encode("utf-8", "surrogatepass"))
    if depth > 200:
        raise CanonicalEncodingError("value is nested more than 200 levels deep; flatten it before hashing")
    if value is None:
        return _frame(b"N", b"")
    if value is True or value is False:
        return _frame(b"B", b"1" if value else b"0")
    if isinstance(value, int):
        return _frame(b"I", str(int(value)).encode())
    if isinstance(value, float):
        if math.isnan(value):
            return _frame(b"F", b"nan")
        return _frame(b"F", repr(float(value)).encode())
    if isinstance(value, str):
        return _frame(b"S", value.encode("utf-8", "surrogatepass"))
    if isinstance(value, bytes | bytearray | memoryview):
        return _frame(b"Y", bytes(value))
    if isinstance(value, Mapping):
        items = sorted((_encode(k, depth + 1), _encode(v, depth + 1)) for k, v in value.items())
        return _frame(b"D", b"".join(k + v for k, v in items))
    if isinstance(value, list | tuple):
        return _frame(b"L", b"".join(_encode(v, depth + 1) for v in value))
    if isinstance(value, set | frozenset):
        return _frame(b"T", b"".join(sorted(_encode(v, depth + 1) for v in value)))
    canonical = getattr(value, "__pllm_canonical__", None)
    if canonical is not None:
        return _frame(b"O", _encode(canonical(), depth + 1))
    raise CanonicalEncodingError(
        f"cannot hash a value of type {type(value).__name__}; pass str, bytes, numbers, None, "
        "lists, tuples, sets or dicts of those"
    )


def canonical_bytes(value: Any) -> bytes:
    """Encode ``value`` so that equal values give equal bytes and different values never do.

    Lists and tuples encode alike (JSON round trips turn one into the other); NaN encodes as one value.
    """
    return _encode(value, 0)


def stable_hash(*parts: Any) -> str:
    """A hex SHA-256 of the canonical encoding of ``parts``: stable across processes and versions."""
    return hashlib.sha256(canonical_bytes(parts)).hexdigest()


def hash_prefix(*parts: Any) -> bytes:
    """The encoding of leading ``parts``, so a hot path can hash many keys that share them.

    ``stable_hash_after(hash_prefix(a, b), c) == stable_hash(a, b, c)``.
    """
    return b"".join(_encode(part, 1) for part in parts)


def stable_hash_after(prefix: bytes, *parts: Any) -> str:
    """:func:`stable_hash` of the parts ``prefix`` encodes followed by ``parts``."""
    body = prefix + b"".join(_encode(part, 1) for part in parts)
    return hashlib.sha256(_frame(b"L", body)).hexdigest()
