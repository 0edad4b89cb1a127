"""The trust gate of a cell replay: an imported entry from an untrusted signer never unpickles.

Such an entry replays outputs, conversations and values stored as data. If its replay would need a
pickle (a variable stored as one, or a conversation item) or would run stored code (a function or class
the cell defined, kept as source), the cell runs instead when it can (its stored
run made no LLM call, or a live call is possible), and stops with :class:`UntrustedEntryError` when it
cannot, saying ``variable 'model' needs --trust to restore`` and how to trust the signer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, MissingAPIKeyError, UntrustedEntryError
from .variables import pickled_names

if TYPE_CHECKING:
    from ..engine import Orchestrator
    from ..store import MemoRecord

__all__ = ["check_trust"]


def _pickled_items(ops: list[dict[str, Any]]) -> bool:
    """Whether a stored op list holds a pickled conversation item (``{"t": "p"}``)."""
    stack: list[Any] = [a for op in ops for a in op.get("args", [])]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("t") == "p":
                return True
            if item.get("t") == "l":
                stack.extend(item.get("v", []))
    return False


def _needs_trust(record: MemoRecord) -> str:
    payload = record.payload
    names = pickled_names(payload.get("vars", {}))
    if names:
        return f"variable {names[0]!r} needs --trust to restore"
    definitions = payload.get("vars", {}).get("definitions") or {}
    if definitions:  # their stored source is run on replay: code, like a pickle
        return f"definition {next(iter(definitions))!r} needs --trust to restore"
    if _pickled_items(payload.get("ops", [])):
        return "a conversation item stored as a pickle needs --trust to restore"
    return ""


def _can_run(orch: Orchestrator, record: MemoRecord) -> bool:
    from ..engine.recording import call_ids

    if not call_ids(record.payload.get("ops", [])):
        return True
    try:
        orch.provider.check_ready()
    except (MissingAPIKeyError, ConfigError):
        return False
    return True


def check_trust(record: MemoRecord, orch: Orchestrator) -> str:
    """ "" if ``record`` may replay in full; else why not (the cell then runs instead).

    Raises :class:`UntrustedEntryError` when the cell can neither replay nor run.
    """
    if not record.signer:
        return ""
    from ..store.signing import TrustList

    if TrustList().is_trusted(record.signer):
        return ""
    reason = _needs_trust(record)
    if not reason or _can_run(orch, record):
        return reason
    raise UntrustedEntryError(
        f"{reason}: memo entry {record.label} was imported from signer {record.signer}, whom you have not "
        f"trusted, and running the cell instead needs a live LLM call, which {orch.provider.name!r} cannot "
        f"make here (no API key). If you trust that signer, run `pllm-notebook trust {record.signer}` "
        "and run the cell again."
    )
