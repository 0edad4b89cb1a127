"""A memo hit is served from memory, yet never misses another process's entry nor trusts a stale hash."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pllm_notebook as pllm

BLOCK = textwrap.dedent(
    """
    def run(orch):
        agt = orch.agent("shared")
        conv = agt.get_msg_state()
        with agt.memoize(salt="fresh") as mem:
            mem.begin()
            conv.ask_llm("What did the other process find?")
        return conv[-1].final_answer
    """
)

OTHER_PROCESS = textwrap.dedent(
    """
    import runpy, sys
    import pllm_notebook as pllm
    block = runpy.run_path(sys.argv[2])
    with pllm.resume_directory(sys.argv[1]) as orch:
        orch.agent("shared").get_msg_state().extend(["notes", "more notes"])
        print(block["run"](orch))
    """
)


def test_a_hit_sees_an_entry_another_process_committed_after_this_one_opened(resume_dir, tmp_path):
    block_file = tmp_path / "block.py"
    block_file.write_text(BLOCK)
    import runpy

    block = runpy.run_path(str(block_file))
    with pllm.resume_directory(resume_dir) as orch:
        orch.agent("shared").get_msg_state().extend(["notes", "more notes"])
        assert orch.store.memos() == []  # this process has read the (empty) directory already
        other = subprocess.run(
            [sys.executable, "-c", OTHER_PROCESS, str(resume_dir), str(block_file)],
            capture_output=True,
            text=True,
            env={**os.environ, "PLLM_OFFLINE_LATENCY": "0"},
            timeout=120,
        )
        assert other.returncode == 0, other.stderr
        answer = block["run"](orch)
        stats = orch.stats()
    assert answer == other.stdout.strip()
    assert (stats.memo_hits, stats.llm_calls) == (1, 0)


EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.text(max_size=3)),
        st.tuples(st.just("setitem"), st.integers(0, 5), st.text(max_size=3)),
        st.tuples(st.just("insert"), st.integers(-3, 6), st.text(max_size=3)),
        st.tuples(st.just("delitem"), st.integers(0, 5)),
        st.tuples(st.just("delslice"), st.integers(0, 5)),
        st.tuples(st.just("setslice"), st.integers(0, 3), st.lists(st.text(max_size=3), max_size=3)),
        st.tuples(st.just("pop"), st.integers(-2, 5)),
        st.tuples(st.just("sort")),
        st.tuples(st.just("reverse")),
    ),
    max_size=12,
)


def _edit(items, edit) -> None:
    kind, *args = edit
    if kind == "append":
        items.append(args[0])
    elif kind == "insert":
        items.insert(args[0], args[1])
    elif kind == "sort":
        items.sort()
    elif kind == "reverse":
        items.reverse()
    elif not len(items):
        return
    elif kind == "setitem":
        items[args[0] % len(items)] = args[1]
    elif kind == "delitem":
        del items[args[0] % len(items)]
    elif kind == "delslice":
        del items[args[0] % len(items) :]
    elif kind == "setslice":
        items[args[0] % len(items) :] = args[1]
    elif kind == "pop":
        items.pop(args[0] % len(items))


@pytest.fixture(scope="module")
def orch(tmp_path_factory):
    with pllm.resume_directory(tmp_path_factory.mktemp("edits") / ".pllm") as orch:
        yield orch


@settings(max_examples=150, deadline=None)
@given(start=st.lists(st.text(max_size=3), max_size=6), edits=EDITS)
def test_a_conversation_edited_through_the_list_api_never_keeps_a_stale_hash(orch, start, edits):
    conv = orch.agent(f"edited-{len(orch.agents)}").get_msg_state()
    conv.extend(start)
    conv.state_hash()  # hashes are cached from here on
    expected = list(start)
    for edit in edits:
        _edit(conv, edit)
        _edit(expected, edit)
        fresh = orch.agent(f"fresh-{len(orch.agents)}").get_msg_state()
        fresh.extend(expected)
        assert list(conv) == expected
        assert conv.state_hash() == fresh.state_hash()
