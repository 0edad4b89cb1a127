"""The part every adapter on the ``openai`` SDK shares: the key, the client and how its errors read."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .retry import Failure
from .sdk_provider import SDKProvider, classify_openai_style, import_sdk


class OpenAIClientProvider(SDKProvider):
    """Base of the OpenAI adapters (Responses, Chat Completions, OpenAI-compatible servers)."""

    default_model = "gpt-4o-mini"
    key_env = ("OPENAI_API_KEY",)

    def sdk(self) -> ModuleType:
        return import_sdk("openai", "openai")

    def make_client(self, api_key: str) -> Any:
        return self.sdk().OpenAI(api_key=api_key, base_url=self.base_url, max_retries=0, timeout=self.timeout)

    def classify(self, exc: Exception) -> Failure:
        return classify_openai_style(self.sdk(), exc)
