"""The Python face: ``resume_directory`` for scripts, and the notebook's default orchestrator.

``import pllm_notebook as pllm`` then ``pllm.agent("writer")`` in a notebook uses the default orchestrator
that ``%load_ext pllm_notebook`` (or the first call here) sets up on ``.pllm/`` beside the notebook.
"""

from __future__ import annotations

import inspect
import os
import threading
from typing import Any

from .engine import Agent, Orchestrator, Stats
from .errors import ConfigError
from .settings import RUN, configure_defaults, configured_defaults, setting_fields

_default: Orchestrator | None = None
_provider_options: dict[str, Any] = {}
_default_lock = threading.Lock()
_cell_label = ""
_SETTING_NAMES = {f.name for f in setting_fields(RUN)}

#: parallem's resume_directory options that have no counterpart here, and what to write instead.
_PARALLEM_ONLY = {
    "tweaks": "write max_concurrent=N directly (the other tweaks concern parallem's batch files)",
    "throttler": "write requests_per_minute=N",
    "datastore": "leave it out: a resume directory is always one DuckDB file (or cache_url='redis://...')",
    "dry_run": "leave it out (parallem does not implement it either)",
    "client": "pass the SDK's options instead (api_key=..., base_url=...), or register_provider(name, factory)",
    "save_input": "leave it out: every call's request is stored (secrets redacted)",
}


def resume_directory(directory: str | os.PathLike[str] = ".pllm", **options: Any) -> Orchestrator:
    """Open (or create) a resume directory and return its orchestrator; use it with ``with``.

    Everything the run does is kept in ``directory``: re-running the same script replays stored answers
    with no live call. ``semantic_cache=True`` answers similar requests from a cache in the same directory
    (or pass a :class:`~pllm_notebook.SemanticCache`). ``dashboard=True`` shows the live dashboard.
    ``cache_url="redis://host:port/0"`` (or ``$PLLM_CACHE_URL``) keeps calls, memo entries and the semantic
    cache (on by default then; ``semantic_cache=False`` turns it off) in that Redis, shared by every process
    pointed at it. ``max_bytes=`` keeps the directory under that many bytes by dropping the least recently
    used memo entries (see ``pllm-notebook gc``).
    ``strategy="concurrent"`` runs calls in parallel (at most ``max_concurrent`` at once, at most
    ``requests_per_minute`` if set); an answer is waited for when first read. ``strategy="batch"`` sends
    calls through the vendor's batch API at its lower price: gathered until an answer is read, ``batch_size``
    wait or ``batch_wait_s`` passed; a job is polled every ``batch_poll_s`` seconds (backing off), and a
    re-run picks up a job still running instead of submitting again (see docs/providers.md). ``replay_pace`` spaces the
    pieces of a replayed stream that many seconds apart (for demos).
    Every option is a setting of :class:`~pllm_notebook.settings.Settings` (the table of them all, with
    their defaults and environment variables, is docs/configuration.md); other keyword arguments go to the
    provider (``base_url=...``, ``api_key=...``, ``latency_s=...``).

    parallem's options: ``hash_by`` (``["llm"]``, the default, keeps the model in each call's key;
    ``[]`` leaves it out), ``ignore_cache=True`` (make every call afresh; the new answers are the ones
    later runs replay, the old ones stay in the log) and ``rewrite_cache`` (accepted; a call made again
    under a key always becomes the one that key replays here, so it changes nothing) and ``load_dotenv``
    (accepted: ``.env`` is read whenever a provider needs a key). See docs/migrating.md.
    """
    options.pop("load_dotenv", None)  # keys are read from .env whenever a provider needs one
    for option, advice in _PARALLEM_ONLY.items():
        if option in options:
            raise ConfigError(f"resume_directory(..., {option}=...) is parallem's; {advice}")
    settings = {k: v for k, v in options.items() if k in _SETTING_NAMES}
    provider_options = {k: v for k, v in options.items() if k not in _SETTING_NAMES}
    orch = Orchestrator(directory, provider_options=provider_options, **settings)
    if orch.settings.dashboard:
        from .dashboard import attach_dashboard

        attach_dashboard(orch)
    return orch


def _signature() -> inspect.Signature:
    """``resume_directory``'s signature as ``help()`` and completion show it: every run setting."""
    kind = inspect.Parameter.KEYWORD_ONLY
    return inspect.Signature(
        [
            inspect.Parameter("directory", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=".pllm"),
            *(inspect.Parameter(f.name, kind, default=f.default) for f in setting_fields(RUN)[1:]),
            inspect.Parameter("provider_options", inspect.Parameter.VAR_KEYWORD),
        ],
        return_annotation="Orchestrator",
    )


resume_directory.__signature__ = _signature()  # type: ignore[attr-defined]


def configure(**options: Any) -> Orchestrator:
    """Replace the default orchestrator (``directory=``, ``provider=``, and any ``resume_directory`` option).

    Conversations already obtained follow the new settings when the resume directory stays the same; after
    a change of directory, asking through one raises an error that says to get it again.
    """
    global _default
    settings = {k: v for k, v in options.items() if k in _SETTING_NAMES}
    with _default_lock:
        configure_defaults(**settings)
        _provider_options.update((k, v) for k, v in options.items() if k not in _SETTING_NAMES)
        old, _default = _default, None
    if old is not None:
        old.close()
    new = default_orchestrator()
    if old is not None and old.directory == new.directory:
        new.adopt(old)
    return new


def default_orchestrator() -> Orchestrator:
    """The notebook's orchestrator, created on first use from the current configuration."""
    global _default
    with _default_lock:
        if _default is None:
            _default = resume_directory(**configured_defaults(), **_provider_options)
            _default.cell_label = _cell_label
        return _default


def existing_orchestrator() -> Orchestrator | None:
    """The notebook's orchestrator if it was built already (never builds one)."""
    return _default


def set_cell_label(label: str) -> None:
    """Name the notebook cell running now on the default orchestrator's calls (see ``Orchestrator.cell_label``)."""
    global _cell_label
    with _default_lock:
        _cell_label = label
        if _default is not None:
            _default.cell_label = label


def default_options() -> dict[str, Any]:
    """The options the default orchestrator is (or will be) built from: the settings configured so far
    (``pllm.configure``, ``%pllm_config``, ``ipython_config.py``) and the provider's options."""
    return {"directory": ".pllm", "provider": "offline", **configured_defaults(), **_provider_options}


def provider_options() -> dict[str, Any]:
    """The options the default orchestrator's provider is built with (``pllm.configure(base_url=...)``)."""
    return dict(_provider_options)


def agent(name: str | int | None = None) -> Agent:
    """The default orchestrator's agent called ``name`` (no ``with`` needed in a notebook); no name: a fresh one."""
    return default_orchestrator().agent(name)


def stats() -> Stats:
    """What the default orchestrator did and saved so far."""
    return default_orchestrator().stats()
