"""Fixtures of the reliability tests: a real redis-server on a free loopback port, a cheap embedder."""

from __future__ import annotations

import shutil

import pytest

from .cheap_embedder import HashEmbedder
from .redis_server import RedisServer

FAKE_KEY = "sk-proj-FAKEfake0123456789abcdefXYZ"
ODD_KEY = "zz-corp-0123456789-secret"  # no known format: caught because it is the value of *_API_KEY
PATTERN_TOKEN = "CORP-424242-TOKEN"  # caught by a configured pattern
SECRETS = (FAKE_KEY, ODD_KEY, PATTERN_TOKEN)


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
