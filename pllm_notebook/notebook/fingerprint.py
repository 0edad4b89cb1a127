"""Fast fingerprints of the values a cell reads: equal content, equal fingerprint, in any process.

A fingerprint must be cheap on a hit (the cell is skipped, so hashing its inputs is most of the cost) and
must change whenever the content does. Arrays and frames are hashed from their memory, column by column,
with no pickle (a 1M-row numeric frame costs a few milliseconds); conversations by their state hash;
functions defined in the notebook by their code; small values by canonical encoding; anything else by a
pickle that keeps engine objects as references.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..hashing import CanonicalEncodingError, stable_hash
from .references import ContentPickler, dumps

__all__ = ["fingerprint", "Unfingerprintable", "global_names"]

_PRIMITIVES = frozenset({str, int, float, bool, bytes, type(None)})
_MAX_DEPTH = 50
_PARALLEL_CELLS = 500_000
_hash_pool: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _hash_pool
    if _hash_pool is None:
        _hash_pool = ThreadPoolExecutor(min(4, os.cpu_count() or 1), thread_name_prefix="pllm-fingerprint")
    return _hash_pool


class Unfingerprintable(TypeError):
    """A value whose content cannot be hashed (it neither pickles nor has a known shape)."""


def _digest(*chunks: bytes | memoryview) -> str:
    """SHA-256 of length-prefixed chunks (so chunk boundaries are part of the hash)."""
    h = hashlib.sha256()
    for chunk in chunks:
        size = chunk.nbytes if isinstance(chunk, memoryview) else len(chunk)
        h.update(size.to_bytes(8, "big"))
        h.update(chunk)
    return h.hexdigest()


def _array(value: Any) -> str:
    np = sys.modules["numpy"]
    if value.dtype.hasobject:
        return _object_values(value)
    data = np.ascontiguousarray(value)
    header = f"ndarray|{data.dtype.str}|{data.shape}".encode()
    return _digest(header, memoryview(data.reshape(-1).view(np.uint8)))


def _object_values(values: Any) -> str:
    """An object array: all strings are hashed in one pass by pandas (if loaded), else each element."""
    flat = values.ravel()
    pd = sys.modules.get("pandas")
    if pd is not None and pd.api.types.infer_dtype(flat, skipna=False) in ("string", "empty"):
        return _digest(f"strings|{values.shape}".encode(), memoryview(pd.util.hash_array(flat)).cast("B"))
    return stable_hash("objects", list(values.shape), [_fingerprint(i, 1) for i in flat.tolist()])


def _pandas_values(values: Any) -> str:
    """The values of a pandas column or index, hashed from memory where they have a numpy form."""
    np = sys.modules["numpy"]
    pd = sys.modules["pandas"]
    if isinstance(values, np.ndarray):
        return _array(values)
    if isinstance(values, pd.Series | pd.Index):
        if isinstance(values.dtype, np.dtype):
            return _array(values.to_numpy())
        values = values.array
    if isinstance(values, pd.Categorical):
        return stable_hash("categorical", _array(values.codes), _pandas_values(values.categories))
    if isinstance(values.dtype, np.dtype):
        return _array(values.to_numpy())
    return stable_hash("extension", str(values.dtype), _array(pd.util.hash_array(values)))


def _index(index: Any) -> str:
    pd = sys.modules["pandas"]
    if isinstance(index, pd.RangeIndex):
        return stable_hash("range_index", index.start, index.stop, index.step, _fingerprint(index.name, 1))
    if isinstance(index, pd.MultiIndex):
        return stable_hash("multi_index", [_index(index.get_level_values(i)) for i in range(index.nlevels)])
    return stable_hash("index", _fingerprint(index.name, 1), _pandas_values(index))


def _frame(value: Any) -> str:
    """Columns are hashed on a few threads when the frame is large (hashing releases the GIL)."""
    series = [value.iloc[:, i] for i in range(value.shape[1])]
    if len(series) > 1 and value.shape[0] * len(series) >= _PARALLEL_CELLS:
        columns = list(_pool().map(_pandas_values, series))
    else:
        columns = [_pandas_values(s) for s in series]
    names = _fingerprint(list(value.columns), 1)
    dtypes = [str(t) for t in value.dtypes]
    return stable_hash("dataframe", names, dtypes, _index(value.index), columns)


def _series(value: Any) -> str:
    return stable_hash(
        "series", _fingerprint(value.name, 1), str(value.dtype), _index(value.index), _pandas_values(value)
    )


def _pandas(value: Any) -> str | None:
    """A frame, series or index hashed from memory, or ``None`` so that it is pickled instead.

    ``None`` also covers exotic column types that pandas cannot hash.
    """
    pd = sys.modules["pandas"]
    try:
        if isinstance(value, pd.DataFrame):
            return _frame(value)
        if isinstance(value, pd.Series):
            return _series(value)
        if isinstance(value, pd.Index):
            return _index(value)
    except (TypeError, ValueError):
        return None
    return None


def _code(code: types.CodeType) -> str:
    consts = [_code(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
    return stable_hash("code", code.co_code, consts, list(code.co_names), list(code.co_varnames))


def global_names(code: types.CodeType) -> set[str]:
    """Names a function's code (and the code nested in it) may look up as globals."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= global_names(const)
    return names


_in_progress: set[int] = set()


def _function(value: types.FunctionType, depth: int) -> str:
    """A library function by name; a notebook function by its code, defaults, closure and the globals it uses.

    A function defined in an earlier cell that reads ``threshold`` changes fingerprint when ``threshold``
    does, so a cell calling it re-runs.
    """
    if value.__module__ != "__main__":
        return stable_hash("function", value.__module__, value.__qualname__)
    if id(value) in _in_progress:
        return stable_hash("recursive_function", value.__qualname__)
    _in_progress.add(id(value))
    try:
        defaults = _fingerprint(value.__defaults__, depth + 1) if value.__defaults__ else ""
        cells = []
        for cell in value.__closure__ or ():
            try:
                cells.append(_fingerprint(cell.cell_contents, depth + 1))
            except ValueError:
                cells.append("empty")
        namespace = value.__globals__
        used = {
            name: _fingerprint(namespace[name], depth + 1)
            for name in sorted(global_names(value.__code__))
            if name in namespace
        }
        return stable_hash("main_function", value.__qualname__, _code(value.__code__), defaults, cells, used)
    finally:
        _in_progress.discard(id(value))


def _class(value: type, depth: int) -> str:
    if value.__module__ != "__main__":
        return stable_hash("class", value.__module__, value.__qualname__)
    members = {
        k: _function(v, depth + 1)
        for k, v in sorted(vars(value).items())
        if isinstance(v, types.FunctionType)
    }
    return stable_hash("main_class", value.__qualname__, members)


def _engine(value: Any) -> str | None:
    from ..engine import Agent, LLMResponse, MessageState, Orchestrator

    if isinstance(value, MessageState):
        return stable_hash("message_state", value.name, value.state_hash())
    if isinstance(value, Agent):
        return stable_hash("agent", value.name, value.get_msg_state().state_hash())
    if isinstance(value, LLMResponse):
        return stable_hash("llm_response", value.call_id)
    if isinstance(value, Orchestrator):
        return stable_hash("orchestrator", str(value.directory))
    return None


def _fingerprint(value: Any, depth: int) -> str:
    kind = type(value)
    if kind in _PRIMITIVES:
        return stable_hash("value", value)
    if depth > _MAX_DEPTH:
        raise Unfingerprintable(f"a value nested more than {_MAX_DEPTH} levels deep")
    if kind is list or kind is tuple:
        if set(map(type, value)) <= _PRIMITIVES:
            return _digest(kind.__name__.encode(), pickle.dumps(value, protocol=5))
        return stable_hash(kind.__name__, [_fingerprint(v, depth + 1) for v in value])
    if kind is dict:
        return stable_hash(
            "dict", {_fingerprint(k, depth + 1): _fingerprint(v, depth + 1) for k, v in value.items()}
        )
    if kind is set or kind is frozenset:
        return stable_hash("set", sorted(_fingerprint(v, depth + 1) for v in value))
    module = kind.__module__.split(".")[0]
    if module == "numpy" and kind.__name__ == "ndarray":
        return _array(value)
    if module == "pandas":
        found = _pandas(value)
        if found is not None:
            return found
    if module == "pllm_notebook":
        found = _engine(value)
        if found is not None:
            return found
    if isinstance(value, types.ModuleType):
        return stable_hash("module", value.__name__)
    if isinstance(value, types.FunctionType):
        return _function(value, depth)
    if isinstance(value, type):
        return _class(value, depth)
    if isinstance(value, types.MethodType):
        return stable_hash(
            "method", _fingerprint(value.__func__, depth + 1), _fingerprint(value.__self__, depth + 1)
        )
    if isinstance(value, types.BuiltinFunctionType) and isinstance(value.__self__, types.ModuleType | None):
        return stable_hash("builtin", value.__module__ or "", value.__qualname__)
    try:
        return stable_hash("canonical", value)
    except CanonicalEncodingError:
        pass
    try:
        return _digest(b"pickle", dumps(value, ContentPickler))
    except Exception as exc:  # pickling runs arbitrary __reduce__ code; any failure means "cannot hash"
        raise Unfingerprintable(f"a {kind.__name__} cannot be hashed or pickled ({exc})") from exc


def fingerprint(value: Any) -> str:
    """A hex digest of ``value``'s content; raises :class:`Unfingerprintable` if it has none we can compute."""
    return _fingerprint(value, 0)
