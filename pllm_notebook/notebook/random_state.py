"""The global random states a cell leaves behind (``random`` and numpy's legacy ``np.random``).

Cells after a replayed cell must draw what they drew after the run, so a run that moved a global random
state stores where it left it, and a replay puts it there. The states are plain JSON.
"""

from __future__ import annotations

import random
import sys
from typing import Any

__all__ = ["random_states", "changed_states", "restore_states"]


def random_states() -> dict[str, Any]:
    """The current global states, as JSON-able values (numpy's only if numpy is imported)."""
    version, internal, gauss = random.getstate()
    states: dict[str, Any] = {"random": [version, list(internal), gauss]}
    np = sys.modules.get("numpy")
    if np is not None:
        name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
        states["numpy"] = [name, keys.tolist(), int(pos), int(has_gauss), float(cached)]
    return states


def changed_states(before: dict[str, Any]) -> dict[str, Any]:
    """The states that differ from ``before`` now (a state that did not exist before counts as changed)."""
    return {name: state for name, state in random_states().items() if before.get(name) != state}


def restore_states(states: dict[str, Any]) -> None:
    """Put the global random states back where :func:`changed_states` found them."""
    if "random" in states:
        version, internal, gauss = states["random"]
        random.setstate((version, tuple(internal), gauss))
    if "numpy" in states:
        import numpy as np

        name, keys, pos, has_gauss, cached = states["numpy"]
        np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
