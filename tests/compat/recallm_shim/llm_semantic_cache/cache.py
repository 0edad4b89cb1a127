import logging
import time  # noqa: F401 - recallm's tests patch llm_semantic_cache.cache.time

from pllm_notebook.cache import CacheStats, SemanticCache  # noqa: F401

log = logging.getLogger("pllm_notebook")
