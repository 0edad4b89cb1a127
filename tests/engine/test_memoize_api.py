"""The Python API as a user of parallem would use it: memo blocks, resumable calls, salts, ignore_cache."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import pllm_notebook as pllm


def run_block(directory: Path, prompt: str = "What is special about 42?", salt=None, **options):
    """One 'run' of a tiny script: an agent asks inside a memo block; returns (answer, source, stats)."""
    with pllm.resume_directory(directory, **options) as orch:
        agt = orch.agent("writer")
        conv = agt.get_msg_state()
        with agt.memoize(salt=salt) as mem:
            mem.begin()
            conv.ask_llm(prompt)
        return conv[-1].final_answer, conv[-1].source, orch.stats()


def test_hit_replays_the_same_answer_with_no_live_call(resume_dir):
    first, source1, stats1 = run_block(resume_dir)
    second, source2, stats2 = run_block(resume_dir)
    assert (source1, stats1.llm_calls, stats1.memo_misses) == ("live", 1, 1)
    assert second == first
    assert (source2, stats2.llm_calls, stats2.memo_hits) == ("memo", 0, 1)
    assert stats2.tokens_saved > 0 and stats2.cost_saved_usd > 0


def test_a_fresh_process_replays_from_disk(resume_dir):
    first, _, _ = run_block(resume_dir)
    script = textwrap.dedent(
        f"""
        import pllm_notebook as pllm
        with pllm.resume_directory({str(resume_dir)!r}) as orch:
            agt = orch.agent("writer")
            conv = agt.get_msg_state()
            with agt.memoize(salt=None) as mem:
                mem.begin()
                conv.ask_llm("What is special about 42?")
            print(conv[-1].source, orch.stats().llm_calls)
            print(conv[-1].final_answer)
        """
    )
    # The block's source differs from run_block's, so this process must miss, then hit on a re-run.
    out1 = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    out2 = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out1.splitlines()[0] == "memo 0", "the call itself resumes from the call log of the first run"
    assert out1.splitlines()[1] == first
    assert out2.splitlines() == out1.splitlines()


def test_two_blocks_from_the_same_state_do_not_collide(resume_dir):
    with pllm.resume_directory(resume_dir) as orch:
        a, b = orch.agent("a"), orch.agent("a2")
        with a.memoize() as mem:
            mem.begin()
            a.get_msg_state().append("first block")
        with b.memoize() as mem:
            mem.begin()
            b.get_msg_state().append("second block")
    with pllm.resume_directory(resume_dir) as orch:
        agt = orch.agent("a")
        with agt.memoize() as mem:
            mem.begin()
            agt.get_msg_state().append("block one")
        with agt.memoize() as mem:
            mem.begin()
            agt.get_msg_state().append("block two, same starting state as nothing before")
        assert agt.get_msg_state().copy() == ["block one", "block two, same starting state as nothing before"]
        assert orch.stats().memo_hits == 0


def test_same_state_different_blocks_in_a_loop_do_not_replay_each_other(resume_dir):
    def run():
        with pllm.resume_directory(resume_dir) as orch:
            results = {}
            for name in ("x", "y"):
                agt = orch.agent(name)
                if name == "x":
                    with agt.memoize() as mem:
                        mem.begin()
                        agt.get_msg_state().ask_llm("Name a colour")
                else:
                    with agt.memoize() as mem:
                        mem.begin()
                        agt.get_msg_state().ask_llm("Name a colour")
                        agt.get_msg_state().append("extra step only block y does")
                results[name] = agt.get_msg_state().copy()
            return results, orch.stats()

    first, _ = run()
    second, stats = run()
    assert second["y"][-1] == "extra step only block y does"
    assert len(second["x"]) == 2 and len(second["y"]) == 3
    assert [str(i) for i in second["x"]] == [str(i) for i in first["x"]]
    assert stats.memo_hits == 2 and stats.llm_calls == 0


def test_a_block_that_raises_stores_nothing_and_runs_again(resume_dir):
    runs = []

    def attempt(fail: bool):
        with pllm.resume_directory(resume_dir) as orch:
            agt = orch.agent("w")
            with agt.memoize() as mem:
                mem.begin()
                runs.append("ran")
                agt.get_msg_state().ask_llm("Summarise the paper")
                if fail:
                    raise RuntimeError("boom")
            return orch.stats()

    with pytest.raises(RuntimeError, match="boom"):
        attempt(fail=True)
    stats = attempt(fail=False)
    assert runs == ["ran", "ran"], "the block ran again: nothing of the failed run was replayed"
    assert stats.memo_hits == 0 and stats.memo_misses == 1
    assert stats.llm_calls == 0 and stats.calls_replayed == 1, "the paid call resumed from the call log"
    assert attempt(fail=True).memo_hits == 1, "the successful run was stored and now replays"


def test_a_conversation_that_already_holds_a_response_can_be_memoized(resume_dir):
    def run():
        with pllm.resume_directory(resume_dir) as orch:
            agt = orch.agent("w")
            conv = agt.get_msg_state()
            conv.ask_llm("First question")
            with agt.memoize() as mem:
                mem.begin()
                conv.ask_llm("Follow-up question")
            return [str(x) for x in conv], orch.stats()

    first, _ = run()
    second, stats = run()
    assert second == first and len(second) == 4
    assert stats.memo_hits == 1 and stats.llm_calls == 0


def test_salt_separates_entries_and_salts_the_calls(resume_dir):
    a, _, _ = run_block(resume_dir, salt="v1")
    b, source_b, stats_b = run_block(resume_dir, salt="v2")
    assert source_b == "live" and stats_b.llm_calls == 1, "a new memo salt means fresh calls"
    assert a != b
    again, source, _ = run_block(resume_dir, salt="v1")
    assert (again, source) == (a, "memo")


def test_ignore_cache_runs_live_and_overwrites(resume_dir):
    first, _, _ = run_block(resume_dir)
    forced, source, stats = run_block(resume_dir, ignore_cache=True)
    assert source == "live" and stats.llm_calls == 1 and forced != first
    replayed, source, _ = run_block(resume_dir)
    assert (replayed, source) == (forced, "memo"), "the forced run replaced the stored entry"


def test_ask_llm_resumes_outside_memo_and_keeps_samples_apart(resume_dir):
    def run():
        with pllm.resume_directory(resume_dir) as orch:
            answers = []
            for _ in range(2):
                agt = orch.agent(f"sampler-{len(answers)}")
                answers.append(str(agt.get_msg_state().ask_llm("Same prompt")))
            same_agent = orch.agent("repeat")
            conv = same_agent.get_msg_state()
            conv.ask_llm("Tell me a joke")
            conv.clear()
            conv.ask_llm("Tell me a joke")
            answers.append(str(conv[-1]))
            answers.append(str(same_agent.get_msg_state()[-1]))
            return answers, orch.stats()

    first, stats1 = run()
    second, stats2 = run()
    assert stats1.llm_calls == 4
    assert second == first and stats2.llm_calls == 0 and stats2.calls_replayed == 4


def test_two_asks_of_one_prompt_are_two_samples_replayed_in_order(resume_dir):
    def run():
        with pllm.resume_directory(resume_dir) as orch:
            conv = orch.agent("s").get_msg_state()
            samples = []
            for _ in range(3):
                samples.append(str(conv.ask_llm("Give me a random number")))
                del conv[-2:]
            return samples, orch.stats()

    first, stats1 = run()
    second, stats2 = run()
    assert stats1.llm_calls == 3 and len(set(first)) == 3
    assert second == first and stats2.llm_calls == 0


def test_model_is_part_of_the_call_key(resume_dir):
    with pllm.resume_directory(resume_dir) as orch:
        a = orch.agent("m").get_msg_state().ask_llm("Hello", llm="offline-small")
    with pllm.resume_directory(resume_dir) as orch:
        b = orch.agent("m").get_msg_state().ask_llm("Hello", llm="offline-large")
        assert b.source == "live" and b.model == "offline-large"
    assert a.final_answer != b.final_answer
    with pllm.resume_directory(resume_dir, hash_by=[]) as orch:
        orch.agent("n").get_msg_state().ask_llm("Hello", llm="offline-small")
    with pllm.resume_directory(resume_dir, hash_by=[]) as orch:
        c = orch.agent("n").get_msg_state().ask_llm("Hello", llm="offline-other")
    assert c.source == "memo", "with hash_by=[] the model is left out of the key"


def test_memoize_without_begin_warns_and_stores_nothing(resume_dir):
    with pllm.resume_directory(resume_dir) as orch:
        agt = orch.agent("w")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with agt.memoize():
                agt.get_msg_state().append("x")
        assert any("begin()" in str(w.message) for w in caught)
        assert orch.store.memos() == []


def test_every_list_mutation_replays(resume_dir):
    def run():
        with pllm.resume_directory(resume_dir) as orch:
            agt = orch.agent("lists")
            conv = agt.get_msg_state()
            conv.extend(["b", "a", "c"])
            with agt.memoize() as mem:
                mem.begin()
                conv.append("d")
                conv.insert(0, ("system", "be brief"))
                conv[1] = "B"
                conv += ["e", "f"]
                del conv[2]
                conv.pop()
                conv.remove("d")
                conv.reverse()
                conv.sort(key=str)
                conv[0:1] = ["first", "second"]
                conv.ask_llm("and now?")
            return [str(x) for x in conv], orch.stats()

    first, _ = run()
    second, stats = run()
    assert stats.memo_hits == 1
    assert second == first


def test_clear_errors_for_bad_arguments(resume_dir):
    with pytest.raises(pllm.ConfigError, match="strategy"):
        pllm.resume_directory(resume_dir, strategy="fast")
    with pytest.raises(ValueError, match="unknown provider 'nope'"):
        pllm.resume_directory(resume_dir, provider="nope")
    with pllm.resume_directory(resume_dir) as orch:
        with pytest.raises(ValueError, match="non-empty string"):
            orch.agent("")
        with pytest.raises(TypeError, match="cannot be sent to an LLM"):
            orch.agent("x").get_msg_state().ask_llm(object())


def test_log_level_drives_the_pllm_notebook_logger(resume_dir, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="pllm_notebook")
    run_block(resume_dir, log_level=logging.INFO)
    assert any("memo miss" in r.getMessage() for r in caplog.records)


def test_a_memo_whose_calls_are_lost_runs_again_instead_of_failing(resume_dir):
    from pllm_notebook.store import Database

    run_block(resume_dir)
    with Database(resume_dir).transaction() as con:  # what a damaged copy of a directory looks like
        con.execute("INSERT INTO deletions SELECT nextval('change_seq'), 'calls', call_id, 0 FROM calls")
        con.execute("DELETE FROM calls")
    answer, source, stats = run_block(resume_dir)
    assert source == "live" and stats.memo_misses == 1 and stats.memo_hits == 0
    assert "unreadable" in stats.last_miss_reason
    assert run_block(resume_dir)[:2] == (answer, "memo"), "the re-run was stored and replays again"


def test_a_block_misses_when_the_default_model_changed(resume_dir):
    run_block(resume_dir, llm="offline-small")
    _, source, stats = run_block(resume_dir, llm="offline-large")
    assert (source, stats.memo_misses, stats.last_miss_reason) == (
        "live",
        1,
        "model changed: offline-small -> offline-large",
    )
    _, source, stats = run_block(resume_dir, llm="offline-large")
    assert (source, stats.memo_hits) == ("memo", 1)


def test_a_block_misses_when_a_file_it_read_changed(resume_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "notes.txt"

    def run() -> str:
        with pllm.resume_directory(resume_dir) as orch:
            agt = orch.agent("reader")
            with agt.memoize() as mem:
                mem.begin()
                agt.get_msg_state().ask_llm(data.read_text())
            return orch.stats().last_miss_reason

    data.write_text("What is 6 x 7?")
    assert run() == "new"
    assert run() == ""
    data.write_text("What is 6 x 9?")
    assert run() == "file notes.txt changed"


def test_configure_keeps_conversations_or_says_how_to_get_a_fresh_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = pllm.api.default_options()
    try:
        pllm.configure(directory=str(tmp_path / "one"), provider="offline", llm="offline-small")
        conv = pllm.agent("writer").get_msg_state()
        conv.ask_llm("Hello?")
        pllm.configure(llm="offline-large")
        conv.ask_llm("And again?")
        assert conv is pllm.agent("writer").get_msg_state()
        assert [r.model for r in conv.responses()] == ["offline-small", "offline-large"]
        pllm.configure(directory=str(tmp_path / "two"))
        with pytest.raises(pllm.ConfigError, match=r"get it again with pllm.agent\('writer'\)"):
            conv.ask_llm("Still there?")
    finally:
        pllm.configure(**{"llm": None, **before})


def test_a_block_misses_when_the_provider_or_the_model_from_the_environment_changed(resume_dir, monkeypatch):
    from pllm_notebook.providers.offline import OfflineProvider

    class OtherVendor(OfflineProvider):
        name = "other-vendor"

    run_block(resume_dir)
    monkeypatch.setenv("PLLM_OFFLINE_MODEL", "offline-large")
    _, source, stats = run_block(resume_dir)
    assert (source, stats.last_miss_reason) == ("live", "model changed: offline-small -> offline-large")
    _, _, stats = run_block(resume_dir, provider=OtherVendor(latency_s=0))
    assert (stats.memo_misses, stats.last_miss_reason) == (1, "provider changed: offline -> other-vendor")
