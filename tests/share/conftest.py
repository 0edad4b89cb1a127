"""Fixtures of the sharing tests: a switch between private HOMEs, and a fake OpenAI server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from providers.fakes import FakeServer, start_fake

from .homes import KEY_VARIABLES, home_env


@pytest.fixture
def as_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Switch this process to a private HOME (``as_home("author")``), with no API key set."""

    def switch(name: str) -> Path:
        home = tmp_path / "homes" / name
        for key, value in home_env(home, key=None).items():
            monkeypatch.setenv(key, value)
        for key in KEY_VARIABLES:
            monkeypatch.delenv(key, raising=False)
        return home

    return switch


@pytest.fixture
def fake_openai() -> Iterator[FakeServer]:
    server = start_fake("openai-chat")
    yield server
    server.stop()
