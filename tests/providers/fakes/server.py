"""A threaded HTTP server on a free loopback port that answers like an LLM vendor, and counts requests.

Behaviour is scripted per test: ``server.script`` is a list of actions used one per request (an int is an
HTTP error status, ``(status, message)`` an error with that message, ``"cut"`` cuts a stream off midway), ``server.latency_s`` delays every answer, and
``server.reply_text(body, n)`` decides the answer text. The wire formats live in ``wire.py``.
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

    def do_GET(self) -> None:
        self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw or b"{}")
        url = urlsplit(self.path)
        seen = Seen("POST", url.path, {k.lower(): v for k, v in self.headers.items()}, body)
        action, n = self.fake.next_action(seen)
        if self.fake.latency_s:
            time.sleep(self.fake.latency_s)
        if isinstance(action, tuple) or (isinstance(action, int) and action >= 400):
            status, payload = wire.error(
                self.fake.protocol, *(action if isinstance(action, tuple) else (action,))
            )
            self._json(status, payload, extra={"retry-after": "0"} if status == 429 else None)
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
