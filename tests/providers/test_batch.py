"""``strategy="batch"``: each vendor's batch API through the real SDK, against the fake servers' batch endpoints."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from reliability.redis_server import RedisServer

import pllm_notebook as pllm
from pllm_notebook.errors import ConfigError, ProviderError
from pllm_notebook.providers import cost_usd, set_price
from pllm_notebook.providers.pricing import batch_discount

from .conftest import FAST_RETRY, assert_no_secret
from .fakes.batches import FAIL_WORD

BATCH_CREATE = {
    "openai": "/v1/batches",
    "openai-chat": "/v1/batches",
    "anthropic": "/v1/messages/batches",
    "google": ":batchGenerateContent",
}
FAST_POLL = {"batch_poll_s": 0.02}
ROOT = Path(__file__).resolve().parents[2]


def open_dir(path, protocol, fake, **options):
    return pllm.resume_directory(
        path, provider=protocol, base_url=fake.url, strategy="batch", **FAST_RETRY, **FAST_POLL, **options
    )


def creates(fake, protocol: str) -> int:
    return fake.requests_to("POST", BATCH_CREATE[protocol])


def ask_all(orch, questions: list[str]) -> list:
    return [orch.agent(f"item{i}").get_msg_state().ask_llm(q) for i, q in enumerate(questions)]


def test_several_calls_go_out_as_one_batch_at_the_batch_price(resume_dir, protocol, fake, vendor_env, capfd):
    questions = [f"question number {i}" for i in range(4)]
    with open_dir(resume_dir, protocol, fake) as orch:
        answers = ask_all(orch, questions)
        assert fake.count == 0, "nothing is sent before an answer is read"
        assert not answers[0].done
        texts = [a.final_answer for a in answers]
        assert creates(fake, protocol) == 1
        for question, answer, text in zip(questions, answers, texts, strict=True):
            assert question in text and answer.source == "live"
            standard = cost_usd(answer.model, answer.usage.input_tokens, answer.usage.output_tokens, 4)
            assert standard > 0
            assert answer.cost_usd == pytest.approx(standard * 0.5)
        assert orch.stats().cost_spent_usd == pytest.approx(sum(a.cost_usd for a in answers))
    assert "waiting for 4 calls in 1" in capfd.readouterr().err
    before = fake.count
    with open_dir(resume_dir, protocol, fake) as orch:
        again = ask_all(orch, questions)
        assert [a.final_answer for a in again] == texts
        assert {a.source for a in again} == {"memo"}
    assert fake.count == before
    assert_no_secret(resume_dir)


def test_a_failed_request_raises_on_reading_and_the_others_are_kept(resume_dir, protocol, fake, vendor_env):
    questions = ["first question", f"second question {FAIL_WORD}", "third question"]
    with pytest.raises(ProviderError, match=FAIL_WORD), open_dir(resume_dir, protocol, fake) as orch:
        answers = ask_all(orch, questions)
        with pytest.raises(ProviderError, match=f"request .* failed: .*{FAIL_WORD}"):
            answers[1].resolve()
        kept = [answers[0].final_answer, answers[2].final_answer]
    assert creates(fake, protocol) == 1
    with pytest.raises(ProviderError, match=FAIL_WORD), open_dir(resume_dir, protocol, fake) as orch:
        again = ask_all(orch, questions)
        assert [again[0].final_answer, again[2].final_answer] == kept
        assert again[0].source == "memo"
    assert creates(fake, protocol) == 2, "only the failed request is asked again"
    last_job = list(fake.batches.jobs.values())[-1]
    assert len(last_job.requests) == 1


RUN_AND_WAIT = """
import signal
# Ctrl-C stops a script from a terminal; a test runner started in the background (SIGINT ignored, and
# inherited so by its xdist workers and their children) must not make this one deaf to it
signal.signal(signal.SIGINT, signal.default_int_handler)
import pllm_notebook as pllm
with pllm.resume_directory({dir!r}, provider={protocol!r}, base_url={url!r}, strategy="batch",
                           batch_poll_s=0.02, retry_delay=0.01) as orch:
    answers = [orch.agent(f"item{{i}}").get_msg_state().ask_llm(f"question number {{i}}") for i in range(3)]
    answers[0].final_answer
"""


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "google"])
def test_a_run_stopped_while_waiting_resumes_the_same_batch(resume_dir, protocol, fake, vendor_env):
    fake.batches.hold = True
    script = RUN_AND_WAIT.format(dir=str(resume_dir), protocol=protocol, url=fake.url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], env=env, stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while fake.requests_to("GET", "batch") < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the first run should still be waiting for its batch"
        proc.send_signal(signal.SIGINT)  # Ctrl-C, or a notebook's interrupt
        assert proc.wait(timeout=30) != 0
    finally:
        proc.kill()
        proc.stdout.close()
    assert creates(fake, protocol) == 1
    fake.batches.hold = False
    with open_dir(resume_dir, protocol, fake) as orch:
        answers = ask_all(orch, [f"question number {i}" for i in range(3)])
        for i, answer in enumerate(answers):
            assert f"question number {i}" in answer.final_answer
            assert answer.cost_usd == pytest.approx(
                cost_usd(answer.model, answer.usage.input_tokens, answer.usage.output_tokens, 4, batch=True)
            )
    assert creates(fake, protocol) == 1, "the second run picked up the first run's batch"
    with open_dir(resume_dir, protocol, fake) as orch:
        assert {a.source for a in ask_all(orch, [f"question number {i}" for i in range(3)])} == {"memo"}


def test_batch_size_and_batch_wait_send_without_a_read(resume_dir, fake_factory, vendor_env):
    fake = fake_factory("anthropic")
    with open_dir(resume_dir, "anthropic", fake, batch_size=2, batch_wait_s=0.1) as orch:
        answers = ask_all(orch, ["one", "two"])
        assert creates(fake, "anthropic") == 1, "batch_size=2 sends the second call's batch at once"
        answers.append(orch.agent("late").get_msg_state().ask_llm("three"))
        deadline = time.monotonic() + 10
        while creates(fake, "anthropic") < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert creates(fake, "anthropic") == 2, "batch_wait_s sends what waited that long"
        assert [a.final_answer.split()[4] for a in answers] == ["one", "two", "three"]


class Stopped(Exception):
    """The run was stopped (an exception leaves the block without waiting for its calls)."""


@pytest.mark.parametrize("shared", [False, True], ids=["duckdb", "redis"])
def test_offline_batch_mode_simulates_a_job_and_resumes_it(resume_dir, tmp_path, request, shared):
    options = {"strategy": "batch", "batch_latency_s": 0.3, "latency_s": 0, **FAST_POLL}
    if shared:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        server = RedisServer(tmp_path)
        server.start()
        request.addfinalizer(server.stop)
        options.update(cache_url=server.url, semantic_cache=False)
    with pytest.raises(Stopped), pllm.resume_directory(resume_dir, **options) as orch:
        ask_all(orch, ["alpha question", "beta question"])
        orch.asker.batches().flush()
        raise Stopped  # after submitting, before the job ended
    with pllm.resume_directory(resume_dir, **options) as orch:
        answers = ask_all(orch, ["alpha question", "beta question"])
        assert "alpha" in answers[0].final_answer and "beta" in answers[1].final_answer
        assert answers[0].cost_usd == pytest.approx(
            cost_usd(
                "offline-small", answers[0].usage.input_tokens, answers[0].usage.output_tokens, batch=True
            )
        )
        batch_ids = {orch.store.call(a.call_id).response["batch_id"] for a in answers}
        assert len(batch_ids) == 1 and next(iter(batch_ids)).startswith("offline-batch-")
    with pllm.resume_directory(resume_dir, **options) as orch:
        assert orch.store.batch_entries() == {}, "collected requests are forgotten"


def test_batch_options_and_providers_without_a_batch_api_are_refused(resume_dir):
    class NoBatch(pllm.Provider):
        name = "nobatch"
        default_model = "m"

        def complete(self, request):
            raise AssertionError("not called")

    with pytest.raises(ConfigError, match="no batch API; use strategy='concurrent'"):
        pllm.resume_directory(resume_dir, provider=NoBatch(), strategy="batch")
    with pytest.raises(ConfigError, match="batch_size must be a positive int"):
        pllm.resume_directory(resume_dir, strategy="batch", batch_size=0)
    with pytest.raises(ConfigError, match="batch_poll_s must be seconds > 0"):
        pllm.resume_directory(resume_dir, strategy="batch", batch_poll_s=-1)


def test_batch_discount_is_half_price_and_overridable():
    assert (
        batch_discount("claude-sonnet-4-5")
        == batch_discount("gpt-4o")
        == batch_discount("gemini-2.5-pro")
        == 0.5
    )
    assert cost_usd("gpt-4o", 1000, 1000, batch=True) == pytest.approx(cost_usd("gpt-4o", 1000, 1000) / 2)
    set_price("my-batch-model", input=1.0, output=2.0, batch_discount=0.25)
    assert cost_usd("my-batch-model", 1_000_000, 0, batch=True) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="batch_discount is a share between 0 and 1"):
        set_price("my-batch-model", input=1.0, output=2.0, batch_discount=50)


def test_batched_answers_fill_the_semantic_cache_and_a_hit_skips_the_batch(resume_dir):
    options = {
        "strategy": "batch",
        "batch_latency_s": 0.1,
        "latency_s": 0,
        "semantic_cache": True,
        **FAST_POLL,
    }
    with pllm.resume_directory(resume_dir, **options) as orch:
        first = orch.agent("a").get_msg_state().ask_llm("What is the capital of France?")
        assert first.source == "live"
        second = orch.agent("b").get_msg_state().ask_llm("What is the capital of France?")
        assert second.source == "exact" and second.final_answer == first.final_answer
        assert "batch_id" not in orch.store.call(second.call_id).response


def test_an_expired_job_keeps_what_it_answered_and_the_rest_is_asked_again(
    resume_dir, protocol, fake, vendor_env
):
    fake.batches.expire_after = 1
    questions = ["first question", "second question", "third question"]
    with pytest.raises(ProviderError, match="(?i)expired"), open_dir(resume_dir, protocol, fake) as orch:
        answers = ask_all(orch, questions)
        assert "first question" in answers[0].final_answer
        with pytest.raises(ProviderError, match=r"(?i)request .* failed: .*expired"):
            answers[2].resolve()
    fake.batches.expire_after = None
    with open_dir(resume_dir, protocol, fake) as orch:
        again = ask_all(orch, questions)
        assert [a.source for a in again] == ["memo", "live", "live"]
    assert [len(job.requests) for job in fake.batches.jobs.values()] == [3, 2]


def test_a_memo_block_waits_for_its_batches_and_replays_without_one(resume_dir):
    options = {"strategy": "batch", "batch_latency_s": 0.05, "latency_s": 0, **FAST_POLL}

    def run() -> tuple[list[str], set[str], int]:
        with pllm.resume_directory(resume_dir, **options) as orch, orch.agent("a") as agt:
            conv = agt.get_msg_state()
            with agt.memoize("v1") as mem:
                mem.begin()
                conv.ask_llm("first question")
                conv.ask_llm("second question")  # carries the first answer: waits for the first batch
            ids = {
                orch.store.call(item.call_id).response.get("batch_id")
                for item in conv
                if hasattr(item, "call_id")
            }
            return [str(item) for item in conv], ids, orch.stats().llm_calls

    first, batch_ids, calls = run()
    assert len(batch_ids) == 2 and None not in batch_ids and calls == 2, (
        "one batch per turn of the conversation"
    )
    again, replayed_ids, calls = run()
    assert again == first and replayed_ids == batch_ids and calls == 0
