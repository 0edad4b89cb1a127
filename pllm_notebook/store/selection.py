"""Which resume store an orchestrator uses: the directory's DuckDB file, or a shared Redis."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..settings import setting
from .resume_base import ResumeStoreBase
from .resume_store import ResumeStore

STORE_URL_SCHEMES = ("redis://", "rediss://", "unix://")


def shared_url(cache_url: str | None) -> str | None:
    """The Redis URL to share through: ``cache_url``, else ``$PLLM_CACHE_URL``, else None (local)."""
    return cache_url or setting("cache_url")


def open_resume_store(directory: str | os.PathLike[str], cache_url: str | None = None) -> ResumeStoreBase:
    """The store of ``directory``; with a Redis URL, calls and memo entries live in that Redis instead."""
    url = shared_url(cache_url)
    if url is None:
        return ResumeStore.open(directory)
    from .redis_resume_store import RedisResumeStore

    return RedisResumeStore.open_url(url, Path(directory).expanduser().resolve())


def is_store_url(text: str) -> bool:
    """Whether a command-line argument names a shared Redis store rather than a resume directory."""
    return text.lower().startswith(STORE_URL_SCHEMES)


def add_prefix_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--prefix`` option of the commands that read a shared store by its URL."""
    from .redis_resume_store import DEFAULT_PREFIX

    parser.add_argument(
        "--prefix",
        default=DEFAULT_PREFIX,
        help=f"with a Redis URL: the key prefix of the store (default {DEFAULT_PREFIX!r})",
    )


def open_store_url(url: str, prefix: str) -> ResumeStoreBase:
    """The shared store at ``url`` for a command; a bad URL is a :class:`ConfigError` and an unreachable
    server a :class:`StoreError`, each naming the fix."""
    from .redis_resume_store import RedisResumeStore

    return RedisResumeStore.open_url(url, prefix=prefix)
