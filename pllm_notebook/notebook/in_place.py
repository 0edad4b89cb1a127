"""Put a stored value into the object a name already holds, so aliases of that object see it too.

A cell that mutates an input (``lst += [1]``, ``arr.sort()``, ``df.drop(..., inplace=True)``,
``model.fit(X, y)``) changes an object that other names from earlier cells may also hold. A replay must
change that same object, not bind the name to a fresh copy: :func:`restore_in_place` copies the stored
content into it for the types where that is possible.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["restore_in_place"]


def _numpy(target: Any, stored: Any) -> bool:
    np = sys.modules["numpy"]
    if isinstance(target, np.ndarray):
        if type(stored) is not np.ndarray or stored.shape != target.shape or stored.dtype != target.dtype:
            return False
        if not target.flags.writeable:
            return False
        target[...] = stored
        return True
    if isinstance(target, np.random.Generator | np.random.BitGenerator):
        target_bits = target.bit_generator if isinstance(target, np.random.Generator) else target
        stored_bits = stored.bit_generator if isinstance(stored, np.random.Generator) else stored
        target_bits.state = stored_bits.state
        return True
    if isinstance(target, np.random.RandomState):
        target.set_state(stored.get_state())
        return True
    return False


_HEAP_TYPE = 1 << 9


def _plain_object(kind: type) -> bool:
    """A class written in Python whose whole state is its ``__dict__`` (it pickles the default way)."""
    return (
        bool(kind.__flags__ & _HEAP_TYPE)
        and all(base.__flags__ & _HEAP_TYPE or base is object for base in kind.__mro__)
        and "__slots__" not in {name for base in kind.__mro__ for name in vars(base)}
        and kind.__reduce_ex__ is object.__reduce_ex__
        and kind.__getstate__ is object.__getstate__
        and not hasattr(kind, "__setstate__")
    )


def restore_in_place(target: Any, stored: Any) -> bool:
    """Make ``target`` hold what ``stored`` holds; ``False`` if its type does not allow that."""
    kind = type(target)
    if kind is not type(stored):
        return False
    if kind is list:
        target[:] = stored
        return True
    if kind is dict or kind is set:
        target.clear()
        target.update(stored)
        return True
    module = kind.__module__.split(".")[0]
    if module == "numpy":
        return _numpy(target, stored)
    if module == "pandas":
        pd = sys.modules["pandas"]
        if isinstance(target, pd.DataFrame | pd.Series):
            target.__setstate__(stored.__getstate__())  # pandas' own pickle protocol, i.e. its full state
            return True
        return False
    if _plain_object(kind):
        state = vars(target)
        state.clear()
        state.update(vars(stored))
        return True
    return False
