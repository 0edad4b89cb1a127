"""One ``%%memoize`` execution: compute the cell's key, then replay a stored run or run and store it.

The key is a canonical hash of the cell's normalised source (its syntax tree, so comments and spacing do
not count), the salt, a fingerprint of every value the cell reads but does not define, the conversations
it names, and whether variables are kept. A stored run also lists every conversation the cell changed with
its content before the run; a replay happens only if those still match, so a cell that reaches an agent in
a way the key cannot see still never replays onto a different conversation.

Replay is all or nothing: stored outputs, mutations and variables are all read back before any is applied,
and anything missing or unreadable turns the hit into a miss.
"""

from __future__ import annotations

import ast
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ..events import MemoHit, MemoMiss, MemoSkipped, MemoStored
from ..hashing import stable_hash
from ..store import MemoRecord
from .capture import ReplayedResult, capture_outputs, flush_inline_figures, from_json, replay_outputs, to_json
from .cell_analysis import CellNames, analyze_cell
from .fingerprint import Unfingerprintable, fingerprint
from .session import NotebookSession
from .trust_gate import check_trust
from .variables import UnstorableVariables, load_variables, store_variables

if TYPE_CHECKING:
    from ..engine import Orchestrator

__all__ = ["CellOptions", "run_memoized"]


@dataclass(frozen=True)
class CellOptions:
    """What the ``%%memoize`` line asked for."""

    salt: str | None = None
    force: bool = False
    keep_vars: bool = True
    quiet: bool = False


class _Note:
    """The one-line ``[pllm]`` note a memoized cell prints (unless ``--quiet``)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, text: str) -> None:
        if not self.quiet:
            print(f"[pllm] {text}", flush=True)


def _state_hashes(orch: Orchestrator, names: set[str]) -> dict[str, str]:
    """The content hash of each named conversation (an agent not created yet counts as empty)."""
    return {n: orch.agent(n).get_msg_state().state_hash() for n in sorted(names)}


def _unchanged(orch: Orchestrator, name: str, state_hash: str) -> bool:
    """Whether a conversation still holds what it held when a run was stored ("" = it did not exist)."""
    state = orch.agent(name).get_msg_state()
    return len(state) == 0 if state_hash == "" else state.state_hash() == state_hash


class _CellRun:
    """Everything one execution of a memoized cell needs, from key to stored record."""

    def __init__(self, shell: Any, session: NotebookSession, cell: str, options: CellOptions) -> None:
        from ..api import default_orchestrator

        self.shell = shell
        self.session = session
        self.options = options
        self.note = _Note(options.quiet or not session.notes)
        self.orch = default_orchestrator()
        self.label = session.current_label()
        self.title = session.remember_title(self.label, cell)
        self.raw = cell
        self.code = shell.transform_cell(cell)
        self.names: CellNames = analyze_cell(self.code)
        self.key = ""
        self.inputs: dict[str, Any] = {}
        self.unhashable: dict[str, str] = {}

    # -- the key ---------------------------------------------------------------------------------

    def compute_key(self) -> None:
        from ..engine import Agent, MessageState

        namespace = self.shell.user_ns
        fingerprints: dict[str, str] = {}
        agents = set(self.names.agents)
        for name in self.names.reads:
            if name not in namespace:
                continue
            value = namespace[name]
            if isinstance(value, MessageState | Agent):
                agents.add(value.name)
            try:
                fingerprints[name] = fingerprint(value)
            except Unfingerprintable as exc:
                self.unhashable[name] = str(exc)
        self.inputs = {
            "source": self.names.source_hash,
            "salt": repr(self.options.salt),
            "state": _state_hashes(self.orch, agents),
            "inputs": fingerprints,
            "vars": self.options.keep_vars,
        }
        self.key = stable_hash("cell", self.inputs)

    def miss_reason(self, stale: str = "") -> str:
        from ..engine.memo import miss_reason

        if self.options.force:
            return "--force"
        if stale:
            return stale
        previous = self.orch.store.latest_memo(self.label, "cell")
        if previous is not None and previous.inputs.get("vars") != self.inputs["vars"]:
            return "--no-vars changed"
        reason = miss_reason(self.inputs, previous)
        return "new cell" if reason == "new" else reason

    # -- hit ---------------------------------------------------------------------------------------

    def try_replay(self, record: MemoRecord) -> tuple[str, Any]:
        """Replay ``record``; returns ``("", result)`` on success or ``(why not, None)``."""
        from ..engine.memo import replay_summary
        from ..engine.recording import MutationLog

        payload = record.payload
        changed = [
            name for name, h in payload.get("touched", {}).items() if not _unchanged(self.orch, name, h)
        ]
        if changed:
            return f"conversation {changed[0]!r} changed", None
        if payload.get("vars", {}).get("values") and not self.session.restore_vars:
            return "variable restore is off (restore_vars=false)", None
        untrusted = check_trust(record, self.orch)  # an imported entry's pickles need a trusted signer
        if untrusted:
            return untrusted, None
        started = time.perf_counter()
        try:
            ops, n_calls, tokens, cost, duration = replay_summary(record, self.orch.store)
            outputs = from_json(json.loads(self.orch.store.blobs.get(payload["outputs"])))
            responses = {r.call_id: r for r in MutationLog(ops=list(ops)).responses()}
            for agent in self.orch.agents.values():
                responses.update((r.call_id, r) for r in agent.get_msg_state().responses())
            restored = load_variables(
                payload["vars"], self.orch, responses, self.shell.user_ns, self._filename()
            )
        except Exception as exc:  # unpickling runs arbitrary code: any failure means "run the cell instead"
            return f"the stored run cannot be read back ({type(exc).__name__}: {exc})", None
        self.orch.replay(ops)
        restored.apply(self.shell.user_ns)
        calls = f", {n_calls} LLM call{'s' * (n_calls != 1)}" if n_calls else ""
        self.note(f"memo hit: replayed (saved {duration:.2f} s{calls})")
        result = next((o for o in outputs if o["type"] == "result"), None)
        replay_outputs(self.shell, [o for o in outputs if o["type"] != "result"])
        self.orch.emit(
            MemoHit(
                key=self.key,
                label=self.label,
                time_saved_s=max(0.0, duration - (time.perf_counter() - started)),
                tokens_saved=tokens,
                cost_saved_usd=cost,
                calls_replayed=n_calls,
            )
        )
        return "", (ReplayedResult(result["data"], result["metadata"]) if result else None)

    # -- miss ------------------------------------------------------------------------------------

    def _filename(self) -> str:
        """The name tracebacks show for the cell's code (IPython has already counted this cell)."""
        number = max(self.shell.execution_count - 1, 0)
        return self.shell.compile.cache(self.code, number, raw_code=self.raw)

    def execute(self) -> tuple[bool, Any]:
        """Run the cell's code in the user namespace: ``(has_result, last expression value)``."""
        __tracebackhide__ = True
        filename = self._filename()
        tree = self.shell.transform_ast(self.shell.compile.ast_parse(self.code, filename))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        namespace, user_globals = self.shell.user_ns, self.shell.user_global_ns
        exec(self.shell.compile(tree, filename, "exec"), user_globals, namespace)
        if last is None:
            return False, None
        expression = ast.Expression(last.value)
        return True, eval(self.shell.compile(expression, filename, "eval"), user_globals, namespace)

    def run_and_store(self, reason: str) -> Any:
        __tracebackhide__ = True
        orch = self.orch
        storable = not self.unhashable
        if self.unhashable:
            name, why = next(iter(self.unhashable.items()))
            reason = f"input {name!r} cannot be fingerprinted ({why})"
            orch.emit(MemoSkipped(key=self.key, label=self.label, reason=reason))
            self.note(f"not memoized: {reason}; running the cell")
        else:
            self.note(f"memo miss ({reason}): running the cell")
            orch.emit(MemoMiss(key=self.key, label=self.label, reason=reason))
        before = _state_hashes(orch, set(orch.agents))
        started = time.perf_counter()
        try:
            with (
                orch.recording() as log,
                orch.scope(self.label, self.options.salt),
                capture_outputs(self.shell) as outputs,
            ):
                has_result, value = self.execute()
                flush_inline_figures()
                for response in log.responses():
                    response.resolve()
        except BaseException as exc:
            if storable:
                orch.emit(MemoSkipped(key=self.key, label=self.label, reason=f"raised {type(exc).__name__}"))
                self.note(f"not stored: the cell raised {type(exc).__name__}")
            raise
        duration = time.perf_counter() - started
        if (
            has_result
            and value is not None
            and not self.shell.displayhook.semicolon_at_end_of_expression(self.raw)
        ):
            data, metadata = self.shell.display_formatter.format(value)
            outputs.append({"type": "result", "data": data, "metadata": metadata})
        if storable:
            self._store(log, outputs, before, duration)
        return value if has_result else None

    def _store(
        self, log: Any, outputs: list[dict[str, Any]], before: dict[str, str], duration: float
    ) -> None:
        from ..engine.recording import encode_ops

        orch = self.orch
        store = orch.store
        assigned = tuple(dict.fromkeys((*self.names.assigns, *self.names.deletes)))
        if self.options.keep_vars and assigned and not self.session.restore_vars:
            self._skip(
                f"variable restore is off (restore_vars=false) and the cell sets {', '.join(assigned)}"
            )
            return
        try:
            variables = (
                store_variables(assigned, self.shell.user_ns, store.blobs, dict(self.names.definitions))
                if self.options.keep_vars
                else {"values": {}, "definitions": {}, "deleted": []}
            )
        except UnstorableVariables as exc:
            problems = "; ".join(f"{name!r}: {why}" for name, why in exc.problems.items())
            self._skip(f"cannot store {problems}; this cell will run again next time (or use --no-vars)")
            return
        touched = {name for name, _, _ in log.ops}
        payload = {
            "ops": encode_ops(log, store),
            "outputs": store.blobs.put(json.dumps(to_json(outputs), default=str).encode()),
            "vars": variables,
            "touched": {n: before.get(n, "") for n in sorted(touched)},
            "title": self.title,
        }
        record = MemoRecord(
            key=self.key,
            kind="cell",
            label=self.label,
            agent="",
            inputs=self.inputs,
            payload=payload,
            duration_s=duration,
        )
        try:
            store.put_memo(record)
        except StoreError as exc:
            self._skip(f"could not save: {exc}")
            return
        orch.emit(MemoStored(key=self.key, label=self.label, duration_s=duration))

    def _skip(self, reason: str) -> None:
        self.orch.emit(MemoSkipped(key=self.key, label=self.label, reason=reason))
        self.note(f"not stored: {reason}")


def run_memoized(shell: Any, session: NotebookSession, cell: str, options: CellOptions) -> Any:
    """Replay the cell if its key is stored (and still valid), else run it and store what it did."""
    __tracebackhide__ = True
    run = _CellRun(shell, session, cell, options)
    run.compute_key()
    stale = ""
    if not options.force and not run.unhashable:
        record = run.orch.store.memo(run.key)
        if record is not None:
            stale, result = run.try_replay(record)
            if not stale:
                return result
    return run.run_and_store(run.miss_reason(stale))
