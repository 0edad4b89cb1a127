"""API keys: an explicit ``api_key=``, else the vendor's environment variables, else ``.env`` (python-dotenv).

Keys are only ever held in memory and handed to the SDK client; they are never logged, stored or shown.
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
