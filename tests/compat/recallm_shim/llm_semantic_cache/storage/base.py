from recallm import CacheEntry, SearchResult, StorageBackend  # noqa: F401
