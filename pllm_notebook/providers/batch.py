"""What a provider with a batch API offers: submit many requests as one job, poll it, read its results.

Batch APIs (OpenAI Batch, Anthropic Message Batches, Gemini batch mode) answer within hours instead of
seconds and bill half the standard price. A provider that has one mixes in :class:`BatchProvider`; the
engine's ``strategy="batch"`` gathers calls and goes through these three methods. Every request carries a
``custom_id`` the caller chose, so results can be matched to requests (vendors do not keep the order).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .base import LLMRequest, ProviderReply

__all__ = ["BatchItem", "BatchProvider", "BatchStatus", "CUSTOM_ID"]

CUSTOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""What every vendor accepts as a request's ``custom_id`` (Anthropic's rule, the strictest)."""


@dataclass(frozen=True)
class BatchStatus:
    """Where a batch job stands, in the vendor's words (``vendor_state``) and in ours (``finished``)."""

    batch_id: str
    vendor_state: str
    finished: bool
    total: int = 0
    done: int = 0
    failed: int = 0

    def describe(self) -> str:
        """``in_progress · 3/10 done · 1 failed``: what a progress line shows."""
        counts = f" · {self.done}/{self.total} done" if self.total else ""
        failed = f" · {self.failed} failed" if self.failed else ""
        return f"{self.vendor_state}{counts}{failed}"


@dataclass(frozen=True)
class BatchItem:
    """The outcome of one request of a finished batch: a reply, or the vendor's error for it."""

    reply: ProviderReply | None = None
    error: str | None = None


class BatchProvider(ABC):
    """A provider that can send requests through its vendor's batch API (mixed into a :class:`Provider`)."""

    @abstractmethod
    def batch_submit(self, requests: Sequence[tuple[str, LLMRequest]]) -> str:
        """Submit ``(custom_id, request)`` pairs (one model) as one batch job; return the job's id."""

    @abstractmethod
    def batch_status(self, batch_id: str) -> BatchStatus:
        """Ask the vendor how the job is doing (one request)."""

    @abstractmethod
    def batch_results(self, batch_id: str, requests: Mapping[str, LLMRequest]) -> dict[str, BatchItem]:
        """The outcome of each request of a finished job, by ``custom_id``; a request the vendor reports
        nothing for (the job expired or was cancelled first) is missing and counts as failed."""


def check_custom_ids(requests: Sequence[tuple[str, LLMRequest]]) -> None:
    """Refuse a batch whose ids a vendor would refuse, before anything is sent."""
    ids = [custom_id for custom_id, _ in requests]
    bad = [i for i in ids if not CUSTOM_ID.match(i)]
    if bad or len(set(ids)) != len(ids):
        raise ValueError(f"batch custom_ids must be unique and match {CUSTOM_ID.pattern}; got {bad or ids}")
