"""``Orchestrator``: one resume directory, one provider, its agents, and the events they emit."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..events import Event, EventBus, bus
from ..providers import Provider, get_provider
from ..providers.batch import BatchProvider
from ..redaction import default_redactor
from ..store.selection import open_resume_store
from .agent import Agent, check_hash_by, settle
from .asking import Asker
from .batching import BatchOptions
from .recording import MutationLog, Op, replay_ops
from .stats import Stats, StatsCollector
from .streaming import Throttle
from .userdata import USERDATA_NAME, UserData

log = logging.getLogger("pllm_notebook")

STRATEGIES = ("sync", "concurrent", "batch")


class Orchestrator:
    """Everything one resume directory needs: the store, the provider, agents, stats and events.

    Build it with :func:`pllm_notebook.resume_directory`; use it as a context manager so pending
    calls are resolved and writes are flushed when the block ends.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] = ".pllm",
        *,
        provider: str | Provider | None = "offline",
        strategy: str = "sync",
        llm: str | None = None,
        log_level: int | str | None = None,
        hash_by: Iterable[str] | None = ("llm",),
        ignore_cache: bool = False,
        semantic_cache: Any = None,
        max_concurrent: int = 20,
        requests_per_minute: float | None = None,
        replay_pace: float = 0.0,
        provider_options: dict[str, Any] | None = None,
        event_bus: EventBus | None = None,
        redact: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        cache_url: str | None = None,
        max_bytes: int | None = None,
        batch_size: int = 1000,
        batch_wait_s: float | None = None,
        batch_poll_s: float = 5.0,
    ) -> None:
        if strategy not in STRATEGIES:
            raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
        hash_by = ("llm",) if hash_by is None else check_hash_by(hash_by)
        if not isinstance(max_concurrent, int) or max_concurrent < 1:
            raise ConfigError(f"max_concurrent must be a positive int, not {max_concurrent!r}")
        self.batch_options = _batch_options(batch_size, batch_wait_s, batch_poll_s)
        if log_level is not None:
            _configure_logging(log_level)
        self.directory = Path(directory).expanduser().resolve()
        self.provider = get_provider(provider, **(provider_options or {}))
        self.default_model = llm or self.provider.default_model
        if not self.default_model:
            raise ConfigError(
                f"provider {self.provider.name!r} has no default model; pass llm='<model name>' "
                "(e.g. resume_directory(..., llm='llama3.2'))"
            )
        # Keys are checked when a live call is about to be made, not here: a run whose calls are all
        # stored needs none (a router still checks now that it can route the default model).
        route = getattr(self.provider, "check_route", None)
        if callable(route):
            route(self.default_model)
        if strategy == "batch" and not isinstance(self.provider, BatchProvider):
            raise ConfigError(
                f"provider {self.provider.name!r} has no batch API; use strategy='concurrent' with it, or a "
                "provider that has one (openai, openai-chat, anthropic, google, multi, offline)"
            )
        self.store = open_resume_store(self.directory, cache_url)
        if max_bytes is not None:
            self.store.keep_within(int(max_bytes))
        self.strategy = strategy
        self.hash_by = hash_by
        self.ignore_cache = bool(ignore_cache)
        self.cache = semantic_cache
        if semantic_cache is not None:
            semantic_cache.event_directory = str(self.directory)
        self.max_concurrent = max_concurrent
        self.throttle = Throttle(requests_per_minute) if requests_per_minute is not None else None
        self.replay_pace = float(replay_pace)
        self.bus = event_bus or bus
        self.redact = redact or default_redactor()  # a bad PLLM_SECRET_PATTERNS fails here, not mid-call
        self.current_label = ""
        self.cell_label = ""
        """The notebook cell running now (set by the notebook face); each call it makes keeps it."""
        self.scope_salt: Any = None
        self._logs: list[MutationLog] = []
        self.asker = Asker(self)
        self._agents: dict[str, Agent] = {}
        self._unnamed = 0
        self.userdata = UserData()
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._collector = StatsCollector(str(self.directory))
        self._unsubscribe = self.bus.subscribe(self._collector)
        self._closed = False
        self._on_close: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"Orchestrator({str(self.directory)!r}, provider={self.provider.name!r}, strategy={self.strategy!r})"

    def __enter__(self) -> Orchestrator:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(resolve=exc_type is None)

    def agent(self, name: str | int | None = None, *, ask_params: Any = None) -> Agent:
        """The agent called ``name``, created on first use; the same object (and conversation) every time after.

        With no name (parallem's ``orch.agent()``), a fresh agent with an empty conversation, named
        ``agent-1``, ``agent-2``, ... in the order this run creates them, so a re-run resumes each one.
        An int name is the same as its string (``orch.agent(3)`` is ``orch.agent("3")``).
        """
        if ask_params is not None:
            raise ConfigError(
                "orch.agent(ask_params=...) is parallem's; pass llm=... and hash_by=... to each ask_llm, or "
                "set the default model with resume_directory(..., llm=...)"
            )
        with self._lock:
            if name is None:
                self._unnamed += 1
                name = f"agent-{self._unnamed}"
                while name in self._agents:
                    name += "'"
            elif isinstance(name, int) and not isinstance(name, bool):
                name = str(name)
            elif not isinstance(name, str) or not name:
                raise ConfigError(
                    f"an agent's name is a non-empty string or an int, not {name!r}: write orch.agent('writer'), "
                    "or orch.agent() for a fresh, automatically named agent"
                )
            agent = self._agents.get(name)
            if agent is None:
                agent = self._agents[name] = Agent(self, name)
                for log_ in self._logs:
                    agent.get_msg_state()._attach(log_)
            return agent

    def adopt(self, previous: Orchestrator) -> None:
        """Take over a closed orchestrator's agents and user data, so conversations a notebook already
        holds follow this orchestrator's settings (``%pllm_config llm=...`` mid-notebook)."""
        with self._lock:
            self.userdata = previous.userdata
            for agent in previous.agents.values():
                agent.orchestrator = self
                self._agents[agent.name] = agent
                for log_ in self._logs:
                    agent.get_msg_state()._attach(log_)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run (asking through it then raises)."""
        return self._closed

    @contextlib.contextmanager
    def recording(self) -> Iterator[MutationLog]:
        """Record every mutation of every agent's conversation (agents created meanwhile included)."""
        log_ = MutationLog()
        with self._lock:
            self._logs.append(log_)
            states = [a.get_msg_state() for a in self._agents.values()]
        for state in states:
            state._attach(log_)
        try:
            yield log_
        finally:
            with self._lock:
                self._logs.remove(log_)
                states = [a.get_msg_state() for a in self._agents.values()]
            for state in states:
                state._detach(log_)

    def replay(self, ops: list[Op]) -> None:
        """Apply stored mutations to this orchestrator's agents (created if needed)."""
        replay_ops(
            ops, lambda name: self.userdata if name == USERDATA_NAME else self.agent(name).get_msg_state()
        )

    @contextlib.contextmanager
    def scope(self, label: str, salt: Any = None) -> Iterator[None]:
        """Run code as one labelled unit (a notebook cell): its calls carry ``label`` and ``salt``."""
        previous = self.current_label, self.scope_salt
        self.current_label, self.scope_salt = label, salt
        try:
            yield
        finally:
            self.current_label, self.scope_salt = previous

    @property
    def agents(self) -> dict[str, Agent]:
        return dict(self._agents)

    def emit(self, event: Event) -> None:
        """Send an event, stamped with this resume directory, to the bus."""
        object.__setattr__(event, "directory", str(self.directory))
        self.bus.emit(event)

    def stats(self) -> Stats:
        """What this orchestrator did and saved so far."""
        return self._collector.snapshot()

    def stats_by_label(self) -> dict[str, Stats]:
        """The same counters for each memo block or notebook cell."""
        return self._collector.snapshot_by_label()

    def executor(self) -> ThreadPoolExecutor:
        """The pool concurrent calls run on, bounded by ``max_concurrent``."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.max_concurrent, thread_name_prefix="pllm-call")
            return self._executor

    def resolve_all(self) -> None:
        """Wait for every pending call of every agent; then re-raise the first error, if any."""
        settle(agent.resolve_all for agent in list(self._agents.values()))

    def close(self, resolve: bool = True) -> None:
        """Resolve pending calls (unless ``resolve`` is false), flush writes and stop listening."""
        if self._closed:
            return
        self._closed = True
        try:
            if resolve:
                self.resolve_all()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
            self.store.flush()
            self._unsubscribe()
            for callback in self._on_close:
                try:
                    callback()
                except Exception:  # a watcher's farewell must not hide the run's own outcome
                    log.exception("on_close callback %r failed", callback)

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this orchestrator has closed (a dashboard's final figures, say)."""
        self._on_close.append(callback)


def _batch_options(size: Any, wait_s: Any, poll_s: Any) -> BatchOptions:
    """``strategy="batch"`` settings, checked: a bad one names itself and what to write instead."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ConfigError(f"batch_size must be a positive int (calls per batch job), not {size!r}")
    if wait_s is not None and (not isinstance(wait_s, int | float) or wait_s < 0):
        raise ConfigError(f"batch_wait_s must be None or seconds >= 0, not {wait_s!r}")
    if not isinstance(poll_s, int | float) or poll_s <= 0:
        raise ConfigError(
            f"batch_poll_s must be seconds > 0 (first wait between status checks), not {poll_s!r}"
        )
    return BatchOptions(size=size, wait_s=wait_s, poll_s=float(poll_s), max_poll_s=max(60.0, float(poll_s)))


def _configure_logging(level: int | str) -> None:
    logger = logging.getLogger("pllm_notebook")
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[pllm] %(levelname)s %(message)s"))
        logger.addHandler(handler)
