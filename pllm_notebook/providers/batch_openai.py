"""OpenAI's Batch API for the Responses and Chat Completions adapters, through the ``openai`` SDK.

A batch is a JSONL file of ``{"custom_id", "method", "url", "body"}`` lines uploaded with
``files.create(purpose="batch")``, a job made with ``batches.create``, polled with ``batches.retrieve``;
when it ends, its ``output_file_id`` holds one line per answered request and its ``error_file_id`` one per
failed one (``files.content``).
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from .base import LLMRequest, ProviderReply
from .batch import BatchItem, BatchProvider, BatchStatus, check_custom_ids

FINISHED = ("completed", "failed", "expired", "cancelled")


def _error_text(error: Any) -> str:
    if isinstance(error, Mapping):
        inner = error.get("error") if isinstance(error.get("error"), Mapping) else error
        code = inner.get("code") or inner.get("type")
        message = inner.get("message") or json.dumps(dict(inner))
        return f"{code}: {message}" if code else str(message)
    return str(error)


class OpenAIBatch(BatchProvider):
    """Mixed into an OpenAI adapter that knows its endpoint, its request body and how to read a reply."""

    batch_endpoint: str = "/v1/responses"
    completion_window = "24h"

    @abstractmethod
    def batch_body(self, request: LLMRequest) -> dict[str, Any]:
        """The JSON body of ``request`` as one line of the batch file carries it."""

    @abstractmethod
    def batch_reply(self, body: dict[str, Any], request: LLMRequest) -> ProviderReply:
        """A reply from the JSON body of one answered request."""

    def batch_submit(self, requests: Sequence[tuple[str, LLMRequest]]) -> str:
        check_custom_ids(requests)
        lines = [
            json.dumps(
                {"custom_id": cid, "method": "POST", "url": self.batch_endpoint, "body": self.batch_body(r)}
            )
            for cid, r in requests
        ]
        data = ("\n".join(lines) + "\n").encode()
        client = self.client()
        upload = self.retrying(lambda: client.files.create(file=("pllm-batch.jsonl", data), purpose="batch"))
        job = self.retrying(
            lambda: client.batches.create(
                input_file_id=upload.id,
                endpoint=self.batch_endpoint,
                completion_window=self.completion_window,
            )
        )
        return job.id

    def batch_status(self, batch_id: str) -> BatchStatus:
        job = self.retrying(lambda: self.client().batches.retrieve(batch_id))
        counts = job.request_counts
        return BatchStatus(
            batch_id,
            job.status,
            job.status in FINISHED,
            total=counts.total if counts else 0,
            done=(counts.completed + counts.failed) if counts else 0,
            failed=counts.failed if counts else 0,
        )

    def _lines(self, file_id: str | None) -> list[dict[str, Any]]:
        if not file_id:
            return []
        text = self.retrying(lambda: self.client().files.content(file_id)).text
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def batch_results(self, batch_id: str, requests: Mapping[str, LLMRequest]) -> dict[str, BatchItem]:
        job = self.retrying(lambda: self.client().batches.retrieve(batch_id))
        results: dict[str, BatchItem] = {}
        for line in self._lines(job.output_file_id) + self._lines(job.error_file_id):
            custom_id, response = line.get("custom_id"), line.get("response") or {}
            if custom_id not in requests:
                continue
            if line.get("error") or response.get("status_code", 200) >= 400:
                status = response.get("status_code")
                prefix = f"HTTP {status}: " if status else ""
                results[custom_id] = BatchItem(
                    error=prefix + _error_text(line.get("error") or response.get("body"))
                )
            else:
                results[custom_id] = BatchItem(self.batch_reply(response["body"], requests[custom_id]))
        if job.status == "failed" and job.errors and job.errors.data:
            message = "; ".join(e.message or e.code or "" for e in job.errors.data)
            for custom_id in requests:
                results.setdefault(custom_id, BatchItem(error=f"the batch failed: {message}"))
        return results
