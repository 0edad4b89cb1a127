"""The vendors' batch APIs, faked: jobs kept in the server (so a second process finds them), running for
the first ``running_polls`` status requests (or while ``hold`` is set), then answered with the same bodies
as single calls.

OpenAI: ``POST /v1/files`` (multipart, purpose ``batch``), ``POST /v1/batches``, ``GET /v1/batches/{id}``,
``GET /v1/files/{id}/content`` (output and error JSONL). Anthropic: ``POST /v1/messages/batches``,
``GET /v1/messages/batches/{id}`` and its ``results_url`` (JSONL). Gemini:
``POST /v1/models/{m}:batchGenerateContent`` with inlined requests, ``GET /v1/batches/{id}`` (the SDK's API
version; the
responses come inlined in ``metadata.output``). A request whose prompt holds :data:`FAIL_WORD` fails.
"""

from __future__ import annotations

import email.parser
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import wire

FAIL_WORD = "FAIL-THIS"
"""A batched request whose prompt contains this fails, with a 400-style error for that request only."""

EXPIRED = "expired"
"""The error :meth:`FakeBatches.answers` gives a request the job did not reach before it expired."""

_URL_PROTOCOL = {"/v1/responses": "openai", "/v1/chat/completions": "openai-chat"}


@dataclass
class Job:
    """One batch job: its requests as ``(custom_id, protocol, model, body)`` and when it was made."""

    id: str
    vendor: str
    requests: list[tuple[str, str, str, dict[str, Any]]]
    created: float
    polls: int = 0
    model: str = ""
    endpoint: str = ""
    input_file_id: str = ""


@dataclass
class FakeBatches:
    """Batch state of one fake server, shared by its handler threads."""

    running_polls: int = 1
    hold: bool = False
    expire_after: int | None = None
    """If set, a job ends as expired with only its first ``expire_after`` requests answered."""
    jobs: dict[str, Job] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{len(self.jobs) + len(self.files) + 1:04d}"

    def finished(self, job: Job) -> bool:
        """Whether the job has ended; each call is one status request."""
        job.polls += 1
        return not self.hold and job.polls > self.running_polls

    def answers(self, job: Job, reply_text: Callable[[str, int], str]) -> list[tuple[str, Any, str | None]]:
        """``(custom_id, body, error)`` for each request of a finished job."""
        out = []
        for n, (custom_id, protocol, model, body) in enumerate(job.requests, start=1):
            prompt = wire.prompt(protocol, body)
            if self.expired(job) and n > self.expire_after:
                out.append((custom_id, None, EXPIRED))
            elif FAIL_WORD in prompt:
                out.append((custom_id, None, f"fake invalid request: {FAIL_WORD} in the prompt"))
            else:
                out.append((custom_id, wire.response(protocol, model, reply_text(prompt, n), n), None))
        return out

    def expired(self, job: Job) -> bool:
        return self.expire_after is not None and self.expire_after < len(job.requests)

    # -- OpenAI ------------------------------------------------------------------------------------

    def openai_upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        message = email.parser.BytesParser().parsebytes(
            f"content-type: {content_type}\r\n\r\n".encode() + raw
        )
        fields = {
            part.get_param("name", header="content-disposition"): part for part in message.get_payload()
        }
        if fields["purpose"].get_payload() != "batch":
            raise ValueError("purpose must be 'batch'")
        data = fields["file"].get_payload(decode=True)
        with self.lock:
            file_id = self._new_id("file-")
            self.files[file_id] = data
        return _file_object(file_id, len(data), "pllm-batch.jsonl", "batch")

    def openai_create(self, body: dict[str, Any]) -> dict[str, Any]:
        data = self.files[body["input_file_id"]]
        requests = []
        for line in data.decode().splitlines():
            item = json.loads(line)
            if item["url"] != body["endpoint"]:
                raise ValueError(f"line url {item['url']} differs from the batch endpoint {body['endpoint']}")
            protocol = _URL_PROTOCOL[item["url"]]
            requests.append((item["custom_id"], protocol, item["body"]["model"], item["body"]))
        with self.lock:
            job = Job(self._new_id("batch_"), "openai", requests, time.time())
            job.endpoint, job.input_file_id = body["endpoint"], body["input_file_id"]
            self.jobs[job.id] = job
        return self.openai_batch(job.id, None)

    def openai_batch(self, batch_id: str, reply_text: Callable[[str, int], str] | None) -> dict[str, Any]:
        job = self.jobs[batch_id]
        total = len(job.requests)
        body: dict[str, Any] = {
            "id": job.id,
            "object": "batch",
            "endpoint": job.endpoint,
            "input_file_id": job.input_file_id,
            "completion_window": "24h",
            "created_at": int(job.created),
            "status": "in_progress",
            "request_counts": {"total": total, "completed": 0, "failed": 0},
            "errors": None,
            "output_file_id": None,
            "error_file_id": None,
        }
        if reply_text is None or not self.finished(job):
            return body
        good, bad = [], []
        for n, (custom_id, answer, error) in enumerate(self.answers(job, reply_text), start=1):
            if error is None:
                response = {"status_code": 200, "request_id": f"req_{n}", "body": answer}
                good.append(
                    {"id": f"batch_req_{n}", "custom_id": custom_id, "response": response, "error": None}
                )
            elif error == EXPIRED:
                message = "This request could not be executed before the completion window expired."
                failure = {"code": "batch_expired", "message": message}
                bad.append(
                    {"id": f"batch_req_{n}", "custom_id": custom_id, "response": None, "error": failure}
                )
            else:
                status, payload = wire.error("openai", 400, error)
                response = {"status_code": status, "request_id": f"req_{n}", "body": payload}
                bad.append(
                    {"id": f"batch_req_{n}", "custom_id": custom_id, "response": response, "error": None}
                )
        with self.lock:
            for name, lines in (("output_file_id", good), ("error_file_id", bad)):
                if lines:
                    file_id = f"{job.id}-{name.split('_')[0]}"
                    self.files[file_id] = "".join(json.dumps(x) + "\n" for x in lines).encode()
                    body[name] = file_id
        body.update(
            status="expired" if self.expired(job) else "completed",
            completed_at=int(time.time()),
            request_counts={"total": total, "completed": len(good), "failed": len(bad)},
        )
        return body

    # -- Anthropic ---------------------------------------------------------------------------------

    def anthropic_create(self, body: dict[str, Any]) -> dict[str, Any]:
        requests = [
            (r["custom_id"], "anthropic", r["params"]["model"], r["params"]) for r in body["requests"]
        ]
        with self.lock:
            job = Job(self._new_id("msgbatch_"), "anthropic", requests, time.time())
            self.jobs[job.id] = job
        return self.anthropic_batch(job.id, None)

    def anthropic_batch(self, batch_id: str, root: str | None) -> dict[str, Any]:
        """The job; ``root`` (where results are fetched) is None when answering its creation."""
        job = self.jobs[batch_id]
        done = root is not None and self.finished(job)
        total = len(job.requests)
        ends = [error for _, _, error in self.answers(job, lambda prompt, n: "")] if done else []
        expired = ends.count(EXPIRED)
        failed = sum(error is not None for error in ends) - expired
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(job.created))
        return {
            "id": job.id,
            "type": "message_batch",
            "processing_status": "ended" if done else "in_progress",
            "request_counts": {
                "processing": 0 if done else total,
                "succeeded": total - failed - expired if done else 0,
                "errored": failed,
                "canceled": 0,
                "expired": expired,
            },
            "created_at": stamp,
            "expires_at": stamp,
            "ended_at": stamp if done else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{root}/v1/messages/batches/{job.id}/results" if done else None,
        }

    def anthropic_results(self, batch_id: str, reply_text: Callable[[str, int], str]) -> bytes:
        lines = []
        for custom_id, answer, error in self.answers(self.jobs[batch_id], reply_text):
            if error is None:
                result = {"type": "succeeded", "message": answer}
            elif error == EXPIRED:
                result = {"type": "expired"}
            else:
                result = {"type": "errored", "error": wire.error("anthropic", 400, error)[1]}
            lines.append(json.dumps({"custom_id": custom_id, "result": result}) + "\n")
        return "".join(reversed(lines)).encode()  # results come in no particular order

    # -- Gemini ------------------------------------------------------------------------------------

    def gemini_create(self, model: str, body: dict[str, Any]) -> dict[str, Any]:
        inlined = body["batch"]["inputConfig"]["requests"]["requests"]
        requests = [(r["metadata"]["key"], "google", model, r["request"]) for r in inlined]
        with self.lock:
            job = Job(self._new_id("batches/fake"), "google", requests, time.time(), model=f"models/{model}")
            self.jobs[job.id] = job
        return self.gemini_batch(job.id, None)

    def gemini_batch(self, name: str, reply_text: Callable[[str, int], str] | None) -> dict[str, Any]:
        job = self.jobs[name]
        done = reply_text is not None and self.finished(job)
        metadata: dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch",
            "model": job.model,
            "displayName": "pllm-notebook batch",
            "createTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(job.created)),
            "state": "BATCH_STATE_SUCCEEDED" if done else "BATCH_STATE_RUNNING",
        }
        if done:
            if self.expired(job):
                metadata["state"] = "BATCH_STATE_EXPIRED"
            inlined = []
            for custom_id, answer, error in self.answers(job, reply_text):
                entry: dict[str, Any] = {"metadata": {"key": custom_id}}
                if error == EXPIRED:
                    continue
                if error is None:
                    entry["response"] = answer
                else:
                    entry["error"] = {"code": 3, "message": error}
                inlined.append(entry)
            metadata["output"] = {"inlinedResponses": {"inlinedResponses": inlined}}
        return {"name": job.id, "metadata": metadata, "done": done}


def _file_object(file_id: str, size: int, name: str, purpose: str) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": int(time.time()),
        "filename": name,
        "purpose": purpose,
        "status": "processed",
    }
