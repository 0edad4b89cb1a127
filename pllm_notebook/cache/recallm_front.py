"""The recallm-compatible front of the semantic cache: ``cache.wrap(fn)`` around an SDK function.

Every call of the wrapped function passes ``cache_context=`` (and may pass ``cache_namespace=`` and
``cache_ttl=``); the same request always gets the stored answer, returned as the SDK's own response type.
:class:`RecallmFront` is mixed into :class:`~pllm_notebook.cache.semantic_cache.SemanticCache`: it turns a
call's keyword arguments into a canonical request, asks the cache's lookup (``_find``, or a searching
storage's ``asearch`` from async code), has the cache record the decision, and stores a live response.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Callable
from typing import Any, Literal

from .canonical import canonical_from_kwargs
from .lookup import Attempt, Decision, decide_found
from .responses import decode_response, encode_response, response_summary
from .storage_base import BackendEntry

__all__ = ["RecallmFront"]

_MISSING = object()


class RecallmFront:
    """``wrap(fn)`` and the path of a wrapped call, for the semantic cache this is mixed into.

    The cache provides ``config``, ``storage``, its lookup (``_begin``, ``_find``, ``_backend_query``,
    ``_admitted``), ``_record`` and its ``_recorder``, and storing (``_store``, ``_keep``, ``_akeep``).
    """

    def wrap(
        self, fn: Callable[..., Any], *, mode: Literal["auto", "sync", "async"] = "auto"
    ) -> Callable[..., Any]:
        """``fn`` answered from the cache when it can; every call must pass ``cache_context=``.

        Optional per call: ``cache_namespace=`` (default ``config.default_namespace``) and ``cache_ttl=``
        (seconds, default ``config.default_ttl``). ``mode="auto"`` picks async for coroutine functions.
        """
        if mode not in ("auto", "sync", "async"):
            raise ValueError(f'mode must be "auto", "sync" or "async", got {mode!r}')
        if mode == "async" or (mode == "auto" and inspect.iscoroutinefunction(inspect.unwrap(fn))):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return await self._call_async(fn, args, kwargs)

            return async_wrapper

        @functools.wraps(fn)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            return self._call_sync(fn, args, kwargs)

        return sync_wrapper

    def _cache_kwargs(self, kwargs: dict[str, Any]) -> tuple[dict[str, Any], str, float | None]:
        if "cache_context" not in kwargs:
            raise ValueError(
                "cache_context is required when calling a cached function. "
                "Pass cache_context={} explicitly if this request has no additional context."
            )
        context = kwargs.pop("cache_context")
        namespace = kwargs.pop("cache_namespace", None)
        ttl = kwargs.pop("cache_ttl", None)
        if not isinstance(context, dict):
            raise TypeError(
                f"cache_context must be a dict, got {type(context).__name__!r}. "
                "Pass a dict with string keys and JSON-serializable values."
            )
        if namespace is None:
            namespace = self.config.default_namespace
        elif not isinstance(namespace, str) or not namespace:
            raise TypeError(f"cache_namespace must be a str (not empty), got {namespace!r}")
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int | float) or ttl <= 0):
            raise ValueError(f"cache_ttl must be a number of seconds > 0 (or None), got {ttl!r}")
        return context, namespace, ttl

    def _before_call(
        self, kwargs: dict[str, Any], context: dict[str, Any], namespace: str
    ) -> tuple[Attempt | None, Any]:
        """(attempt to store a miss under, or None) and the cached response, or ``_MISSING``."""
        try:
            canon = canonical_from_kwargs(kwargs, context)
        except Exception as exc:
            self._recorder.failed("canonical", exc, namespace)
            return None, _MISSING
        return self._serve(*self._find(canon, namespace, "wrap", 0))

    async def _before_call_async(
        self, kwargs: dict[str, Any], context: dict[str, Any], namespace: str
    ) -> tuple[Attempt | None, Any]:
        """``_before_call`` for async code: a searching storage is asked through its ``asearch``."""
        if not self._searching_storage:
            return await asyncio.to_thread(self._before_call, kwargs, context, namespace)
        try:
            canon = canonical_from_kwargs(kwargs, context)
        except Exception as exc:
            self._recorder.failed("canonical", exc, namespace)
            return None, _MISSING
        attempt = self._begin(canon, namespace, "wrap")
        query = await asyncio.to_thread(self._backend_query, attempt)
        if isinstance(query, Decision):
            return self._serve(attempt, query)
        try:
            result = await self.storage.asearch(**query)
        except Exception as exc:
            return self._serve(attempt, Decision("miss", failure=("lookup", exc)))
        return self._serve(attempt, self._admitted(attempt, decide_found(attempt, result)))

    def _serve(self, attempt: Attempt, decision: Decision) -> tuple[Attempt, Any]:
        """Record the decision; the attempt and the stored response of a hit, or ``_MISSING``."""
        response = _MISSING
        if decision.hit:
            assert decision.entry is not None  # a hit always has its entry
            try:
                response = decode_response(decision.entry.response)
            except Exception as exc:
                decision = Decision("miss", similarity=decision.similarity, failure=("decode", exc))
        self._record(attempt, decision)
        return attempt, response

    def _after_call(
        self, attempt: Attempt | None, response: Any, latency_s: float, ttl: float | None
    ) -> BackendEntry | None:
        """Store a live response; for a searching storage, return the entry for its ``store`` instead."""
        if attempt is None:
            return None
        try:
            payload = encode_response(response)
        except TypeError as exc:
            self._recorder.failed("store", exc, attempt.namespace)
            return None
        summary = response_summary(payload["data"])
        model = summary["model"] or attempt.canon.model
        from ..providers.pricing import cost_usd

        return self._store(
            attempt,
            ttl,
            response=payload,
            response_text=summary["text"],
            model=model,
            input_tokens=summary["input_tokens"],
            output_tokens=summary["output_tokens"],
            latency_s=latency_s,
            cost_usd=cost_usd(model, summary["input_tokens"], summary["output_tokens"]),
        )

    def _call_sync(self, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
        context, namespace, ttl = self._cache_kwargs(kwargs)
        if kwargs.get("stream"):
            self._recorder.bypassed(namespace, kwargs.get("model"), "stream=True")
            return fn(*args, **kwargs)
        attempt, cached = self._before_call(kwargs, context, namespace)
        if cached is not _MISSING:
            return cached
        start = time.perf_counter()
        response = fn(*args, **kwargs)
        self._keep(self._after_call(attempt, response, time.perf_counter() - start, ttl))
        return response

    async def _call_async(self, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
        context, namespace, ttl = self._cache_kwargs(kwargs)
        if kwargs.get("stream"):
            self._recorder.bypassed(namespace, kwargs.get("model"), "stream=True")
            return await fn(*args, **kwargs)
        timeout = self.config.cache_timeout_seconds
        started = time.perf_counter()
        try:
            attempt, cached = await asyncio.wait_for(
                self._before_call_async(kwargs, context, namespace), timeout
            )
        except TimeoutError:
            elapsed = time.perf_counter() - started
            self._recorder.failed(
                "timeout",
                TimeoutError(f"lookup took {elapsed * 1000:.0f} ms, over cache_timeout_seconds={timeout}"),
                namespace,
            )
            return await fn(*args, **kwargs)
        if cached is not _MISSING:
            return cached
        start = time.perf_counter()
        response = await fn(*args, **kwargs)
        await self._akeep(
            await asyncio.to_thread(self._after_call, attempt, response, time.perf_counter() - start, ttl)
        )
        return response
