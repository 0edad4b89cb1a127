"""Which resume store an orchestrator uses: the directory's DuckDB file, or a shared Redis."""

from __future__ import annotations

import os
from pathlib import Path

from ..settings import setting
from .resume_store import ResumeStore


def shared_url(cache_url: str | None) -> str | None:
    """The Redis URL to share through: ``cache_url``, else ``$PLLM_CACHE_URL``, else None (local)."""
    return cache_url or setting("cache_url")


def open_resume_store(directory: str | os.PathLike[str], cache_url: str | None = None) -> ResumeStore:
    """The store of ``directory``; with a Redis URL, calls and memo entries live in that Redis instead."""
    url = shared_url(cache_url)
    if url is None:
        return ResumeStore.open(directory)
    from .redis_resume_store import RedisResumeStore

    return RedisResumeStore.open_url(url, Path(directory).expanduser().resolve())
