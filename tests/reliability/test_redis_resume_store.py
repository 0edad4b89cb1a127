"""resume_directory(cache_url=...): calls and memo entries shared through Redis, signed, and fail-open."""

from __future__ import annotations

import json
import logging

import pytest

import pllm_notebook as pllm
from pllm_notebook.errors import StoreError
from pllm_notebook.store.redis_resume_store import RedisResumeStore


@pytest.fixture(autouse=True)
def fresh_instances():
    RedisResumeStore._redis_instances.clear()
    yield
    RedisResumeStore._redis_instances.clear()


def _block(orch, name: str) -> tuple[str, bool]:
    agt = orch.agent(name)
    with agt.memoize() as mem:
        mem.begin()
        agt.get_msg_state().ask_llm(f"Say something about {name}.")
        agt.get_msg_state().append(b"bytes kept as a blob")
    return agt.get_msg_state()[-2].final_answer, bool(mem.hit)


def test_two_directories_share_memos_through_one_redis(tmp_path, redis_server, monkeypatch):
    with pllm.resume_directory(tmp_path / "a", cache_url=redis_server.url, semantic_cache=False) as orch:
        answer, hit = _block(orch, "writer")
    assert not hit and not (tmp_path / "a" / "pllm.duckdb").exists(), "nothing goes to the local file"
    RedisResumeStore._redis_instances.clear()  # as if in another process
    monkeypatch.setenv("PLLM_CACHE_URL", redis_server.url)
    with pllm.resume_directory(tmp_path / "b", semantic_cache=False) as orch:
        again, hit = _block(orch, "writer")
    assert hit and again == answer


def test_a_tampered_memo_in_redis_is_refused(tmp_path, redis_server, caplog):
    with pllm.resume_directory(tmp_path, cache_url=redis_server.url, semantic_cache=False) as orch:
        _block(orch, "writer")
    client = redis_server.client()
    (key, raw), *_ = client.hgetall("pllm:store:memos").items()
    memo = json.loads(raw)
    memo["payload"]["ops"][-1]["args"][0]["blob"] = "0" * 64
    client.hset("pllm:store:memos", key, json.dumps(memo))
    RedisResumeStore._redis_instances.clear()
    with (
        caplog.at_level(logging.WARNING, logger="pllm_notebook"),
        pllm.resume_directory(tmp_path, cache_url=redis_server.url, semantic_cache=False) as orch,
    ):
        _, hit = _block(orch, "writer")
    assert not hit
    assert "failed its integrity check" in caplog.text and "repair --trust" not in caplog.text


def test_redis_down_keeps_answers_and_saves_later(tmp_path, redis_server, caplog):
    with (
        caplog.at_level(logging.WARNING, logger="pllm_notebook"),
        pllm.resume_directory(tmp_path, cache_url=redis_server.url, semantic_cache=False) as orch,
    ):
        _block(orch, "before")
        redis_server.stop()
        answer, hit = _block(orch, "during")  # the call returns; the memo cannot be saved
        assert answer and not hit
        redis_server.start()
        later, hit = _block(orch, "after")  # saved, with the call that could not be saved before
        assert not hit
    assert caplog.text.count("could not save to") == 1, "the failed call write is reported once"
    assert "ran but could not be saved" in caplog.text
    RedisResumeStore._redis_instances.clear()
    with pllm.resume_directory(tmp_path, cache_url=redis_server.url, semantic_cache=False) as orch:
        assert _block(orch, "after") == (later, True)
        assert _block(orch, "during")[1] is False, "the block that ran while Redis was down runs again"


def test_an_unreachable_redis_is_a_clear_error_at_start(tmp_path):
    with pytest.raises(StoreError, match="cannot reach the shared store at redis://127.0.0.1:1/0"):
        pllm.resume_directory(tmp_path, cache_url="redis://127.0.0.1:1/0", semantic_cache=False)
