"""Events carry prompt snippets to watchers (the dashboard); a secret pasted into a prompt is not among them."""

from __future__ import annotations

import pllm_notebook as pllm
from pllm_notebook.events import LLMCallStarted, bus


def test_a_key_pasted_into_a_prompt_never_reaches_an_event(resume_dir, monkeypatch):
    secret = "sk-proj-" + "Zq8" * 12
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    seen: list[LLMCallStarted] = []
    unsubscribe = bus.subscribe(lambda e: seen.append(e) if isinstance(e, LLMCallStarted) else None)
    try:
        with pllm.resume_directory(resume_dir) as orch:
            orch.agent("w").get_msg_state().ask_llm(f"why does my key {secret} fail?")
    finally:
        unsubscribe()
    assert seen and "why does my key" in seen[0].prompt
    assert secret not in seen[0].prompt
