"""``MessageState.save`` / ``load``: a conversation kept in the resume store, or in a JSON file.

Without a path (parallem's form) the conversation is a signed entry of the resume store under the agent's
name, so the next run of the script can pick it up. With a path it is a JSON file anyone can read: plain
data only (no pickle), so loading a file someone else wrote never runs their code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..call_record import CallRecord, Usage
from ..errors import ConfigError
from ..hashing import stable_hash
from ..store import MemoRecord, ResumeStoreBase
from .recording import MutationLog, decode_ops, encode_ops
from .response import LLMResponse

FORMAT = "pllm-message-state/1"


def _checkpoint_key(agent: str) -> str:
    return stable_hash("checkpoint", agent)


def save_to_store(store: ResumeStoreBase, agent: str, items: list[Any]) -> None:
    """Keep the conversation ``items`` of ``agent`` in ``store`` (replacing the agent's last checkpoint)."""
    log = MutationLog(ops=[(agent, "_set_all", (items,))])
    store.put_memo(
        MemoRecord(
            key=_checkpoint_key(agent),
            kind="checkpoint",
            label=f"{agent}@checkpoint",
            agent=agent,
            inputs={},
            payload={"ops": encode_ops(log, store)},
        )
    )


def load_from_store(store: ResumeStoreBase, agent: str) -> list[Any] | None:
    """The items of ``agent``'s last checkpoint in ``store``, or None if it never saved one."""
    record = store.memo(_checkpoint_key(agent))
    if record is None:
        return None
    ops = decode_ops(record.payload.get("ops", []), store)
    return list(ops[-1][2][0]) if ops else []


def _encode(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        return {"text": item}
    if isinstance(item, tuple) and len(item) == 2 and all(isinstance(x, str) for x in item):
        return {"role": item[0], "text": item[1]}
    if isinstance(item, LLMResponse):
        data = item.resolve()
        parsed = data.parsed
        dump = getattr(parsed, "model_dump", None)
        return {
            "response": {
                "call_id": item.call_id,
                "final_answer": data.text,
                "model": data.model,
                "provider": data.provider,
                "usage": [data.usage.input_tokens, data.usage.output_tokens, data.usage.cached_input_tokens],
                "latency_s": data.latency_s,
                "cost_usd": data.cost_usd,
                "parsed": dump(mode="json") if callable(dump) else parsed,
                "tool_calls": list(data.tool_calls) if data.tool_calls else None,
            }
        }
    raise ConfigError(
        f"MessageState.save(path) writes JSON and cannot keep a {type(item).__name__} item; keep such "
        "conversations with save() (no path: the resume store), or convert the item to str first"
    )


def _decode(data: dict[str, Any]) -> Any:
    if "response" in data:
        r = data["response"]
        usage = Usage(*r["usage"])
        return LLMResponse(
            r["call_id"],
            CallRecord(
                text=r["final_answer"],
                model=r["model"],
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cached_input_tokens=usage.cached_input_tokens,
                parsed=r.get("parsed"),
                provider=r["provider"],
                latency_s=r["latency_s"],
                cost_usd=r["cost_usd"],
                source="memo",
                tool_calls=tuple(r["tool_calls"]) if r.get("tool_calls") else None,
                call_id=r["call_id"],
            ),
        )
    if "role" in data:
        return (data["role"], data["text"])
    return data["text"]


def save_to_file(agent: str, items: list[Any], path: str | os.PathLike[str]) -> None:
    """Write ``agent``'s conversation ``items`` to ``path`` as JSON (answers resolved first)."""
    encoded = [_encode(item) for item in items]
    target = Path(path).expanduser()
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps({"format": FORMAT, "agent": agent, "items": encoded}, indent=1))
    os.replace(tmp, target)


def load_from_file(path: str | os.PathLike[str]) -> list[Any]:
    """The items a :func:`save_to_file` wrote to ``path``."""
    source = Path(path).expanduser()
    try:
        document = json.loads(source.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no saved conversation at {source}; write one with conv.save({str(path)!r})"
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source} is not a saved conversation (not JSON: {exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ConfigError(f"{source} is not a conversation written by MessageState.save(path)")
    return [_decode(item) for item in document["items"]]
