"""``agt.memoize()``: skip a block whose conversation, salt and code are unchanged, and replay what it did."""

from __future__ import annotations

import logging
import time
import warnings
import weakref
from typing import Any, Protocol

from ..errors import IntegrityError, StoreError
from ..events import MemoHit, MemoMiss, MemoSkipped, MemoStored
from ..store import MemoRecord, ResumeStoreBase
from .block_source import block_identity
from .context import EngineContext
from .memo_core import RunWatch, lookup, machinery_folders, memo_key
from .message_state import MessageState
from .recording import MutationLog, Op, call_ids, decode_ops, encode_ops, replay_ops
from .userdata import USERDATA_NAME

log = logging.getLogger("pllm_notebook")


class MemoOwner(Protocol):
    """What a memo block needs of its agent: its name, run and conversation, and its stack of blocks."""

    name: str
    context: EngineContext

    def get_msg_state(self) -> MessageState:
        """The agent's conversation (the block is keyed on it and records its changes)."""
        ...

    def enter_block(self, memo: Memo) -> None:
        """The block starts: its salt and label apply to the calls inside it."""
        ...

    def exit_block(self, memo: Memo) -> None:
        """The block ended."""
        ...


class _Replayed(Exception):
    """Raised by ``begin()`` on a hit to skip the rest of the block; swallowed by ``__exit__``."""


ReplaySummary = tuple[list[Op], int, int, float, float]

#: Each stored run's decoded summary, while the store keeps the record (a re-run's hit decodes it once).
_summaries: dict[int, ReplaySummary] = {}


def replay_summary(record: MemoRecord, store: ResumeStoreBase) -> ReplaySummary:
    """Decoded ops of a memo and what replaying it saves (calls, tokens, cost, time), kept while the
    record lives."""
    cached = _summaries.get(id(record))
    if cached is not None:
        return cached
    ops = decode_ops(record.payload.get("ops", []), store)
    tokens = 0
    cost = 0.0
    ids = call_ids(record.payload.get("ops", []))
    for call_id in ids:
        call = store.call(call_id)
        if call is not None:
            tokens += call.input_tokens + call.output_tokens
            cost += call.cost_usd
    summary = (ops, len(ids), tokens, cost, record.duration_s)
    _summaries[id(record)] = summary
    weakref.finalize(record, _summaries.pop, id(record), None)
    return summary


class Memo:
    """The context manager ``agt.memoize(salt)`` returns; call :meth:`begin` inside it."""

    def __init__(self, agent: MemoOwner, salt: Any, caller: Any) -> None:
        self.agent = agent
        self.salt = salt
        self.source_hash, self.location = block_identity(caller)
        self.label = f"{agent.name}@{self.location}"
        self.key: str | None = None
        self.hit: bool | None = None
        self._log: MutationLog | None = None
        self._started = 0.0
        self._inputs: dict[str, Any] = {}
        self._watch: RunWatch | None = None
        self._watching: Any = None

    def __enter__(self) -> Memo:
        self.agent.enter_block(self)
        return self

    def begin(self) -> None:
        """Replay and skip the rest of the block on a hit; start recording on a miss."""
        if self.key is not None:
            raise RuntimeError("begin() was already called in this memoize block")
        context = self.agent.context
        state = self.agent.get_msg_state()
        self._inputs = {"source": self.source_hash, "salt": repr(self.salt), "state": state.state_hash()}
        self.key = memo_key("block", self._inputs, self.agent.name)
        found = (
            None
            if context.settings.ignore_cache
            else lookup(context, self.key, "block", self.label, self._inputs)
        )
        record = found.record if found is not None else None
        unreadable = ""
        if record is not None:
            started = time.perf_counter()
            try:
                ops, n_calls, tokens, cost, duration = replay_summary(record, context.store)
                targets = self._replay_targets(ops)
            except IntegrityError as err:  # decoded before anything is replayed: run the block instead
                log.warning("memo %s cannot be replayed, running it again: %s", self.label, err)
                record, unreadable = None, f"stored run unreadable ({err})"
        if record is not None:
            replay_ops(ops, targets.__getitem__)
            self.hit = True
            context.emit(
                MemoHit(
                    key=self.key,
                    label=self.label,
                    agent=self.agent.name,
                    time_saved_s=max(0.0, duration - (time.perf_counter() - started)),
                    tokens_saved=tokens,
                    cost_saved_usd=cost,
                    calls_replayed=n_calls,
                )
            )
            raise _Replayed(self.key)
        self.hit = False
        reason = "forced (ignore_cache)" if found is None else unreadable or found.reason
        log.info("memo miss for %s: %s", self.label, reason)
        context.emit(MemoMiss(key=self.key, label=self.label, agent=self.agent.name, reason=reason))
        self._log = MutationLog()
        state.start_recording(self._log)
        context.userdata.start_recording(self._log)
        self._watch = RunWatch(self._log, ignore=machinery_folders(context))
        self._watching = self._watch.watching()
        self._watching.__enter__()
        self._started = time.perf_counter()

    def _replay_targets(self, ops: list[Op]) -> dict[str, Any]:
        """What a stored run of this block changed: the agent's conversation and ``userdata``, nothing else."""
        targets = {self.agent.name: self.agent.get_msg_state(), USERDATA_NAME: self.agent.context.userdata}
        strangers = sorted({name for name, _, _ in ops} - set(targets))
        if strangers:
            raise IntegrityError(f"the stored run changes {strangers[0]!r}, which this block does not own")
        return targets

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.agent.exit_block(self)
        if exc_type is _Replayed:
            return True
        if self.key is None:
            warnings.warn(
                f"memoize block {self.label} never called mem.begin(), so nothing was memoized; "
                "call mem.begin() as the first statement of the block",
                stacklevel=2,
            )
            return False
        log_ = self._log
        context = self.agent.context
        self.agent.get_msg_state().stop_recording(log_)
        context.userdata.stop_recording(log_)
        self._watching.__exit__(None, None, None)
        if exc_type is not None:
            context.emit(
                MemoSkipped(
                    key=self.key,
                    label=self.label,
                    agent=self.agent.name,
                    reason=f"raised {exc_type.__name__}",
                )
            )
            return False
        try:
            for response in log_.responses():
                response.resolve()
        except Exception as err:
            context.emit(
                MemoSkipped(
                    key=self.key, label=self.label, agent=self.agent.name, reason=f"a call failed: {err}"
                )
            )
            raise
        try:
            record = MemoRecord(
                key=self.key,
                kind="block",
                label=self.label,
                agent=self.agent.name,
                inputs=self._inputs,
                payload={"ops": encode_ops(log_, context.store), "depends": self._watch.dependencies()},
                duration_s=time.perf_counter() - self._started,
            )
            context.store.put_memo(record)
        except StoreError as err:
            log.warning("memo %s ran but could not be saved: %s", self.label, err)
            context.emit(MemoSkipped(key=self.key, label=self.label, agent=self.agent.name, reason=str(err)))
            return False
        context.emit(
            MemoStored(key=self.key, label=self.label, agent=self.agent.name, duration_s=record.duration_s)
        )
        return False
