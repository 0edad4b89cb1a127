"""recallm's public names (its ``__all__``) as pllm_notebook's, to run recallm's own test suite against them.

recallm's ``CacheEntry`` is pllm_notebook's ``BackendEntry`` (pllm_notebook's own ``CacheEntry`` is the
richer row its storages keep); every other name is the same (see docs/migrating.md).
"""

from pllm_notebook.cache import BackendEntry as CacheEntry
from pllm_notebook.cache import (
    CacheConfig,
    CacheContext,
    CacheStats,
    InMemoryStorage,
    RedisStorage,
    SearchResult,
    SemanticCache,
    StorageBackend,
    ThreadSafeInMemoryStorage,
)

__all__ = [
    "SemanticCache",
    "CacheStats",
    "CacheConfig",
    "CacheEntry",
    "SearchResult",
    "StorageBackend",
    "InMemoryStorage",
    "ThreadSafeInMemoryStorage",
    "CacheContext",
    "RedisStorage",
]
