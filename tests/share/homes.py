"""Private HOMEs for the sharing tests: one per person (author, colleague), with or without an API key."""

from __future__ import annotations

import os
from pathlib import Path

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
