"""What a clicked feed row opens: a call's prompt, answer and figures, or a memo entry's inputs and miss reason.

The page asks for one row's detail when the user clicks it (by the row's id); it is read then from the
resume directory's store (the call log, the memo entries), never pushed with every update. Everything
leaves through :func:`pllm_notebook.redaction.redact`: no API key or auth header reaches the page, even
one stored before a redaction pattern existed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ..redaction import redact
from .model import DashboardModel, FeedRow

TEXT_LIMIT = 4000
"""Characters of a prompt or an answer shown; the rest is cut with a note."""
SHORT_HASH = 12
"""Characters of a fingerprint shown: enough to tell two apart."""

CALL_KINDS = ("in flight", "done", "exact hit", "semantic hit", "replayed", "error")
MEMO_KINDS = ("memo hit", "memo miss", "memo stored", "memo skipped")
_SOURCES = {
    "done": "live (the provider answered)",
    "exact hit": "exact (the cache held this very request)",
    "semantic hit": "semantic (the cache held a request that means the same)",
    "replayed": "resume (replayed from the call log)",
    "in flight": "in flight",
    "error": "error (nothing stored)",
}


def _cut(text: str, limit: int = TEXT_LIMIT) -> str:
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}\n… ({len(text) - limit:,} more characters)"


def _prompt_text(request: dict[str, Any]) -> str:
    """The request as a person reads it: the system prompt, then each turn as ``role: text``."""
    parts = []
    if request.get("instructions"):
        parts.append(f"system: {request['instructions']}")
    for message in request.get("messages") or []:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if not isinstance(content, str):
            content = " ".join(
                str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content or []
            )
        parts.append(f"{message.get('role', '?')}: {content}")
    return "\n\n".join(parts)


def _short(value: Any) -> str:
    """A fingerprint or value in a few characters: a hash is cut to ``SHORT_HASH``, the rest to 60."""
    if isinstance(value, str):
        is_hash = len(value) >= 32 and all(c in "0123456789abcdef" for c in value.lower())
        return value[:SHORT_HASH] if is_hash else _cut(value, 60)
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    return _cut(json.dumps(value, default=str, sort_keys=True), 60)


def memo_inputs(inputs: dict[str, Any]) -> list[list[str]]:
    """A memo entry's key parts as ``[name, short value]`` rows: source, salt, each input, code, conversation."""
    rows = []
    for part, value in inputs.items():
        if isinstance(value, dict):
            noun = {"inputs": "input", "code": "code", "state": "conversation"}.get(part, part)
            rows += [[f"{noun} {name}", _short(v) if v else "empty"] for name, v in sorted(value.items())]
        else:
            rows.append([part, _short(value)])
    return rows


def _money(usd: float | None) -> str:
    return "" if usd is None else f"${usd:,.6f}"


def _call_detail(row: FeedRow, store: Any) -> dict[str, Any]:
    record = store.call(row.ref) if row.ref else None
    fields = [["source", _SOURCES.get(row.kind, row.kind)]]
    if row.similarity is not None:
        fields.append(["similarity", f"{row.similarity:.3f}"])
    if record is None:
        fields += [
            ["model", row.model],
            ["latency", "" if row.latency_s is None else f"{row.latency_s:.2f} s"],
        ]
        answer = row.text if row.kind == "error" else "(no answer yet: the call is in flight)"
        return {"fields": fields, "sections": [["prompt", row.text], ["answer", answer]]}
    latency = record.latency_s if row.latency_s is None else row.latency_s
    fields += [
        ["provider / model", f"{record.provider} / {record.model}"],
        ["latency", f"{latency:.2f} s"],
        ["tokens", f"{record.input_tokens:,} in, {record.output_tokens:,} out"],
        ["cost", _money(record.cost_usd)],
    ]
    params = record.request.get("params") or {}
    if params:
        fields.append(["parameters", _cut(json.dumps(params, default=str, sort_keys=True), 300)])
    sections = [["prompt", _cut(_prompt_text(record.request))], ["answer", _cut(record.response_text)]]
    return {"fields": fields, "sections": sections}


def _memo_detail(row: FeedRow, store: Any) -> dict[str, Any]:
    record = store.memo(row.ref) if row.ref else None
    fields = []
    if row.reason:
        fields.append(["why it missed" if row.kind == "memo miss" else "why", row.reason])
    if row.kind == "memo hit":
        fields.append(["replayed", row.text])
    if record is None:
        fields.append(["stored run", "none (the cell or block did not store a run)"])
        return {"fields": fields, "sections": []}
    if record.payload.get("title"):
        fields.append(["title", str(record.payload["title"])])
    fields += [
        ["ran for", f"{record.duration_s:.2f} s"],
        ["stored", time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))],
        ["key", record.key[:SHORT_HASH]],
    ]
    return {"fields": fields, "inputs": memo_inputs(record.inputs), "sections": []}


def row_detail(row: FeedRow | None, store: Any) -> dict[str, Any]:
    """The detail of a feed row, redacted; ``store`` is the resume directory's (``call``, ``memo``)."""
    if row is None:
        return {"title": "gone", "fields": [["", "this row is no longer on the dashboard"]], "sections": []}
    if row.kind in CALL_KINDS and row.ref:
        detail = _call_detail(row, store)
    elif row.kind in MEMO_KINDS:
        detail = _memo_detail(row, store)
    else:
        detail = {"fields": [["detail", row.text]], "sections": []}
    head = [["when", time.strftime("%H:%M:%S", time.localtime(row.ts))]]
    if row.cell or row.label:
        head.append(["cell / block", row.cell or row.label])
    if row.agent:
        head.append(["agent", row.agent])
    detail["fields"] = head + detail["fields"]
    detail["title"] = row.kind
    detail["row_id"] = row.row_id
    return redact(detail)


DetailSource = Callable[[int], dict[str, Any]]
"""A row id -> that row's detail (what a page's click asks for)."""


def detail_source(model: DashboardModel, store: Any) -> DetailSource:
    """Details of ``model``'s feed rows, read from ``store`` (the resume directory the model follows)."""
    return lambda row_id: row_detail(model.row(row_id), store)


def detail_reply(message: Any, source: DetailSource) -> dict[str, Any] | None:
    """The answer to a page's ``{"event": "detail", "row": id}`` message; None for any other message."""
    if not isinstance(message, dict) or message.get("event") != "detail":
        return None
    try:
        row_id = int(message["row"])
    except (KeyError, TypeError, ValueError):
        return None
    try:
        detail = source(row_id)
    except Exception as exc:  # shown in the detail box: the user clicked, the user should see why it failed
        detail = redact(
            {"title": "error", "row_id": row_id, "fields": [["error", f"{type(exc).__name__}: {exc}"]]}
        )
    return {"event": "detail", "detail": detail}
