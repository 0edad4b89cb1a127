"""One ``%%memoize`` execution: compute the cell's key, then replay a stored run or run and store it.

The key is a canonical hash of the cell's normalised source (its syntax tree, so comments and spacing do
not count), the salt, a fingerprint of every value the cell reads but does not define, the user's code it
reads (by name: ``helpers.summarize``), the conversations it names, and whether variables are kept. Lookup,
the checks of what a stored run depended on (models, files read, local modules imported) and miss reasons
are the memo core's (``engine/memo_core.py``); this module adapts them to a cell. A stored run also lists every conversation the cell changed with
its content before the run; a replay happens only if those still match, so a cell that reaches an agent in
a way the key cannot see still never replays onto a different conversation.

A run stores what a replay needs to leave every object as the run did: the variables the cell set, the
inputs it changed in place (found by fingerprinting them before and after, see :mod:`.input_watch`), the
global random states it moved, its outputs and its conversation changes. Replay is all or nothing: all of
it is read back before any is applied, and anything missing or unreadable turns the hit into a miss.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import json
import sys
import time
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.memo_core import RunWatch, machinery_folders
from ..errors import StoreError
from ..events import MemoHit, MemoMiss, MemoSkipped, MemoStored
from ..store import MemoRecord
from .capture import (
    WIDGET_VIEW,
    ReplayedResult,
    capture_outputs,
    flush_inline_figures,
    from_json,
    replay_outputs,
    to_json,
)
from .cell_analysis import CellNames, analyze_cell
from .fingerprint import Unfingerprintable, code_parts, fingerprint, is_local_module, local_module_files
from .input_watch import InputWatch
from .random_state import changed_states, random_states, restore_states
from .session import NotebookSession
from .trust_gate import check_trust
from .variables import UnstorableVariables, load_variables, store_definitions, store_variables

if TYPE_CHECKING:
    from ..engine import Orchestrator

__all__ = ["CellOptions", "run_memoized", "run_memoized_async"]


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

        self.began = time.perf_counter()
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
        self.value_prints: dict[str, str] = {}

    # -- the key ---------------------------------------------------------------------------------

    def compute_key(self) -> None:
        from ..engine import Agent, MessageState
        from ..engine.memo_core import memo_key

        namespace = self.shell.user_ns
        fingerprints: dict[str, str] = {}
        code: dict[str, str] = {}
        agents = set(self.names.agents)
        attributes: dict[str, list[str]] = {}
        for base, attr in self.names.attributes:
            attributes.setdefault(base, []).append(attr)
        for name in self.names.reads:
            if name not in namespace:
                continue
            value = namespace[name]
            if isinstance(value, MessageState | Agent):
                agents.add(value.name)
            try:
                whole = _add_input(name, value, attributes.get(name, ()), fingerprints, code)
                if whole is not None:
                    self.value_prints[name] = whole
            except Unfingerprintable as exc:
                self.unhashable[name] = str(exc)
        self.inputs = {
            "source": self.names.source_hash,
            "salt": repr(self.options.salt),
            "state": _state_hashes(self.orch, agents),
            "inputs": fingerprints,
            "vars": self.options.keep_vars,
        }
        if code:
            self.inputs["code"] = code
        self.key = memo_key("cell", self.inputs)

    def ignored_folders(self) -> list[str]:
        """Folders whose files are not the cell's data: the package's (resume directory, embedding model),
        IPython's and matplotlib's."""
        folders = [str(p) for p in machinery_folders(self.orch.context)]
        profile = getattr(self.shell, "profile_dir", None)
        if profile is not None:
            folders.append(profile.location)
        matplotlib = sys.modules.get("matplotlib")
        if matplotlib is not None:
            folders += [matplotlib.get_configdir(), matplotlib.get_cachedir()]
        return folders

    def local_modules(self) -> dict[str, Path]:
        """The local modules (files beside the notebook, editable projects) the cell imported or took
        code from, and those they import: checked by content at lookup, since the key could not see them."""
        return local_module_files(self.shell.user_ns.get(name) for name in self.names.assigns)

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
        try:
            ops, n_calls, tokens, cost, duration = replay_summary(record, self.orch.store)
            outputs = from_json(json.loads(self.orch.store.blobs.get(payload["outputs"])))
            responses = {r.call_id: r for r in MutationLog(ops=list(ops)).responses()}
            for agent in self.orch.agents.values():
                responses.update((r.call_id, r) for r in agent.get_msg_state().responses())
            restored = load_variables(
                payload["vars"], self.orch, responses, self.shell.user_ns, self._filename()
            )
            states = json.loads(self.orch.store.blobs.get(payload["random"])) if payload.get("random") else {}
        except Exception as exc:  # unpickling runs arbitrary code: any failure means "run the cell instead"
            return f"the stored run cannot be read back ({type(exc).__name__}: {exc})", None
        self.orch.replay(ops)
        rebound = restored.apply(self.shell.user_ns)
        restore_states(states)
        saved = max(0.0, duration - (time.perf_counter() - self.began))
        calls = f", {n_calls} LLM call{'s' * (n_calls != 1)}" if n_calls else ""
        self.note(f"memo hit: replayed (saved {saved:.2f} s{calls})")
        if restored.skipped:
            self.note(f"not restored: {_named(restored.skipped)} (not stored by the run)")
        if rebound:
            self.note(f"rebound {', '.join(map(repr, rebound))}: the stored value could not be put in place")
        written = payload.get("depends", {}).get("written")
        if written:
            self.note(f"not rewritten by the replay: {', '.join(written)} (the run wrote them)")
        result = next((o for o in outputs if o["type"] == "result"), None)
        widgets = result is not None and WIDGET_VIEW in result["data"]
        if replay_outputs(self.shell, [o for o in outputs if o["type"] != "result"]) or widgets:
            self.note("widgets are shown as a static snapshot of the run (use --force for live ones)")
        self.orch.emit(
            MemoHit(
                key=self.key,
                label=self.label,
                time_saved_s=saved,
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

    def _compiled(self, flags: int = 0) -> tuple[Any, Any]:
        """The cell's code and its last expression (or ``None``), compiled for the user namespace."""
        compiler = self.shell.compile
        filename = self._filename()
        tree = self.shell.transform_ast(compiler.ast_parse(self.code, filename))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        with compiler.extra_flags(flags):
            body = compiler(tree, filename, "exec")
            return body, None if last is None else compiler(ast.Expression(last.value), filename, "eval")

    def execute(self) -> tuple[bool, Any]:
        """Run the cell's code in the user namespace: ``(has_result, last expression value)``."""
        __tracebackhide__ = True
        body, last = self._compiled()
        namespace, user_globals = self.shell.user_ns, self.shell.user_global_ns
        exec(body, user_globals, namespace)
        if last is None:
            return False, None
        return True, eval(last, user_globals, namespace)

    async def execute_async(self) -> tuple[bool, Any]:
        """:meth:`execute` for a cell with top-level ``await``, awaited in the kernel's event loop."""
        __tracebackhide__ = True
        body, last = self._compiled(ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        namespace, user_globals = self.shell.user_ns, self.shell.user_global_ns
        done = eval(body, user_globals, namespace)
        if inspect.isawaitable(done):
            await done
        if last is None:
            return False, None
        value = eval(last, user_globals, namespace)
        return True, (await value) if last.co_flags & inspect.CO_COROUTINE else value

    @contextlib.contextmanager
    def _recorded(self, reason: str) -> Iterator[_Run]:
        """Announce the miss, record everything the code run in the ``with`` body does, then store it."""
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
        namespace = self.shell.user_ns
        watch = (
            InputWatch(namespace, self.names.reads, known=self.value_prints)
            if storable and self.options.keep_vars
            else None
        )
        before = {n: namespace[n] for n in (*self.names.reads, *self.names.assigns) if n in namespace}
        run = _Run(
            conversations=_state_hashes(orch, set(orch.agents)),
            watch=watch,
            before={**(watch.objects if watch is not None else {}), **before},
            random=random_states(),
        )
        started = time.perf_counter()
        try:
            with (
                orch.recording() as run.log,
                RunWatch(run.log, ()).watching() as run.files,
                orch.scope(self.label, self.options.salt),
                capture_outputs(self.shell) as run.outputs,
            ):
                yield run
                flush_inline_figures()
                for response in run.log.responses():
                    response.resolve()
        except BaseException as exc:
            if storable:
                orch.emit(MemoSkipped(key=self.key, label=self.label, reason=f"raised {type(exc).__name__}"))
                self.note(f"not stored: the cell raised {type(exc).__name__}")
            raise
        has_result, value = run.result
        if (
            has_result
            and value is not None
            and not self.shell.displayhook.semicolon_at_end_of_expression(self.raw)
        ):
            data, metadata = self.shell.display_formatter.format(value)
            run.outputs.append({"type": "result", "data": data, "metadata": metadata})
        if storable:
            self._store(run, time.perf_counter() - started)

    def run_and_store(self, reason: str) -> Any:
        __tracebackhide__ = True
        with self._recorded(reason) as run:
            run.result = self.execute()
        return run.value

    async def run_and_store_async(self, reason: str) -> Any:
        __tracebackhide__ = True
        with self._recorded(reason) as run:
            run.result = await self.execute_async()
        return run.value

    def _stored_names(self, run: _Run) -> tuple[str, ...]:
        """The names whose values a replay must restore: set, deleted, or changed in place by the run."""
        if not self.options.keep_vars:
            return ()
        changed = run.watch.changed(self.shell.user_ns) if run.watch is not None else ()
        return tuple(dict.fromkeys((*self.names.assigns, *self.names.deletes, *changed)))

    def _dependencies(self, run: _Run) -> dict[str, Any]:
        """What the run reached beyond its key (models, files, local modules), for lookups to check."""
        if run.files is None:
            return {}
        run.files.ignore_also(self.ignored_folders())
        return run.files.dependencies(self.local_modules())

    def _store(self, run: _Run, duration: float) -> None:
        from ..engine.recording import encode_ops

        orch = self.orch
        store = orch.store
        namespace = self.shell.user_ns
        names = self._stored_names(run)
        if names and not self.session.restore_vars:
            self._skip(f"variable restore is off (restore_vars=false) and the cell sets {', '.join(names)}")
            return
        definitions = dict(self.names.definitions)
        try:
            variables = (
                store_variables(names, namespace, store.blobs, definitions, run.before)
                if self.options.keep_vars
                else store_definitions(tuple(definitions), namespace, definitions)
            )
        except UnstorableVariables as exc:
            problems = "; ".join(f"{name!r}: {why}" for name, why in exc.problems.items())
            self._skip(f"cannot store {problems}; this cell will run again next time (or use --no-vars)")
            return
        if variables["skipped"]:
            self.note(f"not stored: {_named(variables['skipped'])}; a replay leaves them undefined")
        states = changed_states(run.random)
        touched = {name for name, _, _ in run.log.ops}
        payload = {
            "ops": encode_ops(run.log, store),
            "outputs": store.blobs.put(json.dumps(to_json(run.outputs), default=str).encode()),
            "vars": variables,
            "random": store.blobs.put(json.dumps(states).encode()) if states else None,
            "touched": {n: run.conversations.get(n, "") for n in sorted(touched)},
            "title": self.title,
            "depends": self._dependencies(run),
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


def _add_input(
    name: str, value: Any, attributes: Iterable[str], fingerprints: dict[str, str], code: dict[str, str]
) -> str | None:
    """Put one value the cell reads into its key: the user's code by name in ``code`` (a local module by
    the attributes the cell reads of it), the rest by content in ``fingerprints``.

    Returns the fingerprint of the whole value when that is what went in (the run's in-place watch
    reuses it), else None."""
    if isinstance(value, types.ModuleType) and is_local_module(value.__name__) and attributes:
        for attr in attributes:
            if hasattr(value, attr):
                member = getattr(value, attr)
                parts, data = code_parts(member)
                code.update(parts)
                if data is not None:
                    code[f"{value.__name__}.{attr}"] = fingerprint(data)
        return None
    parts, data = code_parts(value)
    code.update(parts)
    if data is not None:
        fingerprints[name] = fingerprint(data)
        if data is value:
            return fingerprints[name]
    return None


@dataclass
class _Run:
    """What one run of a cell leaves for storing: the state before it, what it recorded, its result."""

    conversations: dict[str, str]
    watch: InputWatch | None
    before: dict[str, Any]
    random: dict[str, Any]
    log: Any = None
    files: RunWatch | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    result: tuple[bool, Any] = (False, None)

    @property
    def value(self) -> Any:
        has_result, value = self.result
        return value if has_result else None


def _named(reasons: dict[str, str]) -> str:
    return ", ".join(f"{name!r} ({why})" for name, why in reasons.items())


def _lookup(
    shell: Any, session: NotebookSession, cell: str, options: CellOptions
) -> tuple[_CellRun, str, Any]:
    """The cell's run, and either ``("", result)`` if it replayed (its key is stored and what the run
    depended on still holds) or ``(miss reason, None)``."""
    from ..engine.memo_core import lookup

    run = _CellRun(shell, session, cell, options)
    run.compute_key()
    if options.force:
        return run, "--force", None
    if run.unhashable:
        name, why = next(iter(run.unhashable.items()))
        return run, f"input {name!r} cannot be fingerprinted ({why})", None
    found = lookup(run.orch.context, run.key, "cell", run.label, run.inputs)
    if found.record is None:
        return run, "new cell" if found.reason == "new" else found.reason, None
    stale, result = run.try_replay(found.record)
    return run, stale, result


def run_memoized(shell: Any, session: NotebookSession, cell: str, options: CellOptions) -> Any:
    """Replay the cell if its key is stored (and what the run depended on still holds), else run it and
    store what it did."""
    __tracebackhide__ = True
    run, reason, result = _lookup(shell, session, cell, options)
    return run.run_and_store(reason) if reason else result


async def run_memoized_async(shell: Any, session: NotebookSession, cell: str, options: CellOptions) -> Any:
    """:func:`run_memoized` for a cell with top-level ``await``: the run is awaited in the kernel's loop."""
    __tracebackhide__ = True
    run, reason, result = _lookup(shell, session, cell, options)
    return (await run.run_and_store_async(reason)) if reason else result
