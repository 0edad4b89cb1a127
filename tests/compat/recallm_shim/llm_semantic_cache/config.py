from pllm_notebook.cache.config import CacheConfig  # noqa: F401
from pllm_notebook.cache.presets import resolve_threshold  # noqa: F401
