"""pllm_notebook: re-run notebooks full of LLM calls instantly and repeatably.

``%load_ext pllm_notebook`` adds ``%%memoize`` and ``%pllm_stats``; ``import pllm_notebook as pllm`` gives
the Python API (``resume_directory``, ``agent``, ``stats``) and the semantic cache (``SemanticCache``).
Names are imported on first use, so loading the extension stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0.dev0"

_LAZY = {
    "resume_directory": "api",
    "configure": "api",
    "agent": "api",
    "stats": "api",
    "default_orchestrator": "api",
    "Orchestrator": "engine",
    "Settings": "settings",
    "Agent": "engine",
    "AgentContext": "engine",
    "UserData": "engine",
    "MessageState": "engine",
    "LLMResponse": "engine",
    "Usage": "engine",
    "CallRecord": "call_record",
    "Stats": "engine",
    "register_provider": "providers",
    "unregister_provider": "providers",
    "Provider": "providers",
    "LLMRequest": "providers",
    "ProviderReply": "providers",
    "SemanticCache": "cache",
    "CacheConfig": "cache",
    "CacheStats": "cache",
    "CacheContext": "cache",
    "SearchResult": "cache",
    "StorageBackend": "cache",
    "Embedder": "cache",
    "InMemoryStorage": "cache",
    "ThreadSafeInMemoryStorage": "cache",
    "DuckDBStorage": "cache",
    "RedisStorage": "cache",
    "FastEmbedEmbedder": "cache",
    "SentenceTransformerEmbedder": "cache",
    "PllmError": "errors",
    "StoreError": "errors",
    "ProviderError": "errors",
    "MissingAPIKeyError": "errors",
    "ConfigError": "errors",
    "bus": "events",
}

__all__ = sorted([*_LAZY, "load_ipython_extension", "unload_ipython_extension", "__version__"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pllm_notebook' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"pllm_notebook.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext pllm_notebook``: registers the magics."""
    from .notebook.extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Called by ``%unload_ext pllm_notebook``."""
    from .notebook.extension import unload

    unload(ipython)
