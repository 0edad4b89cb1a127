"""Backoff policy and the retry loop, with a stand-in failure classifier (no network needed)."""

from __future__ import annotations

import pytest

from pllm_notebook.errors import ConfigError, ProviderError
from pllm_notebook.providers.retry import Failure, RetryPolicy, call_with_retry, is_retryable_status


def test_which_statuses_are_retried():
    assert all(is_retryable_status(s) for s in (408, 429, 500, 502, 503, 529))
    assert not any(is_retryable_status(s) for s in (None, 400, 401, 403, 404, 422))


def test_delays_grow_bounded_with_jitter_and_honour_retry_after():
    policy = RetryPolicy(max_retries=8, initial_delay_s=0.5, max_delay_s=4.0)
    for attempt in range(8):
        bound = min(4.0, 0.5 * 2**attempt)
        samples = [policy.delay_s(attempt) for _ in range(200)]
        assert all(0 <= d <= bound for d in samples)
        assert len(set(samples)) > 1
    assert policy.delay_s(0, retry_after_s=3.0) >= 3.0
    assert policy.delay_s(0, retry_after_s=60.0) == 4.0


def test_bad_policies_are_refused():
    with pytest.raises(ConfigError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ConfigError, match="retry_delay"):
        RetryPolicy(initial_delay_s=5, max_delay_s=1)


class Flaky(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"status {status}")
        self.status = status


def classify(exc: Exception) -> Failure:
    return Failure(str(exc), exc.status, is_retryable_status(exc.status))


def test_retry_loop_retries_then_gives_up_with_the_provider_message():
    statuses = iter([429, 503, None])

    def call() -> str:
        status = next(statuses)
        if status:
            raise Flaky(status)
        return "ok"

    fast = RetryPolicy(max_retries=3, initial_delay_s=0.0, max_delay_s=0.0)
    assert call_with_retry(call, fast, classify, "vendor") == "ok"

    def always_500() -> str:
        raise Flaky(500)

    with pytest.raises(ProviderError, match=r"vendor: status 500 \(gave up after 4 attempts\)") as info:
        call_with_retry(always_500, fast, classify, "vendor")
    assert info.value.status == 500 and info.value.retryable

    attempts = []

    def forbidden() -> str:
        attempts.append(1)
        raise Flaky(403)

    with pytest.raises(ProviderError, match="status 403"):
        call_with_retry(forbidden, fast, classify, "vendor")
    assert len(attempts) == 1
