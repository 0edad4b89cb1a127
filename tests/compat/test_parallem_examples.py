"""parallem's documented examples, run as its users would after switching: only the import changes
(``import parallem as pllm`` -> ``import pllm_notebook as pllm``) and the provider (``provider="offline"``,
since tests have no network). Each example runs twice in one directory, as a user re-running a script."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

import pllm_notebook as pllm
from pllm_notebook.events import LLMCallFinished

# examples/advanced/simplest_memoize.py, the example parallem's memoize docs lead with. Besides the import
# and the provider, one change: its 10-second "long and arduous computation" sleeps 0.5 s here.
MEMOIZE_EXAMPLE = """
import logging
import random
import time
import pllm_notebook as pllm
from dotenv import load_dotenv


load_dotenv()


def memoized_agent(agt: pllm.AgentContext):
    conv = agt.get_msg_state()
    with agt.memoize() as mem:
        mem.begin()  # Required to start tracking
        agt.print("Long and ardous computation begins...")
        time.sleep(0.5)
        output = random.randint(1, 100)
        conv.ask_llm(f"In <5 sentences, what is special about the number {output}?")

    agt.print(conv[-1].final_answer)
    # First run: >10 seconds
    # Subsequent runs: instant.
    # Only changes to `conv` is saved.


with pllm.resume_directory(
    ".pllm/simplest",
    provider="offline",
    strategy="sync",
    log_level=logging.DEBUG,
    dashboard=True,
    hash_by=["llm"],
) as orch:
    with orch.agent() as agt:
        memoized_agent(agt)
"""

# README.md quickstart.
README_QUICKSTART = """
import pllm_notebook as pllm

# Place OPENAI_API_KEY in .env file
with pllm.resume_directory(
    ".pllm/simplest",
    provider="offline",
    strategy="sync",
    dashboard=True,
    load_dotenv=True,
) as orch:
    with orch.agent() as agt:
        resp = agt.ask_llm("Please name a power of 3.")
        print(resp.final_answer)
"""

# docs/index.md "Small example" (per-call hash_by).
DOCS_INDEX = """
from dotenv import load_dotenv
import pllm_notebook as pllm

load_dotenv()

with pllm.resume_directory(
    ".pllm/simplest",
    provider="offline",
    strategy="sync",
    dashboard=True,
) as orch:
    with orch.agent() as agt:
        resp = agt.ask_llm("Please name a power of 3.", hash_by=["llm"])
        print(resp.final_answer)
"""

# examples/simplest_agent.py: parallem's default provider is "multi"; the offline one stands in.
SIMPLEST_AGENT = """
import pllm_notebook as pllm


def syllable_count_agent(agt: pllm.AgentContext, word: str) -> str:
    ct = agt.ask_llm(f'How many syllables are in "{word}"?')
    return ct.final_answer


with pllm.resume_directory(
    ".pllm/example", llm="gpt-5-nano", strategy="sync", load_dotenv=True, provider="offline"
) as orch:
    with orch.agent() as agt:
        print(syllable_count_agent(agt, "Hello"))
"""

# docs/concepts/msg_state.md: both conversation styles (the web-search tool of its last call left out:
# pllm_notebook has no parallem.tools), as agent functions run under `with orch.agent() as agt:`.
MSG_STATE_DOC = """
import pllm_notebook as pllm


def long_conversation_agent_manual(agt: pllm.AgentContext):
    msgs = []

    msgs.append("Who discovered gravity?")
    resp1 = agt.ask_llm(msgs)
    msgs.append(resp1)
    msgs.append("Tell me more!")
    resp2 = agt.ask_llm(msgs)
    msgs.append(resp2)
    msgs.append("What else did that person do?")
    resp3 = agt.ask_llm(msgs)
    msgs.append(resp3)
    print(resp3)


def long_conversation_agent(agt: pllm.AgentContext):
    conv = agt.get_msg_state()
    conv.ask_llm("Who discovered gravity?")
    conv.ask_llm("Tell me more!")
    conv.ask_llm("What else did that person do?")
    print(conv[-1])
    print(conv[0:2])
    conv.append("What year was that person born?")
    conv.pop(0)


with pllm.resume_directory(".pllm/msg", provider="offline") as orch:
    with orch.agent() as agt:
        long_conversation_agent_manual(agt)
    with orch.agent() as agt:
        long_conversation_agent(agt)
"""

# docs/concepts/msg_state.md "Persistence - save and load", with input() answered by the test.
CHATBOT = """
import pllm_notebook as pllm


def chatbot(agt: pllm.AgentContext):
    msgs = agt.get_msg_state().load()

    print("Current messages:", msgs)
    out = input("Send a message: ")
    while out:
        msgs.append(out)
        msgs.ask_llm()
        print("Response:", msgs[-1].final_answer)
        out = input("Send a message: ")

    msgs.save()


with pllm.resume_directory(".pllm/chat", provider="offline") as orch:
    with orch.agent() as agt:
        chatbot(agt)
"""


def run_example(
    source: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[LLMCallFinished]]:
    """Run ``source`` as a script in ``folder``; returns what it printed and the calls it finished."""
    monkeypatch.chdir(folder)
    calls: list[LLMCallFinished] = []
    unsubscribe = pllm.bus.subscribe(lambda e: calls.append(e) if isinstance(e, LLMCallFinished) else None)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, "example.py", "exec"), {"__name__": "__main__"})
    finally:
        unsubscribe()
    return out.getvalue(), calls


def live(calls: list[LLMCallFinished]) -> int:
    return sum(1 for c in calls if c.source == "live")


def test_memoize_example_replays_its_random_draw_on_the_second_run(tmp_path, monkeypatch):
    first, calls1 = run_example(MEMOIZE_EXAMPLE, tmp_path, monkeypatch)
    assert "Long and ardous computation begins..." in first and live(calls1) == 1
    second, calls2 = run_example(MEMOIZE_EXAMPLE, tmp_path, monkeypatch)
    assert "Long and ardous computation begins..." not in second  # the block was skipped
    assert live(calls2) == 0
    answer = first.strip().splitlines()[-1]
    assert answer and second.strip().splitlines()[-1] == answer


# The README's "to switch to the Batch API, simply change strategy="sync" to strategy="batch"".
README_BATCH = README_QUICKSTART.replace('strategy="sync"', 'strategy="batch"')


@pytest.mark.parametrize(
    "source",
    [README_QUICKSTART, README_BATCH, DOCS_INDEX, SIMPLEST_AGENT],
    ids=["readme", "readme-batch", "index", "agent"],
)
def test_one_shot_examples_are_answered_then_resumed(source, tmp_path, monkeypatch):
    first, calls1 = run_example(source, tmp_path, monkeypatch)
    second, calls2 = run_example(source, tmp_path, monkeypatch)
    assert (live(calls1), live(calls2)) == (1, 0)
    assert first.strip() and second == first


def test_msg_state_doc_both_styles_run_and_resume(tmp_path, monkeypatch):
    first, calls1 = run_example(MSG_STATE_DOC, tmp_path, monkeypatch)
    second, calls2 = run_example(MSG_STATE_DOC, tmp_path, monkeypatch)
    assert (live(calls1), live(calls2)) == (6, 0)
    assert second == first.replace("source='live'", "source='memo'")  # the reprs say where answers came from
    # each `with orch.agent()` block got a fresh agent, as in parallem: the second one's conversation
    # starts empty, so its first question matches the manual style's first question
    assert {c.agent for c in calls1} == {"agent-1", "agent-2"}


def test_chatbot_checkpoint_is_loaded_by_the_next_run(tmp_path, monkeypatch):
    answers = iter(["Hello there", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    first, _ = run_example(CHATBOT, tmp_path, monkeypatch)
    assert "Current messages: MessageState('agent-1', 0 items)" in first
    answers = iter([""])
    second, calls = run_example(CHATBOT, tmp_path, monkeypatch)
    assert "Current messages: MessageState('agent-1', 2 items)" in second
    assert calls == []
