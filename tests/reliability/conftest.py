"""Fixtures of the reliability tests: a real redis-server on a free loopback port, a cheap embedder."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from .cheap_embedder import HashEmbedder

FAKE_KEY = "sk-proj-FAKEfake0123456789abcdefXYZ"
ODD_KEY = "zz-corp-0123456789-secret"  # no known format: caught because it is the value of *_API_KEY
PATTERN_TOKEN = "CORP-424242-TOKEN"  # caught by a configured pattern
SECRETS = (FAKE_KEY, ODD_KEY, PATTERN_TOKEN)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process on loopback without persistence; can be stopped and started again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def secret_env(monkeypatch):
    """Secrets of three kinds: a known key format, the value of a *_API_KEY variable, a configured pattern."""
    monkeypatch.setenv("MYCORP_API_KEY", ODD_KEY)
    monkeypatch.setenv("PLLM_SECRET_PATTERNS", r"CORP-\d{6}-TOKEN")
    import pllm_notebook.redaction as redaction

    monkeypatch.setattr(redaction, "_default", None)  # re-read PLLM_SECRET_PATTERNS
    yield
