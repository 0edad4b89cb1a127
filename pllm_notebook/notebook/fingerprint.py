"""Fast fingerprints of the values a cell reads: equal content, equal fingerprint, in any process.

A fingerprint must be cheap on a hit (the cell is skipped, so hashing its inputs is most of the cost) and
must change whenever the content does. Arrays and frames are hashed from their memory, column by column,
with no pickle (a 1M-row numeric frame costs a few milliseconds); conversations by their state hash;
the user's functions, classes and partials (the notebook's and those of local modules) by their code
and the globals they read, transitively, library code by name and version; small values by canonical encoding; anything else by a
pickle that keeps engine objects as references.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import types
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..engine.file_access import library_roots
from ..hashing import CanonicalEncodingError, stable_hash
from .references import ContentPickler, dumps

__all__ = [
    "Unfingerprintable",
    "code_label",
    "code_module",
    "code_parts",
    "fingerprint",
    "global_names",
    "is_local_module",
    "local_module_files",
]

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


_code_hashes: dict[types.CodeType, str] = {}


def _code(code: types.CodeType) -> str:
    """A code object's hash, kept per code object (code never changes, so a hit re-hashes none)."""
    found = _code_hashes.get(code)
    if found is None:
        consts = [_code(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts]
        found = stable_hash("code", code.co_code, consts, list(code.co_names), list(code.co_varnames))
        _code_hashes[code] = found
    return found


def global_names(code: types.CodeType) -> set[str]:
    """Names a function's code (and the code nested in it) may look up as globals or attributes."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= global_names(const)
    return names


_local_modules: dict[str, bool] = {}
_versions: dict[str, str] = {}
_OWN_PACKAGE = __name__.split(".")[0]


def is_local_module(name: str) -> bool:
    """Whether a module is the user's code: ``__main__`` (the notebook) or a module whose file is not
    under the interpreter or an installed-packages folder (``helpers.py`` beside the notebook, a project
    installed editable). Such code is fingerprinted by its content; library code by name and version."""
    found = _local_modules.get(name)
    if found is None:
        module = sys.modules.get(name)
        if module is None:
            return name == "__main__"
        path = getattr(module, "__file__", None)
        if name == "__main__":
            found = True
        elif not path or name.split(".")[0] == _OWN_PACKAGE:
            found = False
        else:
            real = os.path.realpath(path)
            found = not any(real.startswith(root.rstrip(os.sep) + os.sep) for root in library_roots())
        _local_modules[name] = found
    return found


def _version(module: str) -> str:
    """A library's version (its top package's ``__version__``), so an upgrade changes its fingerprint."""
    top = module.split(".")[0]
    found = _versions.get(top)
    if found is None:
        found = _versions[top] = str(getattr(sys.modules.get(top), "__version__", ""))
    return found


def _module_file(module: types.ModuleType) -> str:
    """A local module as a whole: its source file's hash, kept per path, size and modification time."""
    path = getattr(module, "__file__", None) or ""
    try:
        info = os.stat(path)
    except OSError:
        return stable_hash("module", module.__name__, "no file")
    stamp = (path, info.st_size, info.st_mtime_ns)
    found = _file_hashes.get(stamp)
    if found is None:
        with open(path, "rb") as f:
            found = _file_hashes[stamp] = hashlib.file_digest(f, "sha256").hexdigest()
    return stable_hash("local_module", module.__name__, found)


_file_hashes: dict[tuple[str, int, int], str] = {}
_in_progress: set[int] = set()


def _used_globals(code: types.CodeType, namespace: dict[str, Any], depth: int) -> dict[str, str]:
    """The fingerprints of the globals a function may read; a local module it reads counts by the
    attributes the code names (``helpers.clean`` by ``clean``'s code), a library module by name."""
    names = global_names(code)
    used = {}
    for name in sorted(names):
        if name not in namespace:
            continue
        value = namespace[name]
        if isinstance(value, types.ModuleType) and is_local_module(value.__name__):
            used[name] = stable_hash(
                "module_members",
                value.__name__,
                {a: _fingerprint(getattr(value, a), depth + 1) for a in sorted(names) if hasattr(value, a)},
            )
        elif namespace.get("__name__") == "__main__":
            used[name] = _fingerprint(value, depth + 1)
        else:
            used[name] = _module_global(value, depth)
    return used


def _module_global(value: Any, depth: int) -> str:
    """A global of a local module: by content, or by type if it has none (a connection, a lock), so a
    module holding one does not keep every cell that calls into it from being memoized."""
    try:
        return _fingerprint(value, depth + 1)
    except Unfingerprintable:
        kind = type(value)
        return stable_hash("unfingerprintable", kind.__module__, kind.__qualname__)


def _function(value: types.FunctionType, depth: int) -> str:
    """A library function by name and version; the user's (notebook or local module) by its code,
    defaults, closure and the globals it uses, transitively.

    A function defined in an earlier cell that reads ``threshold`` changes fingerprint when ``threshold``
    does, so a cell calling it re-runs; so does one in ``helpers.py`` when a function it calls is edited.
    """
    if not is_local_module(value.__module__ or ""):
        return stable_hash("function", value.__module__, value.__qualname__, _version(value.__module__ or ""))
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
        used = _used_globals(value.__code__, value.__globals__, depth)
        return stable_hash("main_function", value.__qualname__, _code(value.__code__), defaults, cells, used)
    finally:
        _in_progress.discard(id(value))


def _members(value: type) -> dict[str, Any]:
    """The functions a class defines (methods, static and class methods, property accessors)."""
    found: dict[str, Any] = {}
    for name, member in sorted(vars(value).items()):
        if isinstance(member, staticmethod | classmethod):
            member = member.__func__
        if isinstance(member, property):
            member = member.fget
        if isinstance(member, types.FunctionType):
            found[name] = member
    return found


def _class_data(value: type, depth: int) -> dict[str, str]:
    """A class's own attributes that are not functions (``THRESHOLD = 3`` in the class body)."""
    members = _members(value)
    return {
        name: _module_global(member, depth)
        for name, member in sorted(vars(value).items())
        if not name.startswith("__")
        and name not in members
        and not isinstance(member, staticmethod | classmethod | property)
    }


def _class(value: type, depth: int) -> str:
    if not is_local_module(value.__module__):
        return stable_hash("class", value.__module__, value.__qualname__, _version(value.__module__))
    if id(value) in _in_progress:
        return stable_hash("recursive_class", value.__qualname__)
    _in_progress.add(id(value))
    try:
        members = {k: _function(v, depth + 1) for k, v in _members(value).items()}
        bases = [_class(b, depth + 1) for b in value.__bases__ if b is not object]
        return stable_hash("main_class", value.__qualname__, members, bases, _class_data(value, depth))
    finally:
        _in_progress.discard(id(value))


def _partial(value: functools.partial, depth: int) -> str:
    return stable_hash(
        "partial",
        _fingerprint(value.func, depth + 1),
        _fingerprint(list(value.args), depth + 1),
        _fingerprint(dict(value.keywords), depth + 1),
    )


def code_label(value: Any) -> str | None:
    """``helpers.summarize`` (or ``score`` for the notebook's own) if ``value`` is a function or class of
    the user's code, ``None`` for anything else."""
    if isinstance(value, types.FunctionType | type):
        module = getattr(value, "__module__", None) or ""
        if is_local_module(module):
            return value.__qualname__ if module == "__main__" else f"{module}.{value.__qualname__}"
    return None


def code_module(value: Any) -> str | None:
    """The module a function, class, partial or bound method comes from (``None`` for other values)."""
    if isinstance(value, functools.partial):
        return code_module(value.func)
    if isinstance(value, types.MethodType):
        return code_module(value.__func__)
    if isinstance(value, types.FunctionType | type):
        return getattr(value, "__module__", None)
    return None


def local_module_files(values: Iterable[Any]) -> dict[str, Path]:
    """The source files of the local modules ``values`` are or come from, and of the local modules those
    import (by module or by name), transitively; ``__main__`` is not one."""
    found: dict[str, Path] = {}
    pending = list(values)
    while pending:
        value = pending.pop()
        name = value.__name__ if isinstance(value, types.ModuleType) else code_module(value)
        if not name or name in found or name == "__main__" or not is_local_module(name):
            continue
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path:
            found[name] = Path(path).resolve()
            pending.extend(vars(module).values())
    return found


def code_parts(value: Any) -> tuple[dict[str, str], Any]:
    """Split a value the cell reads into the user's code it carries, by name, and the data left over.

    A local function is all code; a partial or bound method of one carries it beside its arguments or
    object; a class counts method by method (``Model.fit changed``), and so does the class of an
    instance. The leftover data (``None`` when there is none) is fingerprinted as an input.
    """
    if isinstance(value, functools.partial):
        code, _ = code_parts(value.func)
        return code, (value.args, value.keywords) if code else value
    if isinstance(value, types.MethodType):
        code, _ = code_parts(value.__func__)
        return code, value.__self__ if code else value
    label = code_label(value)
    if label is not None and isinstance(value, type):
        parts = {f"{label}.{name}": _function(f, 1) for name, f in _members(value).items()}
        bases = [_class(b, 1) for b in value.__bases__ if b is not object]
        parts[label] = stable_hash("class_body", bases, _class_data(value, 1))
        return parts, None
    if label is not None:
        return {label: _function(value, 0)}, None
    if isinstance(value, types.ModuleType) and is_local_module(value.__name__):
        return {value.__name__: _module_file(value)}, None
    kind_label = code_label(type(value))
    if kind_label is not None:
        return code_parts(type(value))[0], value
    return {}, value


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
        if is_local_module(value.__name__):
            return _module_file(value)
        return stable_hash("module", value.__name__, _version(value.__name__))
    if isinstance(value, functools.partial):
        return _partial(value, depth)
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
