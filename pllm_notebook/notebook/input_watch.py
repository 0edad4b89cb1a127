"""Which inputs a cell changed in place, found by fingerprinting them before and after it runs.

``df.drop(..., inplace=True)``, ``np.random.shuffle(arr)``, ``model.fit(X, y)`` or ``lst += [1]`` change an
object without binding a name, and no list of method names can know them all. So the values a cell reads
are fingerprinted before the run and again after it; every one still bound to the same object whose
fingerprint changed was changed by the cell and is stored with the names it set. A function defined in
the notebook that the cell calls reads globals too (``def record(x): results.append(x)``): the globals
its code names, and those of the notebook functions they name in turn, are watched as well.
"""

from __future__ import annotations

import types
from typing import Any

from .fingerprint import Unfingerprintable, fingerprint, global_names

__all__ = ["InputWatch"]

_CODE = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)


def _watched(value: Any) -> bool:
    """Values whose content a cell can change: not code, and not engine objects (their changes are
    recorded as conversation operations)."""
    return not isinstance(value, _CODE) and type(value).__module__.split(".")[0] != "pllm_notebook"


def _reached(namespace: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """``names`` and, transitively, the globals named by the notebook functions among them."""
    found = [name for name in names if name in namespace]
    seen = set(found)
    for name in found:
        value = namespace[name]
        if isinstance(value, types.FunctionType) and value.__module__ == "__main__":
            more = sorted(n for n in global_names(value.__code__) if n in namespace and n not in seen)
            seen.update(more)
            found.extend(more)
    return found


class InputWatch:
    """The objects a cell reads (directly or through the notebook's functions) and their fingerprints
    before it runs."""

    def __init__(
        self, namespace: dict[str, Any], names: tuple[str, ...], known: dict[str, str] | None = None
    ) -> None:
        """``known`` maps names to the fingerprints of their values computed just before (the cell's key),
        so a large input is not hashed twice before the run."""
        known = known or {}
        self.objects = {name: namespace[name] for name in _reached(namespace, names)}
        self._prints: dict[str, str] = {}
        for name, value in self.objects.items():
            if _watched(value):
                try:
                    self._prints[name] = known[name] if name in known else fingerprint(value)
                except Unfingerprintable:
                    continue

    def changed(self, namespace: dict[str, Any]) -> tuple[str, ...]:
        """The inputs the run changed: rebound or deleted (by a function, ``global x; x = ...``), or still
        bound to the same object whose content changed."""
        return tuple(
            name
            for name, before in self.objects.items()
            if namespace.get(name, self) is not before
            or (name in self._prints and _fingerprint(before) != self._prints[name])
        )


def _fingerprint(value: Any) -> str:
    try:
        return fingerprint(value)
    except Unfingerprintable as exc:  # it held only hashable content before the run: it changed
        return str(exc)
