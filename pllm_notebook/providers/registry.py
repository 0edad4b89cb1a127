"""Provider names and the factories behind them; ``register_provider`` adds your own."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ..errors import UnknownProviderError
from .base import Provider

ProviderFactory = Callable[..., Provider]

_BUILTIN: dict[str, str] = {
    "offline": "pllm_notebook.providers.offline:OfflineProvider",
    "openai": "pllm_notebook.providers.openai_responses:OpenAIResponsesProvider",
    "openai-chat": "pllm_notebook.providers.openai_chat:OpenAIChatProvider",
    "openai-compatible": "pllm_notebook.providers.openai_compatible:OpenAICompatibleProvider",
    "anthropic": "pllm_notebook.providers.anthropic_messages:AnthropicProvider",
    "google": "pllm_notebook.providers.google_genai:GoogleGenAIProvider",
    "multi": "pllm_notebook.providers.multi:MultiProvider",
}
_registered: dict[str, ProviderFactory] = {}


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make ``resume_directory(provider=name)`` build its provider with ``factory(**options)``."""
    if not name or not isinstance(name, str):
        raise UnknownProviderError("a provider name must be a non-empty string")
    _registered[name] = factory


def unregister_provider(name: str) -> None:
    """Forget a provider added with :func:`register_provider`."""
    _registered.pop(name, None)


def _builtin(name: str, target: str) -> ProviderFactory:
    """Import a built-in adapter on first use, so an unused vendor SDK is never imported."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def add_builtin(name: str, target: str) -> None:
    """Declare a built-in provider as ``"module:Class"``, imported only when it is asked for."""
    _BUILTIN[name] = target


def provider_names() -> list[str]:
    """Every name ``get_provider`` accepts."""
    return sorted({*_BUILTIN, *_registered})


def get_provider(spec: str | Provider | None, **options: Any) -> Provider:
    """A provider instance from a name, or ``spec`` itself if it already is one."""
    if isinstance(spec, Provider):
        return spec
    name = spec or "offline"
    if name in _registered:
        return _registered[name](**options)
    if name in _BUILTIN:
        return _builtin(name, _BUILTIN[name])(**options)
    raise UnknownProviderError(
        f"unknown provider {name!r}; choose one of {', '.join(provider_names())} "
        "or add yours with pllm_notebook.register_provider(name, factory)"
    )
