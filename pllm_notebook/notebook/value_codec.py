"""How one stored variable is written to bytes, and read back: JSON, ``.npy``, Arrow, or a pickle.

Plain data (numbers, strings, ``None`` and lists or string-keyed dicts of them) is written as JSON, numpy
arrays as ``.npy`` (read back with ``allow_pickle=False``), modules and library functions and classes by
their import path, pandas frames as an Arrow IPC stream
(if ``pyarrow`` is installed and the frame comes back from Arrow exactly as it was), and everything else as
a pickle that keeps engine objects as references (see :mod:`.references`). Only a pickle runs code chosen
by whoever wrote it, so only pickles need a trusted writer.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import math
import sys
import types
from typing import TYPE_CHECKING, Any

from .fingerprint import Unfingerprintable, fingerprint
from .references import dumps, loads

if TYPE_CHECKING:
    from ..engine import LLMResponse, Orchestrator

__all__ = ["encode", "decode"]

_JSON_SCALARS = (str, int, float, bool, type(None))
_MAX_JSON_ITEMS = 100_000
_NPY_HEADER_MAX = 1 << 20


def _is_plain(value: Any, depth: int = 0, budget: list[int] | None = None) -> bool:
    """Whether JSON gives ``value`` back exactly: its types, not only its content (a tuple would not)."""
    budget = [_MAX_JSON_ITEMS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > 20:
        return False
    kind = type(value)
    if kind is float:
        return value == value and value not in (float("inf"), float("-inf"))
    if kind in _JSON_SCALARS:
        return True
    if kind is list:
        return all(_is_plain(v, depth + 1, budget) for v in value)
    if kind is dict:
        return all(type(k) is str and _is_plain(v, depth + 1, budget) for k, v in value.items())
    return False


def _npy(value: Any) -> bytes | None:
    """``.npy`` bytes of a numpy array, its memory copied once (``np.save`` to a stream copies it twice)."""
    np = sys.modules["numpy"]
    if type(value) is not np.ndarray or value.dtype.hasobject:
        return None
    header = io.BytesIO()
    fields = np.lib.format.header_data_from_array_1_0(value)
    np.lib.format.write_array_header_2_0(header, fields)
    memory = value.T if fields["fortran_order"] else np.ascontiguousarray(value)
    return b"".join((header.getvalue(), memoryview(memory.reshape(-1)).cast("B")))


def _read_npy(data: Any) -> Any:
    """The array in ``.npy`` bytes (or a copy-on-write memory map of them), without reading it in chunks
    as ``np.load`` does on a stream: a map gives a writable array with no copy, bytes one copy."""
    import numpy as np

    header = io.BytesIO(bytes(memoryview(data)[:_NPY_HEADER_MAX]))
    version = np.lib.format.read_magic(header)
    read_header = (
        np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    )
    shape, fortran_order, dtype = read_header(header)
    if dtype.hasobject:
        raise ValueError("a stored .npy array holds Python objects, which would need unpickling")
    flat = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=header.tell())
    array = flat.reshape(shape, order="F" if fortran_order else "C")
    return array if array.flags.writeable else array.copy(order="K")


def _arrow(value: Any) -> bytes | None:
    """An Arrow IPC stream of a frame, or ``None`` if Arrow would not give it back exactly as it is."""
    pd = sys.modules["pandas"]
    if type(value) is not pd.DataFrame or importlib.util.find_spec("pyarrow") is None:
        return None
    import pyarrow as pa

    try:
        table = pa.Table.from_pandas(value, preserve_index=None)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        data = sink.getvalue().to_pybytes()
        if fingerprint(_read_arrow(data)) != fingerprint(value):
            return None
    except (pa.ArrowException, TypeError, ValueError, Unfingerprintable):
        return None
    return data


def _read_arrow(data: bytes) -> Any:
    import pyarrow as pa

    return pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pandas()


def _import_reference(value: Any) -> str | None:
    """``"module"`` or ``"module:qualname"`` if importing that gives back ``value`` itself (a module, or a
    function or class of an installed module, as ``from dataclasses import dataclass`` binds), else ``None``."""
    if isinstance(value, types.ModuleType):
        return value.__name__
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if (
        not isinstance(module, str)
        or not isinstance(qualname, str)
        or module == "__main__"
        or "<" in qualname
    ):
        return None
    try:
        found = _imported(f"{module}:{qualname}")
    except (ImportError, AttributeError):
        return None
    return f"{module}:{qualname}" if found is value else None


def _imported(reference: str) -> Any:
    module, _, qualname = reference.partition(":")
    found = importlib.import_module(module)
    for part in qualname.split(".") if qualname else ():
        found = getattr(found, part)
    return found


def encode(value: Any) -> tuple[str, bytes]:
    """``(format, bytes)`` for ``value``; raises whatever pickling raises if no format fits."""
    if _is_plain(value):
        return "json", json.dumps(value, allow_nan=False).encode()
    reference = _import_reference(value)
    if reference is not None:
        return "import", reference.encode()
    module = type(value).__module__.split(".")[0]
    if module == "numpy":
        data = _npy(value)
        if data is not None:
            return "npy", data
    if module == "pandas":
        data = _arrow(value)
        if data is not None:
            return "arrow", data
    return "pickle", dumps(value)


def decode(
    format_: str, blobs: Any, digest: str, orch: Orchestrator, responses: dict[str, LLMResponse]
) -> Any:
    """The value :func:`encode` wrote, read from ``blobs``; ``orch`` and ``responses`` resolve a pickle's
    engine references. An array is memory-mapped where the blob store allows it."""
    if format_ == "npy":
        get_mapped = getattr(blobs, "get_mapped", None)
        return _read_npy(get_mapped(digest) if get_mapped is not None else blobs.get(digest))
    data = blobs.get(digest)
    if format_ == "json":
        return json.loads(data)
    if format_ == "arrow":
        return _read_arrow(data)
    if format_ == "import":
        return _imported(data.decode())
    if format_ == "pickle":
        return loads(data, orch, responses)
    raise ValueError(f"unknown stored variable format {format_!r} (written by a newer pllm_notebook?)")
