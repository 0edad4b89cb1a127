"""The activity log's stored form, shared by both resume stores: every event of a store's runs, secrets
redacted, so that a dashboard in another process shows what the kernel's own dashboard shows."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..events import Event, event_from_record
from ..redaction import redact

ACTIVITY_KEEP = 20_000
"""How many of the newest events the activity log keeps."""
ACTIVITY_GATHER_S = 0.2
"""How long a writer lets logged events gather before storing them in one write."""


def activity_json(event: Event) -> str:
    """The redacted JSON record of ``event`` the log stores."""
    return redact(json.dumps(event.to_record(), default=str))


def logged_events(rows: Iterable[tuple[int, str | bytes]]) -> list[tuple[int, Event]]:
    """``(seq, stored JSON)`` rows read back as events; kinds this version does not know are skipped."""
    found = [(int(seq), event_from_record(json.loads(data))) for seq, data in rows]
    return [(seq, event) for seq, event in found if event is not None]
