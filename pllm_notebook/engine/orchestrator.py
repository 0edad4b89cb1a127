"""``Orchestrator``: one resume directory, one provider, its agents, and the events they emit."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..events import Event, EventBus, bus
from ..providers import get_provider
from ..providers.batch import BatchProvider
from ..redaction import default_redactor
from ..settings import Settings
from ..store import ResumeStoreBase
from ..store.selection import open_resume_store
from .agent import Agent, settle
from .asking import Asker
from .context import EngineContext
from .recording import MutationLog, Op, replay_ops
from .stats import Stats, StatsCollector
from .userdata import USERDATA_NAME, UserData

log = logging.getLogger("pllm_notebook")


class Orchestrator:
    """Everything one resume directory needs: the store, the provider, agents, stats and events.

    Build it with :func:`pllm_notebook.resume_directory`; use it as a context manager so pending
    calls are resolved and writes are flushed when the block ends. Its options are the run settings of
    :class:`~pllm_notebook.settings.Settings` (``settings=`` gives them all at once; keyword arguments
    override them); ``provider_options`` go to the provider.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
        provider_options: dict[str, Any] | None = None,
        event_bus: EventBus | None = None,
        redact: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        **options: Any,
    ) -> None:
        if directory is not None:
            options["directory"] = directory
        settings = Settings.load(**options) if settings is None else settings.replace(**options)
        if settings.log_level is not None:
            _configure_logging(settings.log_level)
        self.settings = settings
        self.directory = Path(settings.directory).expanduser().resolve()
        self.provider = get_provider(settings.provider, **(provider_options or {}))
        self.default_model = settings.llm or self.provider.default_model
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
        if settings.strategy == "batch" and not isinstance(self.provider, BatchProvider):
            raise ConfigError(
                f"provider {self.provider.name!r} has no batch API; use strategy='concurrent' with it, or a "
                "provider that has one (openai, openai-chat, anthropic, google, multi, offline)"
            )
        cache = _semantic_cache(settings)
        self.store: ResumeStoreBase = open_resume_store(self.directory, settings.cache_url)
        if settings.max_bytes is not None:
            self.store.keep_within(int(settings.max_bytes))
        if cache is not None:
            cache.event_directory = str(self.directory)
        self.bus = event_bus or bus
        self.context = EngineContext(
            directory=self.directory,
            settings=settings,
            store=self.store,
            provider=self.provider,
            default_model=self.default_model,
            cache=cache,
            emit=_stamped_emit(self.bus, self.directory),
            redact=redact or default_redactor(),  # a bad PLLM_SECRET_PATTERNS fails here, not mid-call
        )
        self._logs: list[MutationLog] = []
        self.asker = Asker(self.context)
        self._agents: dict[str, Agent] = {}
        self._unnamed = 0
        self._lock = threading.Lock()
        self._collector = StatsCollector(str(self.directory))
        self._unsubscribe = self.bus.subscribe(self._collector)
        self._closed = False
        self._on_close: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return (
            f"Orchestrator({str(self.directory)!r}, provider={self.provider.name!r}, "
            f"strategy={self.settings.strategy!r})"
        )

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
                agent = self._agents[name] = Agent(self.context, self.asker, name)
                for log_ in self._logs:
                    agent.get_msg_state().start_recording(log_)
            return agent

    def adopt(self, previous: Orchestrator) -> None:
        """Take over a closed orchestrator's agents and user data, so conversations a notebook already
        holds follow this orchestrator's settings (``%pllm_config llm=...`` mid-notebook)."""
        with self._lock:
            self.context.userdata = previous.userdata
            for agent in previous.agents.values():
                agent.rebind(self.context, self.asker)
                self._agents[agent.name] = agent
                for log_ in self._logs:
                    agent.get_msg_state().start_recording(log_)

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
            state.start_recording(log_)
        try:
            yield log_
        finally:
            with self._lock:
                self._logs.remove(log_)
                states = [a.get_msg_state() for a in self._agents.values()]
            for state in states:
                state.stop_recording(log_)

    def replay(self, ops: list[Op]) -> None:
        """Apply stored mutations to this orchestrator's agents (created if needed)."""
        replay_ops(
            ops, lambda name: self.userdata if name == USERDATA_NAME else self.agent(name).get_msg_state()
        )

    @contextlib.contextmanager
    def scope(self, label: str, salt: Any = None) -> Iterator[None]:
        """Run code as one labelled unit (a notebook cell): its calls carry ``label`` and ``salt``."""
        scope = self.context.scope
        previous = scope.label, scope.salt
        scope.label, scope.salt = label, salt
        try:
            yield
        finally:
            scope.label, scope.salt = previous

    @property
    def cell_label(self) -> str:
        """The notebook cell running now (set by the notebook face); each call it makes keeps it."""
        return self.context.scope.cell

    @cell_label.setter
    def cell_label(self, label: str) -> None:
        self.context.scope.cell = label

    @property
    def userdata(self) -> UserData:
        """parallem's dict of values beside the conversations, replayed by memo blocks."""
        return self.context.userdata

    @property
    def cache(self) -> Any:
        """The semantic cache the run answers similar requests from, if any."""
        return self.context.cache

    @property
    def agents(self) -> dict[str, Agent]:
        return dict(self._agents)

    def emit(self, event: Event) -> None:
        """Send an event, stamped with this resume directory, to the bus."""
        self.context.emit(event)

    def stats(self) -> Stats:
        """What this orchestrator did and saved so far."""
        return self._collector.snapshot()

    def stats_by_label(self) -> dict[str, Stats]:
        """The same counters for each memo block or notebook cell."""
        return self._collector.snapshot_by_label()

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
            self.asker.close()
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


def _stamped_emit(event_bus: EventBus, directory: Path) -> Callable[[Event], None]:
    """``emit`` for the engine's parts: stamp an event with the resume directory and send it to the bus."""
    text = str(directory)

    def emit(event: Event) -> None:
        object.__setattr__(event, "directory", text)
        event_bus.emit(event)

    return emit


def _semantic_cache(settings: Settings) -> Any:
    """The run's semantic cache: the one given, else one in the resume directory (or the Redis of
    ``cache_url``) when asked for, or by default with ``cache_url``; else none."""
    wanted, url = settings.semantic_cache, settings.cache_url
    if wanted is False or (wanted is None and url is None):
        return None
    if wanted is not True and wanted is not None:
        return wanted
    from ..cache import DuckDBStorage, SemanticCache

    if url is not None:
        from ..cache.storage_redis import RedisStorage

        return SemanticCache(storage=RedisStorage.from_url(url))
    return SemanticCache(storage=DuckDBStorage(settings.directory))


def _configure_logging(level: int | str) -> None:
    logger = logging.getLogger("pllm_notebook")
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[pllm] %(levelname)s %(message)s"))
        logger.addHandler(handler)
