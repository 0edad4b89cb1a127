"""Fixtures for provider tests: fake vendor servers on loopback and test API keys held in the environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .fakes import FakeServer, start_fake

PROTOCOLS = ("openai", "openai-chat", "anthropic", "google")
KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "openai-chat": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google": "GOOGLE_API_KEY",
}
TEST_KEY = "pllmtestkey-7f3a9c2e51b84d06"
FAST_RETRY = {"retry_delay": 0.01, "retry_max_delay": 0.05}


@pytest.fixture
def fake_factory() -> Iterator[Callable[..., FakeServer]]:
    """Start fake servers; every one is stopped when the test ends."""
    started: list[FakeServer] = []

    def start(protocol: str, **options) -> FakeServer:
        server = start_fake(protocol, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def fake(protocol: str, fake_factory) -> FakeServer:
    return fake_factory(protocol)


@pytest.fixture
def vendor_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Every vendor key variable set to :data:`TEST_KEY`; the working directory is a folder with no ``.env``."""
    monkeypatch.chdir(tmp_path)
    for name in {*KEY_ENV.values(), "GEMINI_API_KEY"}:
        monkeypatch.setenv(name, TEST_KEY)
    return TEST_KEY


def assert_no_secret(directory: Path, secret: str = TEST_KEY) -> None:
    """No file under ``directory`` holds ``secret`` in any byte."""
    needle = secret.encode()
    for path in Path(directory).rglob("*"):
        if path.is_file():
            assert needle not in path.read_bytes(), f"the API key leaked into {path}"
