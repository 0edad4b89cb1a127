"""A stdlib-only OpenAI Chat Completions server on 127.0.0.1 for benchmarks of libraries that need one.

It runs in any interpreter (the reference libraries' venv too) and answers every request at once with a
short completion, counting requests.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        return

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests += 1
        answer = f"answer #{self.server.requests} to {len(body.get('messages', []))} messages"
        payload = {
            "id": f"chatcmpl-{self.server.requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "gpt-4o-mini"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48},
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start() -> ThreadingHTTPServer:
    """Start the server on a free loopback port in a daemon thread; ``server.server_port`` tells the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
