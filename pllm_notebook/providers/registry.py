"""Provider names and the factories behind them.

Providers are found through the ``pllm_notebook.providers`` entry points (the built-in ones are declared
there too, in pyproject.toml); ``register_provider`` adds one at runtime and wins over an entry point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import UnknownProviderError
from ..plugins import PROVIDERS, declared, load
from .base import Provider

ProviderFactory = Callable[..., Provider]

_registered: dict[str, ProviderFactory] = {}


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make ``resume_directory(provider=name)`` build its provider with ``factory(**options)``."""
    if not name or not isinstance(name, str):
        raise UnknownProviderError("a provider name must be a non-empty string")
    _registered[name] = factory


def unregister_provider(name: str) -> None:
    """Forget a provider added with :func:`register_provider`."""
    _registered.pop(name, None)


def provider_names() -> list[str]:
    """Every name ``get_provider`` accepts."""
    return sorted({*declared(PROVIDERS), *_registered})


def get_provider(spec: str | Provider | None, **options: Any) -> Provider:
    """A provider instance from a name, or ``spec`` itself if it already is one."""
    if isinstance(spec, Provider):
        return spec
    name = spec or "offline"
    factory = _registered.get(name) or load(PROVIDERS, name)
    if factory is None and not declared(PROVIDERS):
        raise UnknownProviderError(
            f"unknown provider {name!r}: no provider entry points are installed, not even pllm_notebook's own; "
            "reinstall the package (pip install -e .) so its metadata declares them"
        )
    if factory is None:
        raise UnknownProviderError(
            f"unknown provider {name!r}; choose one of {', '.join(provider_names())}, declare it as an "
            f'entry point in the group "{PROVIDERS}", or add it with pllm_notebook.register_provider(name, '
            "factory)"
        )
    provider = factory(**options)
    if not isinstance(provider, Provider):
        raise UnknownProviderError(
            f"provider {name!r} built a {type(provider).__name__}, not a pllm_notebook Provider: its factory "
            "must return an instance of a pllm_notebook.Provider subclass"
        )
    return provider
