"""The ``offline`` provider: an LLM stand-in for demos and tests that needs no key and no network.

It is not a language model. It answers in the shape of one: a few sentences that depend on the prompt and
on a random draw (so two live calls differ, as they would with a real model), after a configurable delay
(``PLLM_OFFLINE_LATENCY`` seconds, default 1.0), with token counts in the usual ratio. Its models are
``offline-small`` (the default, or ``PLLM_OFFLINE_MODEL``) and ``offline-large`` (priced like a large
hosted model); any other name is accepted and answered the same way.

Its batch mode simulates a vendor's batch API locally: a batch "finishes" ``batch_latency_s`` seconds
(``PLLM_OFFLINE_BATCH_LATENCY``, default 3.0) after it was submitted, in any process (the time is in its id),
and is then answered like single calls.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
import uuid
from collections.abc import Mapping, Sequence

from ..settings import setting
from .base import LLMRequest, Provider, ProviderReply
from .batch import BatchItem, BatchProvider, BatchStatus, check_custom_ids

_OPENERS = (
    "Here is a short answer.",
    "In brief:",
    "A concise take:",
    "Thinking about it step by step:",
    "The key points are these.",
)
_CLOSERS = (
    "That is the gist of it.",
    "Further detail depends on the context.",
    "Happy to expand on any part.",
    "This is a simulated answer from the offline provider.",
)


def _tokens(text: str) -> int:
    return max(1, round(len(re.findall(r"\w+|[^\w\s]", text)) * 1.1))


class OfflineProvider(Provider, BatchProvider):
    """Deterministic in shape, random in content, priced like a small hosted model."""

    name = "offline"
    default_model = "offline-small"

    def __init__(
        self, latency_s: float | None = None, seed: int | None = None, batch_latency_s: float | None = None
    ) -> None:
        self.latency_s = float(latency_s if latency_s is not None else setting("offline_latency_s"))
        self.batch_latency_s = float(
            batch_latency_s if batch_latency_s is not None else setting("offline_batch_latency_s")
        )
        self._random = random.Random(seed)
        self.default_model = setting("offline_model") or self.default_model

    def batch_submit(self, requests: Sequence[tuple[str, LLMRequest]]) -> str:
        check_custom_ids(requests)
        ready_ms = int((time.time() + self.batch_latency_s) * 1000)
        return f"offline-batch-{ready_ms}-{uuid.uuid4().hex[:8]}"

    def batch_status(self, batch_id: str) -> BatchStatus:
        ready = int(batch_id.split("-")[2]) / 1000
        finished = time.time() >= ready
        return BatchStatus(batch_id, "ended" if finished else "in_progress", finished)

    def batch_results(self, batch_id: str, requests: Mapping[str, LLMRequest]) -> dict[str, BatchItem]:
        return {custom_id: BatchItem(self.answer(request)) for custom_id, request in requests.items()}

    def complete(self, request: LLMRequest) -> ProviderReply:
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        return self.answer(request)

    def answer(self, request: LLMRequest) -> ProviderReply:
        """The simulated answer, at once."""
        prompt = request.last_user_text
        words = re.findall(r"[A-Za-z][A-Za-z'-]{3,}", prompt)
        topic = " ".join(words[:6]) or "the question"
        draw = self._random.getrandbits(32)
        digest = hashlib.sha256(f"{prompt}|{draw}".encode()).hexdigest()
        opener = _OPENERS[int(digest[:2], 16) % len(_OPENERS)]
        closer = _CLOSERS[int(digest[2:4], 16) % len(_CLOSERS)]
        sample = words[int(digest[4:6], 16) % len(words)] if words else "it"
        text = (
            f"{opener} On {topic!s}: the central idea is {sample.lower()}, seen from angle #{draw % 1000}. "
            f"{closer}"
        )
        context = "\n".join(m.content if isinstance(m.content, str) else "" for m in request.messages)
        input_tokens = _tokens((request.instructions or "") + context)
        return ProviderReply(
            text=text,
            model=request.model or self.default_model,
            input_tokens=input_tokens,
            output_tokens=_tokens(text),
            raw={"draw": draw},
        )
