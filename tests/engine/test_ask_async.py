"""``await conv.ask_llm_async(...)``: the async face of ``ask_llm``, resumable like it."""

from __future__ import annotations

import asyncio

import pllm_notebook as pllm


async def _ask_all(orch) -> list:
    convs = [orch.agent(f"a{i}").get_msg_state() for i in range(3)]
    answers = await asyncio.gather(*(c.ask_llm_async(f"Question {i}?") for i, c in enumerate(convs)))
    assert all(answer is conv[-1] for answer, conv in zip(answers, convs, strict=True))
    return [answer.final_answer for answer in answers]


def test_gathered_async_asks_answer_in_order_and_resume_with_no_live_call(tmp_path):
    with pllm.resume_directory(tmp_path / ".pllm", strategy="concurrent") as orch:
        first = asyncio.run(_ask_all(orch))
        assert orch.stats().llm_calls == 3
    with pllm.resume_directory(tmp_path / ".pllm", strategy="concurrent") as orch:
        assert asyncio.run(_ask_all(orch)) == first
        assert orch.stats().llm_calls == 0
    assert len(set(first)) == 3
