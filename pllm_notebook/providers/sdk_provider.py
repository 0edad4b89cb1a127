"""The part every vendor adapter shares: key lookup, a lazily built SDK client, retries, error translation.

A vendor adapter subclasses :class:`SDKProvider` and implements four small methods: build the client, make
one call, stream one call, and classify the SDK's exceptions. The SDK is imported on first use only.
"""

from __future__ import annotations

import importlib
import inspect
import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from types import ModuleType
from typing import Any

from ..errors import ConfigError, ProviderError
from .base import LLMRequest, Provider, ProviderReply, StreamChunk
from .keys import resolve_api_key
from .retry import Failure, RetryPolicy, call_with_retry, is_retryable_status, stream_with_retry


def import_sdk(module: str, extra: str) -> ModuleType:
    """Import a vendor SDK, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"this provider needs the {module!r} package: pip install 'pllm-notebook[{extra}]'"
        ) from exc


@cache
def _accepted_names(fn: Callable[..., Any]) -> frozenset[str]:
    return frozenset(inspect.signature(fn).parameters)


def split_params(method: Callable[..., Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for an SDK method: the ones it names go as they are, the rest in ``extra_body``
    (so a sampling parameter the SDK version does not list still reaches the API)."""
    accepted = _accepted_names(getattr(method, "__func__", method))
    kwargs = {k: v for k, v in params.items() if k in accepted}
    extra = {k: v for k, v in params.items() if k not in accepted}
    if extra:
        kwargs["extra_body"] = {**kwargs.get("extra_body", {}), **extra}
    return kwargs


def status_failure(status: int | None, message: str, headers: Mapping[str, str] | None = None) -> Failure:
    """A :class:`Failure` from an HTTP status, honouring a numeric ``Retry-After`` header."""
    retry_after = None
    if headers is not None:
        try:
            retry_after = float(headers.get("retry-after", ""))
        except ValueError:
            retry_after = None
    return Failure(message, status, is_retryable_status(status), retry_after)


class SDKProvider(Provider):
    """A provider backed by a vendor SDK client.

    Options (all keyword): ``api_key`` (else the environment), ``base_url`` (a proxy, a local server or a
    test double), ``timeout`` seconds, ``max_retries``, ``retry_delay`` and ``retry_max_delay`` seconds
    (backoff for 429 and 5xx), ``default_model``.
    """

    key_env: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 4,
        retry_delay: float = 0.5,
        retry_max_delay: float = 20.0,
        default_model: str | None = None,
    ) -> None:
        self._explicit_key = api_key
        self.base_url = base_url
        self.timeout = float(timeout)
        self.retry = RetryPolicy(max_retries, retry_delay, retry_max_delay)
        if default_model:
            self.default_model = default_model
        self._client: Any = None
        self._key: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        where = f", base_url={self.base_url!r}" if self.base_url else ""
        return f"{type(self).__name__}(default_model={self.default_model!r}{where})"

    def api_key(self) -> str:
        """The key this provider sends (never stored, logged or shown)."""
        if self._key is None:
            self._key = resolve_api_key(self.name, self.key_env, self._explicit_key)
        return self._key

    def check_ready(self) -> None:
        """Fail now, before any work, if the key or the SDK is missing."""
        self.api_key()
        self.sdk()

    def client(self) -> Any:
        """The SDK client, built once (thread-safe) with retries left to us."""
        with self._lock:
            if self._client is None:
                self._client = self.make_client(self.api_key())
            return self._client

    # -- what an adapter implements --------------------------------------------------------------

    @abstractmethod
    def sdk(self) -> ModuleType:
        """The vendor SDK module (imported here, on first use)."""

    @abstractmethod
    def make_client(self, api_key: str) -> Any:
        """A client with the SDK's own retries off (retries are ours) and ``self.base_url``."""

    @abstractmethod
    def complete_once(self, request: LLMRequest) -> ProviderReply:
        """One call, no retries."""

    @abstractmethod
    def stream_once(self, request: LLMRequest) -> Iterator[StreamChunk]:
        """One streamed call, no retries; the last chunk has ``done=True`` and the reply."""

    @abstractmethod
    def classify(self, exc: Exception) -> Failure:
        """What an SDK exception means: status, message, whether to retry."""

    # -- the shared behaviour ----------------------------------------------------------------------

    def _safe_classify(self, exc: Exception) -> Failure:
        failure = self.classify(exc)
        key = self._key
        if key and key in failure.message:
            failure = Failure(
                failure.message.replace(key, "***"), failure.status, failure.retryable, failure.retry_after_s
            )
        return failure

    def retrying(self, call: Callable[[], Any]) -> Any:
        """``call()`` under this provider's retry policy, its SDK errors turned into ``ProviderError``."""
        return call_with_retry(call, self.retry, self._safe_classify, self.name)

    def complete(self, request: LLMRequest) -> ProviderReply:
        return self.retrying(lambda: self.complete_once(request))

    def stream(self, request: LLMRequest) -> Iterator[StreamChunk]:
        """Yield text pieces as they arrive, then a final chunk whose reply holds them all."""
        start = time.perf_counter()
        pieces: list[str] = []
        for chunk in stream_with_retry(
            lambda: self.stream_once(request), self.retry, self._safe_classify, self.name
        ):
            if chunk.done:
                reply = chunk.reply
                if reply is None:
                    raise ProviderError(f"{self.name}: the stream ended without a reply", provider=self.name)
                if chunk.text:
                    pieces.append(chunk.text)
                reply.chunks = pieces
                reply.raw.setdefault("latency_s", time.perf_counter() - start)
                yield StreamChunk(chunk.text, done=True, reply=reply)
                return
            if chunk.text:
                pieces.append(chunk.text)
                yield chunk
        raise ProviderError(
            f"{self.name}: the stream ended before the answer was complete (connection cut?)",
            provider=self.name,
        )


def classify_openai_style(sdk: ModuleType, exc: Exception) -> Failure:
    """Failures of the ``openai`` and ``anthropic`` SDKs, which share one exception shape."""
    if isinstance(exc, sdk.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        message = error.get("message") or getattr(exc, "message", "") or str(exc)
        return status_failure(exc.status_code, f"HTTP {exc.status_code}: {message}", exc.response.headers)
    if isinstance(exc, sdk.APIConnectionError):
        return Failure(f"connection failed: {exc}", None, True)
    return Failure(f"{type(exc).__name__}: {exc}")
