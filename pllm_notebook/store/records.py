"""The rows a resume directory holds, as plain dataclasses (a call's is the package-wide ``CallRecord``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..call_record import CallRecord

__all__ = ["BatchEntry", "CallRecord", "MemoRecord"]


@dataclass
class MemoRecord:
    """What a memo block or cell did, so it can be replayed.

    ``inputs`` holds the parts of the key by name (source hash, salt, input fingerprints), kept so that a
    later miss can say which one changed. ``payload`` is the replay data, owned by whoever stored it.
    ``signer`` is "" for an entry made here, else the Ed25519 fingerprint of the author whose signed
    bundle it was imported from (kept inside the MAC, see :mod:`.integrity`).
    """

    key: str
    kind: str
    label: str
    agent: str
    inputs: dict[str, Any]
    payload: dict[str, Any]
    duration_s: float = 0.0
    created: float = field(default_factory=time.time)
    mac: str | None = None
    signer: str = ""


@dataclass(frozen=True)
class BatchEntry:
    """One request sent in a vendor's batch job whose answer has not been collected yet.

    Kept so that a run stopped while the job was running picks up the same job when it runs again,
    instead of submitting (and paying for) the request a second time.
    """

    batch_id: str
    provider: str
    model: str
    custom_id: str
    resume_key: str
    created: float = field(default_factory=time.time)
