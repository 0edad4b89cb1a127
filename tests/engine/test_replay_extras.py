"""A replayed answer comes back as it was live: structured output as its model, tool calls, usage."""

from __future__ import annotations

import pydantic

import pllm_notebook as pllm
from pllm_notebook.providers import LLMRequest, Provider, ProviderReply


class Verdict(pydantic.BaseModel):
    label: str
    confidence: float


class StructuredProvider(Provider):
    """A provider plug-in (the register_provider API) that answers with a structured verdict."""

    name = "structured-test"
    default_model = "offline-small"

    def complete(self, request: LLMRequest) -> ProviderReply:
        verdict = request.structured_output(label="positive", confidence=0.9)
        return ProviderReply(
            text=verdict.model_dump_json(),
            model=request.model,
            input_tokens=12,
            output_tokens=7,
            cached_input_tokens=4,
            parsed=verdict,
            raw={"tool_calls": [{"type": "tool_call", "name": "lookup", "arguments": {"q": "x"}}]},
        )


def test_memo_replay_restores_the_structured_model_and_extras(resume_dir):
    pllm.register_provider("structured-test", StructuredProvider)
    try:

        def run():
            with pllm.resume_directory(resume_dir, provider="structured-test") as orch:
                agt = orch.agent("judge")
                with agt.memoize() as mem:
                    mem.begin()
                    agt.get_msg_state().ask_llm("Is this review positive?", structured_output=Verdict)
                return agt.get_msg_state()[-1]

        live, replayed = run(), run()
        assert live.source == "live" and replayed.source == "memo"
        assert isinstance(replayed.output_parsed, Verdict)
        assert replayed.output_parsed == live.output_parsed
        assert replayed.tool_calls == live.tool_calls
        assert replayed.usage == live.usage and replayed.usage.cached_input_tokens == 4
    finally:
        pllm.unregister_provider("structured-test")
