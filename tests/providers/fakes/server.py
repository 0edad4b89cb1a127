"""A threaded HTTP server on a free loopback port that answers like an LLM vendor, and counts requests.

Behaviour is scripted per test: ``server.script`` is a list of actions used one per request (an int is an
HTTP error status, ``(status, message)`` an error with that message, ``"cut"`` cuts a stream off midway), ``server.latency_s`` delays every answer, and
``server.reply_text(body, n)`` decides the answer text. The wire formats live in ``wire.py``; the batch
APIs (``server.batches``: jobs, files, how long a job runs, ``hold``) in ``batches.py``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import wire
from .batches import FakeBatches


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def default_text(prompt: str, n: int) -> str:
    return f"Answer number {n} about {prompt or 'nothing'} , streamed in pieces ."


@dataclass
class FakeServer:
    """State shared by the handler threads; ``url`` is where the SDK's ``base_url`` should point."""

    protocol: str
    latency_s: float = 0.0
    script: list[Any] = field(default_factory=list)
    reply_text: Callable[[str, int], str] = default_text
    seen: list[Seen] = field(default_factory=list)
    batches: FakeBatches = field(default_factory=FakeBatches)
    lock: threading.Lock = field(default_factory=threading.Lock)
    httpd: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        """The base URL a vendor SDK expects (``/v1`` for OpenAI, the bare host for the others)."""
        root = f"http://127.0.0.1:{self.port}"
        return root + "/v1" if self.protocol in ("openai", "openai-chat") else root

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.seen)

    def requests_to(self, method: str, marker: str) -> int:
        """How many ``method`` requests went to a path containing ``marker``."""
        with self.lock:
            return sum(1 for s in self.seen if s.method == method and marker in s.path)

    def next_action(self, seen: Seen) -> tuple[Any, int]:
        with self.lock:
            self.seen.append(seen)
            action = self.script.pop(0) if self.script else None
            return action, len(self.seen)

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


def chunk_text(text: str) -> list[str]:
    """Word-sized pieces that join back into ``text``."""
    return re.findall(r"\S+\s*|\s+", text)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "FakeLLM/1.0"
    fake: FakeServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _scripted_error(self, action: Any) -> bool:
        """Answer with the scripted error, if ``action`` is one."""
        if isinstance(action, tuple) or (isinstance(action, int) and action >= 400):
            status, payload = wire.error(
                self.fake.protocol, *(action if isinstance(action, tuple) else (action,))
            )
            self._json(status, payload, extra={"retry-after": "0"} if status == 429 else None)
            return True
        return False

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        seen = Seen("GET", url.path, {k.lower(): v for k, v in self.headers.items()}, {})
        action, _ = self.fake.next_action(seen)
        if self._scripted_error(action):
            return
        batches, text, path = self.fake.batches, self.fake.reply_text, url.path
        root = f"http://127.0.0.1:{self.fake.port}"
        try:
            if self.fake.protocol == "google" and "/batches/" in path:
                self._json(200, batches.gemini_batch("batches/" + path.rsplit("/", 1)[1], text))
            elif path.startswith("/v1/files/") and path.endswith("/content"):
                self._bytes(batches.files[path.split("/")[3]])
            elif path.startswith("/v1/batches/"):
                self._json(200, batches.openai_batch(path.rsplit("/", 1)[1], text))
            elif path.startswith("/v1/messages/batches/") and path.endswith("/results"):
                self._bytes(batches.anthropic_results(path.split("/")[4], text))
            elif path.startswith("/v1/messages/batches/"):
                self._json(200, batches.anthropic_batch(path.rsplit("/", 1)[1], root))
            else:
                self._json(*wire.error(self.fake.protocol, 404, f"no route {path}"))
        except KeyError as exc:
            self._json(*wire.error(self.fake.protocol, 404, f"no such batch or file {exc}"))

    def _batch_create(self, path: str, raw: bytes) -> bool:
        """Answer a batch or file creation; False if ``path`` is not one."""
        batches = self.fake.batches
        if path == "/v1/files":
            answer = batches.openai_upload(self.headers["content-type"], raw)
        elif path == "/v1/batches":
            answer = batches.openai_create(json.loads(raw))
        elif path == "/v1/messages/batches":
            answer = batches.anthropic_create(json.loads(raw))
        elif path.endswith(":batchGenerateContent"):
            answer = batches.gemini_create(path.rsplit("/", 1)[1].split(":")[0], json.loads(raw))
        else:
            return False
        self._json(200, answer)
        return True

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        is_file = url.path == "/v1/files"
        body = {} if is_file else json.loads(raw or b"{}")
        seen = Seen("POST", url.path, {k.lower(): v for k, v in self.headers.items()}, body)
        action, n = self.fake.next_action(seen)
        if self.fake.latency_s:
            time.sleep(self.fake.latency_s)
        if self._scripted_error(action):
            return
        try:
            if self._batch_create(url.path, raw):
                return
        except (KeyError, ValueError) as exc:
            self._json(*wire.error(self.fake.protocol, 400, f"bad batch request: {exc}"))
            return
        streaming = body.get("stream") is True or ":streamGenerateContent" in url.path
        model = wire.model_of(self.fake.protocol, body, url.path)
        try:
            tool_output = wire.tool_result(self.fake.protocol, body)
        except ValueError as exc:
            self._json(*wire.error(self.fake.protocol, 400, str(exc)))
            return
        if body.get("tools") and tool_output is None and not streaming:
            self._json(200, wire.tool_call_response(self.fake.protocol, model, n))
            return
        if tool_output is not None:
            text = f"The tool said: {tool_output}"
        else:
            text = self.fake.reply_text(wire.prompt(self.fake.protocol, body), n)
        if streaming:
            events = wire.stream_events(self.fake.protocol, model, chunk_text(text), n)
            self._sse(events, cut=action == "cut")
        else:
            self._json(200, wire.response(self.fake.protocol, model, text, n))

    def _json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _bytes(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/octet-stream")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events: list[str], cut: bool) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        if cut:
            events = events[: max(2, len(events) // 2)]
        for event in events:
            data = event.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        if cut:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def start_fake(protocol: str, **options: Any) -> FakeServer:
    """Start a fake ``protocol`` server (``openai``, ``openai-chat``, ``anthropic``, ``google``) in a thread."""
    fake = FakeServer(protocol, **options)
    handler = type("Handler", (_Handler,), {"fake": fake})
    fake.httpd = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=fake.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return fake
