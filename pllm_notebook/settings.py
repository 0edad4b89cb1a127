"""Every setting of pllm_notebook in one place: its default, what it does, and where it can be set.

:class:`Settings` declares each one once; the orchestrator is built from it, the notebook's magics take
their configurable traits from it, and the table in ``docs/configuration.md`` is generated from it
(``python -m pllm_notebook.settings --markdown``; a test fails when the two differ).

Where a value comes from (the first that sets it wins):

1. an argument: ``resume_directory(...)``, ``Orchestrator(...)``, ``pllm.configure(...)``, ``%pllm_config``;
2. in IPython, ``ipython_config.py`` (``c.PllmConfigMagics.llm = ...``, ``c.MemoizeMagics.notes = False``);
3. its ``PLLM_*`` environment variable;
4. the same variable in the ``.env`` file found from the working directory upwards (the file API keys are
   read from; a notebook's kernel starts in the notebook's folder). Only the ``PLLM_*`` names declared
   here are read from it, and only when python-dotenv is installed;
5. the default.

Environment-only settings (``scope == "environment"``) are read at the moment they are used (opening a
store, building the offline provider, ...), as they always were, through :func:`setting`.

Secrets (:data:`SECRETS`: API keys, ``PLLM_INTEGRITY_KEY``, ``PLLM_DASHBOARD_TOKEN``, the patterns of
``PLLM_SECRET_PATTERNS``) are documented here but never read into a :class:`Settings`: the code that needs
one reads it when it needs it, so printing, logging or storing a :class:`Settings` cannot reveal one.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
import threading
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

__all__ = [
    "HASH_BY_OPTIONS",
    "SECRETS",
    "STRATEGIES",
    "Settings",
    "check_hash_by",
    "configure_defaults",
    "configured_defaults",
    "markdown_table",
    "setting",
    "setting_fields",
    "value_type",
]

RUN, NOTEBOOK, ENVIRONMENT = "run", "notebook", "environment"
STRATEGIES = ("sync", "concurrent", "batch")

#: parallem's ``hash_by`` options. Only ``"llm"`` is optional here: tools, structured output and every
#: other parameter are always part of a call's key, so the other options change nothing.
HASH_BY_OPTIONS = ("llm", "tool_names", "structured_output", "kwargs", "all")

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _optional_text(text: str) -> str | None:
    return text or None


def _lowered(text: str) -> str:
    return text.strip().lower()


def _notes_on(text: str) -> bool:
    return _lowered(text) not in _FALSE


def _no_vars(text: str) -> bool:
    return _lowered(text) not in _TRUE


def _exactly_one(text: str) -> bool:
    return text == "1"


def _option(
    default: Any,
    help: str,
    *,
    scope: str = RUN,
    env: str | None = None,
    parse: Callable[[str], Any] | None = None,
    magic: bool = False,
    kind: type | None = None,
) -> Any:
    """A field of :class:`Settings` with what the docs and the readers need to know about it.

    ``env`` is its ``PLLM_*`` variable and ``parse`` how that variable's text becomes a value (by default
    from the field's type); ``magic`` makes it a key of ``%pllm_config`` and a trait of its magics, whose
    text is read as ``kind`` (default: from the field's type).
    """
    meta = {"help": help, "scope": scope, "env": env, "parse": parse, "magic": magic, "kind": kind}
    return field(default=default, metadata=meta)


def _environment(default: Any, help: str, env: str, parse: Callable[[str], Any] | None = None) -> Any:
    """A setting read from its environment variable only, when the code that uses it runs."""
    return _option(default, help, scope=ENVIRONMENT, env=env, parse=parse)


def _notebook(env: str, parse: Callable[[str], bool], help: str) -> Any:
    """A switch of the notebook's magics (on by default): ``%pllm_config``, ``c.MemoizeMagics``, ``env``."""
    return _option(True, help, scope=NOTEBOOK, env=env, parse=parse, magic=True)


def _optional(env: str, help: str) -> Any:
    """An environment setting that is unset (``None``) unless its variable holds some text."""
    return _environment(None, help, env, _optional_text)


@dataclass(frozen=True)
class Settings:
    """The settings of one run (an orchestrator), of the notebook's magics and of the environment.

    Build it with :meth:`load` (which reads the environment and ``.env``); every value is checked when it
    is built, and a bad one raises :class:`~pllm_notebook.ConfigError` naming the setting and the fix.
    """

    # -- a run: resume_directory(...), Orchestrator(...), pllm.configure(...), %pllm_config --------------
    directory: str | os.PathLike[str] = _option(
        ".pllm", "The resume directory: every call, memo entry and cache entry of the run.", magic=True
    )
    provider: Any = _option(
        "offline",
        "The LLM provider: a registered name (`openai`, `anthropic`, ...) or a `Provider`.",
        magic=True,
    )
    strategy: str = _option(
        "sync", "`sync`, `concurrent` (calls in parallel) or `batch` (the vendor's batch API).", magic=True
    )
    llm: str | None = _option(None, "The default model (else the provider's default model).", magic=True)
    log_level: int | str | None = _option(
        None, "The `pllm_notebook` logger's level, e.g. `INFO`.", magic=True
    )
    hash_by: tuple[str, ...] = _option(
        ("llm",), "parallem's key options; `[]` leaves the model out of each call's resume key."
    )
    ignore_cache: bool = _option(
        False, "Make every call and memo block afresh (the new results replace the old).", magic=True
    )
    semantic_cache: Any = _option(
        None,
        "Answer similar requests from a semantic cache (`True`, `False`, or a `SemanticCache`).",
        magic=True,
        kind=bool,
    )
    max_concurrent: int = _option(20, "At most this many calls at once (concurrent strategy).", magic=True)
    requests_per_minute: float | None = _option(None, "At most this many live calls a minute.", magic=True)
    replay_pace: float = _option(
        0.0, "Seconds between the pieces of a replayed stream (for demos).", magic=True
    )
    cache_url: str | None = _option(
        None,
        "A Redis URL: calls, memo entries and the semantic cache live there, shared by every process.",
        env="PLLM_CACHE_URL",
        parse=_optional_text,
        magic=True,
    )
    max_bytes: int | None = _option(
        None, "Keep the resume directory under this many bytes (least recently used memos go).", magic=True
    )
    batch_size: int = _option(1000, "Calls per batch job (batch strategy).", magic=True)
    batch_wait_s: float | None = _option(
        None, "Send a batch job after this many seconds even if no answer was read.", magic=True
    )
    batch_poll_s: float = _option(
        5.0, "First wait between a batch job's status checks (backing off).", magic=True
    )
    dashboard: bool = _option(False, "Show the live dashboard (`resume_directory` and `pllm.configure`).")
    rewrite_cache: bool = _option(False, "parallem's option, accepted: a call made again always replaces.")
    # -- the notebook's magics: %pllm_config, c.MemoizeMagics.<name> ---------------------------------------
    restore_vars: bool = _notebook(
        "PLLM_NO_VARS",
        _no_vars,
        "`%%memoize` stores and restores the variables a cell sets (restoring unpickles them); "
        "`PLLM_NO_VARS=1` turns it off.",
    )
    notes: bool = _notebook(
        "PLLM_NOTES",
        _notes_on,
        "The one-line `[pllm]` note of each memoized cell; `PLLM_NOTES=off` turns it off.",
    )
    # -- the environment only, read where used ----------------------------------------------------------
    offline_latency_s: float = _environment(
        1.0, "Seconds the offline provider takes per call.", env="PLLM_OFFLINE_LATENCY"
    )
    offline_batch_latency_s: float = _environment(
        3.0, "Seconds until an offline batch job is done.", env="PLLM_OFFLINE_BATCH_LATENCY"
    )
    offline_model: str | None = _optional(
        "PLLM_OFFLINE_MODEL", "The offline provider's default model (`offline-small`)."
    )
    prices_file: str | None = _optional(
        "PLLM_PRICES_FILE", "A JSON price table to use instead of the built-in one."
    )
    embedding_model_path: str | None = _optional(
        "PLLM_EMBEDDING_MODEL_PATH",
        "A local ONNX folder of the semantic cache's embedding model (no download).",
    )
    lock: str = _environment(
        "",
        "The directory lock: `flock` or `portable` (default: the platform's).",
        env="PLLM_LOCK",
        parse=_lowered,
    )
    lock_timeout_s: float = _environment(
        120.0, "Seconds to wait for a resume directory another process holds.", env="PLLM_LOCK_TIMEOUT"
    )
    compact_wal_bytes: int = _environment(
        1024 * 1024,
        "Compact the DuckDB write-ahead log once it passes this many bytes.",
        env="PLLM_COMPACT_WAL_BYTES",
    )
    network_fs_ok: bool = _environment(
        False,
        "`1` silences the warning about a resume directory on a network file system.",
        env="PLLM_NETWORK_FS_OK",
        parse=_exactly_one,
    )
    key_dir: str | None = _optional(
        "PLLM_KEY_DIR", "Where the per-directory integrity keys are kept (default: the user's config folder)."
    )
    author: str = _environment(
        "",
        "Who signs a bundle (default: git's `user.name <user.email>`).",
        env="PLLM_AUTHOR",
        parse=str.strip,
    )
    dashboard_mode: str = _environment(
        "",
        "Force the dashboard's form: `widget`, `static` or `terminal`.",
        env="PLLM_DASHBOARD",
        parse=_lowered,
    )

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}, not {self.strategy!r}")
        object.__setattr__(self, "hash_by", ("llm",) if self.hash_by is None else check_hash_by(self.hash_by))
        _check_positive_int("max_concurrent", self.max_concurrent, "calls at once")
        _check_positive_int("batch_size", self.batch_size, "calls per batch job")
        wait_s = self.batch_wait_s
        if wait_s is not None and (not isinstance(wait_s, int | float) or wait_s < 0):
            raise ConfigError(f"batch_wait_s must be None or seconds >= 0, not {wait_s!r}")
        if not isinstance(self.batch_poll_s, int | float) or self.batch_poll_s <= 0:
            raise ConfigError(
                f"batch_poll_s must be seconds > 0 (first wait between status checks), not {self.batch_poll_s!r}"
            )
        for name in ("rewrite_cache", "dashboard", "restore_vars", "notes"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} is True or False, not {getattr(self, name)!r}")

    @classmethod
    def load(cls, **arguments: Any) -> Settings:
        """The settings ``arguments`` give, the rest from the environment, ``.env`` and the defaults.

        An argument of ``None`` for a setting that has a ``PLLM_*`` variable counts as not given.
        """
        known = {f.name: f for f in dataclasses.fields(cls)}
        _check_names(arguments, known)
        values = dict(arguments)
        dotenv = _dotenv()
        for name, spec in known.items():
            if spec.metadata["env"] and values.get(name) is None:
                values.pop(name, None)
                text = _environment_text(spec.metadata["env"], dotenv)
                if text is not None:
                    values[name] = _parse(spec, text)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """These settings with ``changes`` (checked as :meth:`load` checks them)."""
        _check_names(changes, {f.name for f in dataclasses.fields(self)})
        return dataclasses.replace(self, **changes)

    def shown(self, *scopes: str) -> dict[str, Any]:
        """The values of the settings of ``scopes`` (default: a run's and the notebook's), for display."""
        wanted = scopes or (RUN, NOTEBOOK)
        return {f.name: getattr(self, f.name) for f in setting_fields(*wanted)}


def _check_names(given: Iterable[str], known: Iterable[str]) -> None:
    """A ``ConfigError`` naming the first of ``given`` that is not a setting, and the settings there are."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}; the settings are {', '.join(sorted(known))}")


def _check_positive_int(name: str, value: Any, unit: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{name} must be a positive int ({unit}), not {value!r}")


def check_hash_by(hash_by: Iterable[str]) -> tuple[str, ...]:
    """``hash_by`` as a tuple (``"all"`` includes ``"llm"``); an unknown option is a ``ConfigError``."""
    if isinstance(hash_by, str):
        raise ConfigError(
            f"hash_by takes a list of options, e.g. hash_by=[{hash_by!r}], not the string {hash_by!r}"
        )
    options = tuple(hash_by)
    unknown = [h for h in options if h not in HASH_BY_OPTIONS]
    if unknown:
        raise ConfigError(f"hash_by takes options from {list(HASH_BY_OPTIONS)}; {unknown} is not one of them")
    return (*options, "llm") if "all" in options else options


def setting_fields(*scopes: str) -> list[dataclasses.Field]:
    """The declarations of the settings of ``scopes`` (all if none), in declaration order."""
    return [f for f in dataclasses.fields(Settings) if not scopes or f.metadata["scope"] in scopes]


def value_type(spec: dataclasses.Field) -> Any:
    """How a setting is written as text: ``bool``, ``int``, ``float`` or ``str``."""
    if spec.metadata["kind"] is not None:
        return spec.metadata["kind"]
    hint = _hints()[spec.name]
    kinds = [k for k in typing.get_args(hint) if k is not type(None)] or [hint]
    return kinds[0] if len(kinds) == 1 and kinds[0] in (bool, int, float) else str


@functools.cache
def _hints() -> dict[str, Any]:
    return typing.get_type_hints(Settings)


def _parse(spec: dataclasses.Field, text: str) -> Any:
    parse = spec.metadata["parse"]
    if parse is not None:
        return parse(text)
    kind = value_type(spec)
    if not text.strip():
        return spec.default
    try:
        return kind(text)
    except ValueError:
        raise ConfigError(
            f"{spec.metadata['env']}={text!r} is not a {kind.__name__}; set it to a number or unset it"
        ) from None


def setting(name: str) -> Any:
    """The value of one setting from the environment (then ``.env``, then its default), read now."""
    spec = next((f for f in dataclasses.fields(Settings) if f.name == name), None)
    if spec is None or not spec.metadata["env"]:
        raise KeyError(f"{name!r} is not a setting read from the environment")
    text = _environment_text(spec.metadata["env"], _dotenv())
    return spec.default if text is None else _parse(spec, text)


_dotenv_lock = threading.Lock()
_dotenv_cache: dict[tuple[str, float], dict[str, str]] = {}


def _environment_text(variable: str, dotenv: dict[str, str]) -> str | None:
    """``variable`` from the environment, else from the ``.env`` values ``dotenv``, else ``None``."""
    value = os.environ.get(variable)
    return value if value is not None else dotenv.get(variable)


def _dotenv() -> dict[str, str]:
    """The declared ``PLLM_*`` variables of the ``.env`` found from the working directory upwards (as
    python-dotenv's ``find_dotenv(usecwd=True)`` finds it), read again only when the file changes."""
    try:
        folder = os.getcwd()
    except OSError:
        return {}
    while not os.path.isfile(path := os.path.join(folder, ".env")):
        if os.path.dirname(folder) == folder:
            return {}
        folder = os.path.dirname(folder)
    try:
        from dotenv import dotenv_values
    except ImportError:
        return {}
    try:
        stamp = (path, os.stat(path).st_mtime)
    except OSError:
        return {}
    with _dotenv_lock:
        if stamp not in _dotenv_cache:
            declared = {f.metadata["env"] for f in dataclasses.fields(Settings) if f.metadata["env"]}
            found = dotenv_values(path)
            _dotenv_cache.clear()
            _dotenv_cache[stamp] = {k: v for k, v in found.items() if k in declared and v is not None}
        return _dotenv_cache[stamp]


#: Secrets: documented with the settings, never held by one (see the module's docstring).
SECRETS: dict[str, str] = {
    "OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_API_KEY / GEMINI_API_KEY, OPENAI_COMPATIBLE_API_KEY": (
        "API keys: read (also from `.env`) only when a live call needs one; never stored or shown."
    ),
    "PLLM_INTEGRITY_KEY": "A team's shared key that signs and checks memo entries (default: a key per directory).",
    "PLLM_DASHBOARD_TOKEN": "The token of a served dashboard (default: a random one); removed from the environment.",
    "PLLM_SECRET_PATTERNS": "Extra regular expressions (one a line) of secrets to redact before anything is kept; "
    "a pattern may be a literal secret, so it is never shown.",
}

_configured: dict[str, Any] = {}
_configured_lock = threading.Lock()


def configure_defaults(**options: Any) -> None:
    """Set settings of the notebook's default orchestrator (``pllm.configure``, ``ipython_config.py``)."""
    Settings.load(**options)  # checks names and values before anything changes
    with _configured_lock:
        _configured.update(options)


def configured_defaults() -> dict[str, Any]:
    """The settings configured for the notebook's default orchestrator so far."""
    with _configured_lock:
        return dict(_configured)


def _default_text(spec: dataclasses.Field) -> str:
    default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
    return "" if default == "" else f"`{default!r}`"


def _where(spec: dataclasses.Field) -> str:
    scope = spec.metadata["scope"]
    if scope == ENVIRONMENT:
        return "environment"
    if scope == NOTEBOOK:
        return f"`%pllm_config`, `c.MemoizeMagics.{spec.name}`"
    places = ["argument"]
    if spec.metadata["magic"]:
        places += ["`%pllm_config`", f"`c.PllmConfigMagics.{spec.name}`"]
    return ", ".join(places)


def markdown_table() -> str:
    """The table of settings in ``docs/configuration.md``, generated from :class:`Settings`."""
    rows = [
        "| setting | default | environment | set with | what it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in setting_fields():
        env = f"`{spec.metadata['env']}`" if spec.metadata["env"] else ""
        rows.append(
            f"| `{spec.name}` | {_default_text(spec)} | {env} | {_where(spec)} | {spec.metadata['help']} |"
        )
    rows += ["", "| secret | what it is |", "| --- | --- |"]
    rows += [f"| `{name}` | {what} |" for name, what in SECRETS.items()]
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m pllm_notebook.settings --markdown``: print the table of settings."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["--markdown"]:
        print("usage: python -m pllm_notebook.settings --markdown", file=sys.stderr)
        return 2
    sys.stdout.write(markdown_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
