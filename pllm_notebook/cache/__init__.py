"""Services layer: the semantic cache, its embedders, its in-memory vector index and its storages.

Names are imported on first use, so ``import pllm_notebook.cache`` loads neither numpy-heavy modules nor
DuckDB, fastembed or redis; ``RedisStorage`` needs the ``[redis]`` extra.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "SemanticCache": "semantic_cache",
    "CacheHit": "semantic_cache",
    "CacheConfig": "config",
    "CacheStats": "config",
    "CacheContext": "config",
    "CacheStorage": "storage_base",
    "CacheEntry": "storage_base",
    "ScoredEntry": "storage_base",
    "StorageBackend": "storage_base",
    "SearchResult": "storage_base",
    "BackendEntry": "storage_base",
    "InMemoryStorage": "storage_memory",
    "ThreadSafeInMemoryStorage": "storage_memory",
    "DuckDBStorage": "storage_duckdb",
    "RedisStorage": "storage_redis",
    "Embedder": "embedders",
    "FastEmbedEmbedder": "embedders",
    "SentenceTransformerEmbedder": "embedders",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pllm_notebook.cache' has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    except ImportError as exc:
        if name == "RedisStorage":
            raise ImportError(
                f"RedisStorage is not available ({exc}); install it with `pip install 'pllm-notebook[redis]'`"
            ) from exc
        raise
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
