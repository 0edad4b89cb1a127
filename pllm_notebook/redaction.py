"""Secret redaction: API keys and auth headers are removed from a request before it is stored or shown.

A :class:`Redactor` walks a JSON-like value (dicts, lists, strings) and returns a copy in which

- the value of any mapping key that names a secret (``api_key``, ``Authorization``, ``x-api-key``,
  ``token``, ``password``, ...) is replaced whole,
- any substring matching a secret pattern (OpenAI, Anthropic, Google, GitHub, Slack, AWS keys, bearer
  tokens, plus patterns you add) is replaced,
- any value of an environment variable named like a secret (``*_API_KEY``, ``*_TOKEN``, ``*_SECRET``) is
  replaced wherever it appears, whatever its format.

Add patterns with the ``PLLM_SECRET_PATTERNS`` environment variable (regular expressions separated by
newlines) or :func:`add_secret_pattern`. The default redactor is what the orchestrator and the cache
storages use.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ConfigError

__all__ = ["REDACTED", "Redactor", "add_secret_pattern", "default_redactor", "redact"]

REDACTED = "[REDACTED]"

DEFAULT_SECRET_PATTERNS: tuple[str, ...] = (
    r"sk-ant-[A-Za-z0-9_\-]{8,}",  # Anthropic
    r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}",  # OpenAI
    r"AIza[0-9A-Za-z_\-]{30,}",  # Google
    r"gh[pousr]_[A-Za-z0-9]{20,}",  # GitHub
    r"xox[abprs]-[A-Za-z0-9\-]{10,}",  # Slack
    r"AKIA[0-9A-Z]{16}",  # AWS access key id
    r"hf_[A-Za-z0-9]{20,}",  # Hugging Face
    r"(?i:bearer)\s+[A-Za-z0-9_\-\.=:/+]{8,}",  # any bearer token
)

SECRET_KEY_NAMES = re.compile(
    r"(?i)^(authorization|proxy-authorization|x-api-key|x-goog-api-key|api[-_]?key|.*[-_]api[-_]?key|"
    r"access[-_]?token|refresh[-_]?token|.*[-_]token|token|secret|.*[-_]secret|client[-_]secret|"
    r"password|passwd|cookie|set-cookie)$"
)
"""Mapping keys whose whole value is a secret, matched case-insensitively."""

_SECRET_ENV_NAMES = re.compile(r"(?i)(api_?key|token|secret|password)$")
_MIN_ENV_SECRET_LEN = 8
_ENV_REFRESH_S = 1.0


class Redactor:
    """Replaces secrets in JSON-like values; safe to share between threads."""

    def __init__(
        self,
        patterns: Iterable[str] = DEFAULT_SECRET_PATTERNS,
        *,
        key_names: re.Pattern[str] = SECRET_KEY_NAMES,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._patterns = [self._compile(p) for p in patterns]
        self._key_names = key_names
        self._environ = os.environ if environ is None else environ
        self._env_pattern: re.Pattern[str] | None = None
        self._env_read = -_ENV_REFRESH_S

    @staticmethod
    def _compile(pattern: str) -> re.Pattern[str]:
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"secret pattern {pattern!r} is not a valid regular expression: {exc}") from None

    def add_pattern(self, pattern: str) -> None:
        """Also redact every substring matching ``pattern`` (a regular expression)."""
        compiled = self._compile(pattern)
        with self._lock:
            self._patterns = [*self._patterns, compiled]

    def _env_secrets(self) -> re.Pattern[str] | None:
        """One pattern matching the value of every secret-named environment variable (re-read each second)."""
        now = time.monotonic()
        if now - self._env_read >= _ENV_REFRESH_S:
            values = sorted(
                {
                    v
                    for k, v in list(self._environ.items())
                    if _SECRET_ENV_NAMES.search(k) and len(v) >= _MIN_ENV_SECRET_LEN
                },
                key=len,
                reverse=True,
            )
            self._env_pattern = re.compile("|".join(map(re.escape, values))) if values else None
            self._env_read = now
        return self._env_pattern

    def redact_text(self, text: str) -> str:
        """``text`` with every secret it contains replaced by ``[REDACTED]``."""
        env_pattern = self._env_secrets()
        if env_pattern is not None:
            text = env_pattern.sub(REDACTED, text)
        for pattern in self._patterns:
            text = pattern.sub(REDACTED, text)
        return text

    def __call__(self, value: Any) -> Any:
        """A copy of ``value`` with secrets replaced; values of other types are returned unchanged."""
        return self._walk(value, 0)

    def _walk(self, value: Any, depth: int) -> Any:
        if depth > 200:
            return REDACTED
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                if isinstance(key, str) and self._key_names.match(key) and item not in (None, ""):
                    out[key] = REDACTED
                else:
                    out[key] = self._walk(item, depth + 1)
            return out
        if isinstance(value, list | tuple):
            items = [self._walk(item, depth + 1) for item in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, bytes | bytearray):
            text = bytes(value).decode("utf-8", "surrogateescape")
            cleaned = self.redact_text(text)
            return value if cleaned == text else cleaned.encode("utf-8", "surrogateescape")
        return value


def _patterns_from_env() -> list[str]:
    extra = os.environ.get("PLLM_SECRET_PATTERNS", "")
    return [line for line in extra.splitlines() if line.strip()]


_default: Redactor | None = None
_default_lock = threading.Lock()


def default_redactor() -> Redactor:
    """The process-wide redactor: the default patterns plus ``PLLM_SECRET_PATTERNS``."""
    global _default
    with _default_lock:
        if _default is None:
            try:
                _default = Redactor([*DEFAULT_SECRET_PATTERNS, *_patterns_from_env()])
            except ValueError as exc:
                raise ConfigError(f"PLLM_SECRET_PATTERNS: {exc}; fix or unset it") from None
        return _default


def add_secret_pattern(pattern: str) -> None:
    """Redact substrings matching ``pattern`` everywhere pllm_notebook stores or shows a request."""
    default_redactor().add_pattern(pattern)


def redact(value: Any) -> Any:
    """``value`` with secrets replaced, using the default redactor."""
    return default_redactor()(value)
