"""The resume store contract: the same checks against a DuckDB resume directory and a real Redis on loopback.

Every method the engine, the notebook, the dashboard and the tools call on a store is checked here on
both stores; "another process" is a second store object opened on the same directory or Redis prefix.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

import pllm_notebook as pllm
from pllm_notebook.errors import ConfigError, IntegrityError
from pllm_notebook.events import LLMCallStarted, MemoHit, MemoStored, bus
from pllm_notebook.store import BatchEntry, CallRecord, MemoRecord, ResumeStore, ResumeStoreBase
from pllm_notebook.store.redis_resume_store import RedisResumeStore
from pllm_notebook.store.resume_store import read_summary

SECRET = "sk-proj-FAKEfake0123456789abcdefXYZ"

Opener = Callable[[], ResumeStoreBase]


@pytest.fixture(params=["duckdb", "redis"])
def opener(request: pytest.FixtureRequest, resume_dir: Path) -> Opener:
    """Opens a new store object on one test's data: each call is what another process would see."""
    if request.param == "duckdb":
        return lambda: ResumeStore(resume_dir.resolve())
    url = request.getfixturevalue("redis_url")
    prefix = f"contract-{uuid.uuid4().hex[:8]}:"
    return lambda: RedisResumeStore(url, resume_dir.resolve(), prefix=prefix)


def call(call_id: str, resume_key: str | None, created: float, **extra) -> CallRecord:
    return CallRecord(
        call_id=call_id,
        resume_key=resume_key,
        agent="writer",
        provider="offline",
        model=extra.pop("model", "offline-small"),
        request={"messages": [{"role": "user", "content": f"question {call_id}"}]},
        text=f"answer {call_id}",
        created=created,
        **extra,
    )


def memo(key: str, label: str, created: float, kind: str = "block") -> MemoRecord:
    return MemoRecord(
        key=key,
        kind=kind,
        label=label,
        agent="writer",
        inputs={"salt": key},
        payload={"ops": []},
        created=created,
    )


def test_both_stores_are_the_interface_with_nothing_left_abstract(opener: Opener) -> None:
    store = opener()
    assert isinstance(store, ResumeStoreBase)
    assert not type(store).__abstractmethods__
    assert not issubclass(RedisResumeStore, ResumeStore) and not issubclass(ResumeStore, RedisResumeStore)
    assert store.directory is not None and store.where
    assert store.memo("nothing here") is None and store.calls() == [] and store.memos() == []


def test_calls_are_found_by_id_and_resume_key_here_and_elsewhere(opener: Opener) -> None:
    store = opener()
    store.put_call(call("c1", "rk", 1.0))
    store.put_call(call("c0", None, 0.5))
    store.put_call(call("c2", "rk", 2.0))  # asked again under the same key (ignore_cache)
    assert store.call("c1").response_text == "answer c1", "visible at once in this process"
    assert store.call_for_resume_key("rk").call_id == "c2", "the newest call answers its key"
    assert store.flush(timeout=30)
    other = opener()
    assert [c.call_id for c in other.calls()] == ["c0", "c1", "c2"], "oldest first, none replaced"
    assert other.call_for_resume_key("rk").call_id == "c2"
    assert other.call("c1").request == store.call("c1").request
    assert other.call_for_resume_key("unknown") is None and other.call("unknown") is None


def test_memo_entries_are_signed_replaced_found_and_deleted(opener: Opener) -> None:
    store = opener()
    store.put_memo(memo("k-old", "cell:a", 1.0))
    store.put_memo(memo("k-new", "cell:a", 2.0))
    store.put_memo(memo("k-new", "cell:a", 3.0))  # stored again under its key: replaced, not added
    store.put_memo(memo("k-cell", "cell:a", 4.0, kind="cell"))
    assert store.memo("k-new").mac, "signed when stored"
    other = opener()
    assert [m.key for m in other.memos()] == ["k-old", "k-new", "k-cell"]
    assert other.memo("k-new").created == 3.0
    assert other.latest_memo("cell:a", "block").key == "k-new"
    assert other.latest_memo("cell:b", "block") is None
    other.delete_memo("k-old")
    assert other.memo("k-old") is None
    assert opener().memo("k-old") is None, "deleted for every process"
    assert store.memo("k-old") is None, "a store that mirrored it follows the deletion"


def test_an_entry_signed_with_another_key_is_refused_and_counted(
    opener: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    opener().put_memo(memo("k", "cell:a", 1.0))
    monkeypatch.setenv("PLLM_INTEGRITY_KEY", "someone else's key")
    other = opener()
    assert other.memo("k") is None
    assert [m.key for m in other.refused_memos] == ["k"]
    assert other.summary().refused == 1 and other.summary().memos == 1


def test_blobs_round_trip_and_a_missing_one_is_an_integrity_error(opener: Opener) -> None:
    store = opener()
    digest = store.blobs.put(b"pickled bytes")
    assert store.blobs.put(b"pickled bytes") == digest
    assert opener().blobs.get(digest) == b"pickled bytes"
    assert store.blobs.exists(digest) and not store.blobs.exists("0" * 64)
    assert store.blobs.usage() == (1, len(b"pickled bytes"))
    with pytest.raises(IntegrityError, match="missing"):
        store.blobs.get("0" * 64)


def test_batch_requests_are_kept_until_dropped(opener: Opener) -> None:
    store = opener()
    entries = [BatchEntry("b1", "offline", "m", f"id{i}", f"rk{i}", created=1.0) for i in range(2)]
    store.put_batch_entries(entries)
    assert opener().batch_entries() == {e.resume_key: e for e in entries}
    store.drop_batch_entries(["rk0"])
    assert store.flush(timeout=30)
    assert opener().batch_entries() == {"rk1": entries[1]}


def test_the_activity_log_holds_this_stores_events_in_order_and_redacted(opener: Opener) -> None:
    store = opener()
    directory = str(store.directory)
    before = store.generation()
    bus.emit(
        LLMCallStarted(
            call_id="c1",
            agent="writer",
            provider="offline",
            model="m",
            prompt=f"key {SECRET}",
            directory=directory,
        )
    )
    bus.emit(MemoHit(key="k", label="cell:a", agent="writer", time_saved_s=2.0, directory=directory))
    bus.emit(MemoHit(key="other", label="cell:z", agent="writer", directory="/another/directory"))
    assert store.flush(timeout=30)
    assert store.generation() != before, "a logged event moves the change stamp"
    logged = opener().activity_since(0)
    assert [type(e).__name__ for _, e in logged] == ["LLMCallStarted", "MemoHit"]
    seqs = [n for n, _ in logged]
    assert seqs == sorted(set(seqs)) and seqs[0] > 0
    assert SECRET not in logged[0][1].prompt and logged[0][1].prompt.startswith("key ")
    assert logged[1][1].time_saved_s == 2.0 and logged[1][1].directory == directory
    assert store.activity_since(seqs[-1]) == []
    bus.emit(MemoStored(key="k2", label="cell:b", agent="writer", duration_s=1.0, directory=directory))
    assert store.flush(timeout=30)
    newer = store.activity_since(seqs[-1])
    assert [(type(e).__name__, e.key) for _, e in newer] == [("MemoStored", "k2")] and newer[0][0] > seqs[-1]


def test_history_and_summary_count_the_same_calls_and_entries(opener: Opener) -> None:
    store = opener()
    store.put_call(call("c1", "rk1", 10.0, input_tokens=100, output_tokens=10, cost_usd=0.5))
    store.put_call(call("c2", "rk2", 20.0, input_tokens=50, output_tokens=5, cost_usd=0.25, model="big"))
    store.put_call(call("c3", "rk3", 30.0, input_tokens=1, output_tokens=1, cost_usd=0.0))
    store.put_memo(memo("k1", "cell:a", 11.0, kind="cell"))
    store.put_memo(memo("k2", "b", 21.0))
    store.put_memo(memo("k3", "b", 31.0))
    assert store.flush(timeout=30)
    other = opener()
    history = other.history()
    assert [c.call_id for c in history.calls] == ["c1", "c2", "c3"]
    assert [m.key for m in history.memos] == ["k1", "k2", "k3"]
    summary = other.summary()
    assert (summary.calls, summary.input_tokens, summary.output_tokens) == (3, 151, 16)
    assert summary.cost_usd == pytest.approx(0.75)
    assert (summary.first_call, summary.last_call) == (10.0, 30.0)
    assert summary.models == [("offline-small", 2), ("big", 1)]
    assert (summary.memos, summary.memos_by_kind, summary.unsigned, summary.refused) == (
        3,
        {"block": 2, "cell": 1},
        0,
        0,
    )
    if isinstance(other, ResumeStore):  # what `info DIR` reads without opening the store says the same
        assert read_summary(other.db) == summary


def test_a_size_budget_on_a_redis_store_is_refused_by_name(resume_dir: Path, redis_url: str) -> None:
    with pytest.raises(
        ConfigError, match="max_bytes= budgets a resume directory; with cache_url= Redis holds"
    ):
        pllm.resume_directory(resume_dir, cache_url=redis_url, semantic_cache=False, max_bytes=10_000)
    assert ResumeStore(resume_dir.resolve()).keep_within(10_000) is None, "a directory takes the budget"
