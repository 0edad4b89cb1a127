"""Fixtures of the sharing tests: private HOMEs (author, colleague) and the fake vendor servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from providers.fakes import FakeServer, start_fake
from run_demo import private_home_variables  # the root conftest puts notebooks/ on sys.path

KEY_VARIABLES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY")
TEST_KEY = "sk-proj-sharetestkey0123456789abcdef"


def home_env(home: Path, *, key: str | None) -> dict[str, str]:
    """An environment for a subprocess whose HOME (and config, Jupyter, IPython folders) is ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES and not k.startswith("PLLM_KEY")}
    env.update(private_home_variables(home))
    env.pop("PLLM_INTEGRITY_KEY", None)
    if key:
        env["OPENAI_API_KEY"] = key
    return env


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
