"""The ``multi`` provider: one orchestrator, many vendors, picked by model name (as parallem does).

``gpt-*``, ``chatgpt-*`` and ``o1``/``o3``/``o4``... go to ``openai``, ``claude-*`` to ``anthropic``,
``gemini-*`` to ``google``; ``provider/model`` (``openai-chat/gpt-4o``, ``openai-compatible/llama3.2``)
names any registered provider explicitly.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..errors import ConfigError
from .base import LLMRequest, Provider, ProviderReply, StreamChunk
from .batch import BatchItem, BatchProvider, BatchStatus
from .registry import get_provider, provider_names

_PATTERNS = (
    (re.compile(r"^(gpt-|chatgpt-|o\d)"), "openai"),
    (re.compile(r"^claude-"), "anthropic"),
    (re.compile(r"^gemini-"), "google"),
)


def route(model: str) -> tuple[str, str]:
    """``(provider name, model name as that provider knows it)`` for ``model``."""
    prefix, sep, rest = model.partition("/")
    if sep and prefix in provider_names() and prefix != "multi":
        return prefix, rest
    for pattern, name in _PATTERNS:
        if pattern.match(model):
            return name, model
    raise ConfigError(
        f"provider 'multi' cannot tell who serves model {model!r}; use a gpt-*, o*, claude-* or gemini-* "
        "model, or write 'provider/model' (e.g. 'openai-compatible/llama3.2')"
    )


class MultiProvider(Provider, BatchProvider):
    """Routes each request to a vendor adapter by its model name; adapters are built on first use.

    ``providers={"openai-compatible": {"base_url": ...}}`` gives options to one vendor; every other
    keyword (``max_retries=``, ``timeout=``...) goes to all of them.
    """

    name = "multi"

    def __init__(
        self,
        *,
        default_model: str = "gpt-4o-mini",
        providers: Mapping[str, Mapping[str, Any]] | None = None,
        **shared: Any,
    ) -> None:
        self.default_model = default_model
        self._options = {k: dict(v) for k, v in (providers or {}).items()}
        self._shared = shared
        self._built: dict[str, Provider] = {}
        self._lock = threading.Lock()

    def provider_for(self, name: str) -> Provider:
        """The adapter called ``name``, built and checked (keys) on first use."""
        with self._lock:
            provider = self._built.get(name)
            if provider is None:
                provider = get_provider(name, **{**self._shared, **self._options.get(name, {})})
                provider.check_ready()
                self._built[name] = provider
            return provider

    def check_ready(self) -> None:
        """Check the vendor of the default model now; others are checked before their first call."""
        self.check_model(self.default_model)

    def check_route(self, model: str) -> None:
        """Fail now if ``model`` cannot be routed to a registered vendor (keys are checked on first call)."""
        route(model)

    def check_model(self, model: str) -> None:
        """Fail now if ``model`` cannot be routed or its vendor is not ready (a missing key, say)."""
        self.provider_for(route(model)[0])

    def _target(self, request: LLMRequest) -> tuple[Provider, LLMRequest]:
        name, model = route(request.model)
        return self.provider_for(name), dataclasses.replace(request, model=model)

    def complete(self, request: LLMRequest) -> ProviderReply:
        provider, routed = self._target(request)
        reply = provider.complete(routed)
        reply.raw["provider"] = provider.name
        return reply

    def stream(self, request: LLMRequest) -> Iterator[StreamChunk]:
        provider, routed = self._target(request)
        for chunk in provider.stream(routed):
            if chunk.reply is not None:
                chunk.reply.raw["provider"] = provider.name
            yield chunk

    # -- batches go to the vendor of their model; the batch id says which (``anthropic:msgbatch_...``) ----

    def _batch_vendor(self, name: str) -> BatchProvider:
        provider = self.provider_for(name)
        if not isinstance(provider, BatchProvider):
            raise ConfigError(f"provider {name!r} has no batch API; use strategy='concurrent' for its models")
        return provider

    def batch_submit(self, requests: Sequence[tuple[str, LLMRequest]]) -> str:
        names = {route(r.model)[0] for _, r in requests}
        if len(names) != 1:
            raise ValueError(f"one batch goes to one vendor; got {sorted(names)}")
        name = names.pop()
        routed = [(custom_id, self._target(r)[1]) for custom_id, r in requests]
        return f"{name}:{self._batch_vendor(name).batch_submit(routed)}"

    def batch_status(self, batch_id: str) -> BatchStatus:
        name, _, inner = batch_id.partition(":")
        return dataclasses.replace(self._batch_vendor(name).batch_status(inner), batch_id=batch_id)

    def batch_results(self, batch_id: str, requests: Mapping[str, LLMRequest]) -> dict[str, BatchItem]:
        name, _, inner = batch_id.partition(":")
        routed = {custom_id: self._target(r)[1] for custom_id, r in requests.items()}
        results = self._batch_vendor(name).batch_results(inner, routed)
        for item in results.values():
            if item.reply is not None:
                item.reply.raw["provider"] = name
        return results
