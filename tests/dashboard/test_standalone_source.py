"""What the standalone dashboard reads from a resume directory, and how its command treats bad input."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import pllm_notebook as pllm
from pllm_notebook.cli import main
from pllm_notebook.dashboard.follower import DirectoryFollower
from pllm_notebook.dashboard.model import DashboardModel


def run_block(directory: Path, salt: str) -> None:
    with pllm.resume_directory(directory) as orch:
        agt = orch.agent("writer")
        with agt.memoize(salt) as mem:
            mem.begin()
            agt.get_msg_state().ask_llm("List two rivers")


def test_follower_turns_committed_rows_into_feed_rows_and_counts(resume_dir: Path) -> None:
    run_block(resume_dir, "a")
    model = DashboardModel(str(resume_dir.resolve()))
    follower = DirectoryFollower(resume_dir, model)
    changes = []
    follower.add_listener(lambda: changes.append(1))
    assert follower.poll() is True
    assert follower.poll() is False  # nothing new: one stat, no read
    snap = model.snapshot
    assert snap.totals.llm_calls == 1
    assert [r.kind for r in snap.feed] == ["done", "memo miss"]
    assert snap.feed[0].text == "List two rivers"
    assert [(c.hits, c.misses) for c in snap.cells] == [(0, 1)]

    run_block(resume_dir, "b")
    assert follower.poll() is True
    assert model.snapshot.totals.llm_calls == 2
    assert len(changes) == 2


def test_a_follower_opened_after_two_runs_shows_their_whole_history(resume_dir: Path) -> None:
    run_block(resume_dir, "a")  # a miss: the block runs and is stored
    run_block(resume_dir, "a")  # a hit: only the activity log knows
    model = DashboardModel(str(resume_dir.resolve()))
    DirectoryFollower(resume_dir, model).poll()
    snap = model.snapshot
    assert (snap.totals.memo_hits, snap.totals.memo_misses, snap.totals.llm_calls) == (1, 1, 1)
    assert snap.totals.time_saved_s > 0
    assert [(c.hits, c.misses) for c in snap.cells] == [(1, 1)]
    assert [r.kind for r in snap.feed] == ["memo hit", "done", "memo miss"]


def test_dashboard_command_rejects_a_folder_that_is_not_a_resume_directory(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="is not a resume directory"):
        main(["dashboard", str(tmp_path / "nowhere")])
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    ("options", "env", "refusal"),
    [
        (
            ["--address", "0.0.0.0"],
            {},
            "refusing --address 0.0.0.0 without a token: other machines can reach it",
        ),
        (["--address", "192.168.1.7"], {}, "Set PLLM_DASHBOARD_TOKEN"),
        (["--no-token"], {}, "add --i-know"),
        (["--address", "0.0.0.0", "--no-token"], {}, "add --i-know"),
        (["--token", "short"], {}, "at least 16 characters"),
        (
            ["--no-token", "--i-know"],
            {"PLLM_DASHBOARD_TOKEN": "a-token-given-in-the-environment"},
            "contradicts",
        ),
    ],
)
def test_dashboard_command_refuses_to_serve_without_a_deliberate_token(
    resume_dir: Path, monkeypatch: pytest.MonkeyPatch, options: list[str], env: dict[str, str], refusal: str
) -> None:
    run_block(resume_dir, "a")
    monkeypatch.delenv("PLLM_DASHBOARD_TOKEN", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=refusal):
        main(["dashboard", str(resume_dir), *options])


def test_the_token_comes_from_the_environment_and_leaves_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from pllm_notebook.cli import build_parser
    from pllm_notebook.dashboard.access import token_from

    parser = build_parser()
    monkeypatch.setenv("PLLM_DASHBOARD_TOKEN", "a-token-given-in-the-environment")
    args = parser.parse_args(["dashboard", "d", "--address", "0.0.0.0"])
    assert token_from(args) == "a-token-given-in-the-environment"
    assert "PLLM_DASHBOARD_TOKEN" not in os.environ  # processes this one starts do not inherit it
    first, second = (token_from(parser.parse_args(["dashboard", "d"])) for _ in range(2))
    assert len(first) >= 40 and first != second  # a fresh random token each start
    assert (
        token_from(parser.parse_args(["dashboard", "d", "--address", "::1", "--no-token", "--i-know"]))
        is None
    )


def test_command_line_and_magics_do_not_import_panel(python_exe: str) -> None:
    code = (
        "import sys; from pllm_notebook.cli import build_parser; build_parser(); "
        "import pllm_notebook.dashboard.magics, pllm_notebook.dashboard; print('panel' in sys.modules)"
    )
    out = subprocess.run([python_exe, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def _wait_for(condition, follower: DirectoryFollower, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, (
            f"the follower never saw it: {[r.kind for r in follower.model.flush().feed]}"
        )
        follower.poll()
        time.sleep(0.05)


def test_follower_shows_another_process_replaying_and_calling(resume_dir: Path, python_exe: str) -> None:
    import os
    import textwrap

    run_block(resume_dir, "a")
    model = DashboardModel(str(resume_dir.resolve()))
    follower = DirectoryFollower(resume_dir, model)
    follower.poll()
    kernel = textwrap.dedent(
        f"""
        import sys
        import pllm_notebook as pllm
        with pllm.resume_directory({str(resume_dir)!r}) as orch:
            agt = orch.agent("writer")
            with agt.memoize("a") as mem:
                mem.begin()
                agt.get_msg_state().ask_llm("List two rivers")
            orch.agent("slow").get_msg_state().ask_llm(sys.argv[1])
        """
    )
    # the block's source differs from run_block's, so it is stored once, then replayed by a second run
    quick = {**os.environ, "PLLM_OFFLINE_LATENCY": "0"}
    subprocess.run([python_exe, "-c", kernel, "A quick question"], check=True, env=quick)
    slow = {**os.environ, "PLLM_OFFLINE_LATENCY": "4"}
    proc = subprocess.Popen([python_exe, "-c", kernel, "A question that takes a while"], env=slow)
    try:
        _wait_for(lambda: any(r.kind == "memo hit" for r in model.flush().feed), follower)
        _wait_for(lambda: any(r.kind == "in flight" for r in model.flush().feed), follower)
        assert proc.wait(timeout=60) == 0
        _wait_for(lambda: not any(r.kind == "in flight" for r in model.flush().feed), follower)
    finally:
        proc.kill()
    snap = model.flush()
    assert snap.totals.memo_hits >= 1
    assert "A question that takes a while" in [r.text for r in snap.feed]
