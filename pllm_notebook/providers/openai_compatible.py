"""The ``openai-compatible`` provider: any server that speaks Chat Completions (Ollama, vLLM, llama.cpp)."""

from __future__ import annotations

import os

from ..errors import ConfigError
from .openai_chat import OpenAIChatProvider


class OpenAICompatibleProvider(OpenAIChatProvider):
    """Chat Completions at ``base_url`` (or ``OPENAI_COMPATIBLE_BASE_URL``).

    Local servers rarely check keys: ``OPENAI_COMPATIBLE_API_KEY`` is used when set, else a placeholder.
    There is no universal default model: pass ``llm=`` (or ``default_model=``, or set
    ``OPENAI_COMPATIBLE_MODEL``). Unknown models cost 0 unless you ``set_price`` them.
    """

    name = "openai-compatible"
    default_model = ""
    key_env = ("OPENAI_COMPATIBLE_API_KEY",)

    def __init__(self, *, base_url: str | None = None, **options) -> None:
        base_url = base_url or os.environ.get("OPENAI_COMPATIBLE_BASE_URL")
        if not base_url:
            raise ConfigError(
                "provider 'openai-compatible' needs base_url=..., e.g. 'http://localhost:11434/v1' for Ollama "
                "(or set OPENAI_COMPATIBLE_BASE_URL)"
            )
        options.setdefault("default_model", os.environ.get("OPENAI_COMPATIBLE_MODEL") or None)
        super().__init__(base_url=base_url, **options)

    def api_key(self) -> str:
        if self._key is None:
            self._key = self._explicit_key or os.environ.get("OPENAI_COMPATIBLE_API_KEY") or "not-needed"
        return self._key
