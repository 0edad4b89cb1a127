"""Retrying rate limits (429) and server errors (5xx) with bounded exponential backoff and full jitter.

Adapters pass a ``classify`` function that turns a vendor SDK exception into a :class:`Failure`; the retry
loop needs nothing else from the vendor. Whatever is not retryable, or still fails after the last attempt,
is raised as :class:`~pllm_notebook.errors.ProviderError` with the provider's own message.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from ..errors import ConfigError, ProviderError

log = logging.getLogger("pllm_notebook")
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """What went wrong with one attempt, in vendor-neutral terms."""

    message: str
    status: int | None = None
    retryable: bool = False
    retry_after_s: float | None = None


def is_retryable_status(status: int | None) -> bool:
    """Rate limits, timeouts and server errors are worth another try; other statuses are not."""
    return status is not None and (status in (408, 409, 429) or status >= 500)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: ``max_retries`` extra attempts, delays doubling from
    ``initial_delay_s`` up to ``max_delay_s``, each drawn uniformly below that bound (full jitter)."""

    max_retries: int = 4
    initial_delay_s: float = 0.5
    max_delay_s: float = 20.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ConfigError(f"max_retries must be an int >= 0, not {self.max_retries!r}")
        if self.initial_delay_s < 0 or self.max_delay_s < self.initial_delay_s:
            raise ConfigError("retry delays must satisfy 0 <= retry_delay <= retry_max_delay")

    def delay_s(self, attempt: int, retry_after_s: float | None = None) -> float:
        """The pause before retry number ``attempt`` (0-based); a server's Retry-After is honoured up to
        ``max_delay_s``."""
        bound = min(self.max_delay_s, self.initial_delay_s * (2**attempt))
        pause = random.uniform(0, bound)
        if retry_after_s is not None:
            pause = max(pause, min(retry_after_s, self.max_delay_s))
        return pause


def _give_up(provider: str, failure: Failure, attempts: int) -> ProviderError:
    suffix = f" (gave up after {attempts} attempts)" if failure.retryable and attempts > 1 else ""
    return ProviderError(
        f"{provider}: {failure.message}{suffix}",
        provider=provider,
        status=failure.status,
        retryable=failure.retryable,
    )


def call_with_retry(
    fn: Callable[[], T], policy: RetryPolicy, classify: Callable[[Exception], Failure], provider: str
) -> T:
    """Run ``fn``, retrying retryable failures as ``policy`` says."""
    attempt = 0
    while True:
        try:
            return fn()
        except ProviderError:
            raise
        except Exception as exc:
            failure = classify(exc)
            if not failure.retryable or attempt >= policy.max_retries:
                raise _give_up(provider, failure, attempt + 1) from exc
            pause = policy.delay_s(attempt, failure.retry_after_s)
            log.info(
                "%s: %s; retry %d/%d in %.2fs",
                provider,
                failure.message,
                attempt + 1,
                policy.max_retries,
                pause,
            )
            time.sleep(pause)
            attempt += 1


def stream_with_retry(
    open_stream: Callable[[], Iterator[T]],
    policy: RetryPolicy,
    classify: Callable[[Exception], Failure],
    provider: str,
) -> Iterator[T]:
    """Yield from ``open_stream()``, retrying only while nothing has been yielded yet (a stream that broke
    midway cannot be resumed, so it fails)."""
    attempt = 0
    while True:
        started = False
        try:
            for item in open_stream():
                started = True
                yield item
            return
        except ProviderError:
            raise
        except Exception as exc:
            failure = classify(exc)
            if started:
                raise ProviderError(
                    f"{provider}: the stream broke off midway: {failure.message}",
                    provider=provider,
                    status=failure.status,
                ) from exc
            if not failure.retryable or attempt >= policy.max_retries:
                raise _give_up(provider, failure, attempt + 1) from exc
            time.sleep(policy.delay_s(attempt, failure.retry_after_s))
            attempt += 1
