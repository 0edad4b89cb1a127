"""API keys: an explicit ``api_key=``, else the vendor's environment variables, else ``.env`` (python-dotenv).

Keys are only ever held in memory and handed to the SDK client; they are never logged, stored or shown.
A key is looked up when a live call is about to be made, never before: a notebook whose calls are all
stored (replayed from its resume directory or an imported bundle) runs to the end with no key set.
"""

from __future__ import annotations

import os
import threading

from ..errors import MissingAPIKeyError

_dotenv_lock = threading.Lock()
_dotenv_loaded = False


def load_dotenv_once() -> None:
    """Read ``.env`` (from the working directory upwards) into the environment, once, if python-dotenv is
    installed; variables already set win over the file."""
    global _dotenv_loaded
    with _dotenv_lock:
        if _dotenv_loaded:
            return
        _dotenv_loaded = True
        try:
            from dotenv import find_dotenv, load_dotenv
        except ImportError:
            return
        path = find_dotenv(usecwd=True)
        if path:
            load_dotenv(path, override=False)


def resolve_api_key(provider: str, env_vars: tuple[str, ...], explicit: str | None = None) -> str:
    """The key to use for ``provider``; raises :class:`MissingAPIKeyError` naming the variables to set."""
    if explicit:
        return explicit
    load_dotenv_once()
    for name in env_vars:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    names = " or ".join(env_vars)
    raise MissingAPIKeyError(
        f"no API key for provider {provider!r}: set {names} in the environment (or in a .env file), "
        f"or pass api_key=... to resume_directory",
        provider=provider,
    )


def live_call_needs_key(error: MissingAPIKeyError, label: str, prompt: str) -> MissingAPIKeyError:
    """The missing-key error of a live call, naming the cell (or memo block) and the prompt that needed it."""
    where = f"in {label}" if label else "outside any memoized cell"
    text = prompt if len(prompt) <= 80 else prompt[:77] + "..."
    return MissingAPIKeyError(
        f"{where}: the prompt {text!r} has no stored answer, so it needs a live call, and {error}",
        provider=error.provider,
    )
