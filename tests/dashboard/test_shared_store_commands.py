"""``pllm-notebook dashboard`` and ``pllm-notebook info`` given the Redis URL of a shared store (``cache_url=``),
against a real redis-server filled by real runs in other processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest
from dashboard_browser import free_port, stop_process, wait_for_http

from pllm_notebook.cli import main
from pllm_notebook.store.redis_resume_store import RedisResumeStore

TOKEN = "shared-store-test-token-0123456789"
KERNEL = """
import sys
import pllm_notebook as pllm
with pllm.resume_directory(sys.argv[1], cache_url=sys.argv[2], semantic_cache=False) as orch:
    agt = orch.agent("writer")
    with agt.memoize(sys.argv[3]) as mem:
        mem.begin()
        agt.get_msg_state().ask_llm("List two rivers")
"""


def run_kernel(directory: Path, url: str, salt: str) -> None:
    """One run of a memoized block in its own process, as a notebook kernel on another machine would."""
    subprocess.run([sys.executable, "-c", textwrap.dedent(KERNEL), str(directory), url, salt], check=True)


def database(redis_url: str, number: int) -> str:
    """The URL of another database of the module's redis-server, so each test starts from an empty store."""
    return f"{redis_url.rsplit('/', 1)[0]}/{number}"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pllm_notebook.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_the_dashboard_follows_a_redis_store_that_other_processes_write(
    tmp_path: Path, redis_url: str
) -> None:
    from pllm_notebook.dashboard.serve import build_app

    run_kernel(tmp_path / "a", redis_url, "a")  # a miss: the block runs and is stored
    run_kernel(tmp_path / "b", redis_url, "a")  # a hit, from another directory: only the activity log knows
    store = RedisResumeStore(redis_url)
    _, follower = build_app(store, cache_url=redis_url)
    follower.close()  # polled once on start; from here on this test polls
    model = follower.model
    snap = model.flush()
    assert snap.totals.memo_hits == 1 and snap.totals.memo_misses == 1 and snap.totals.llm_calls == 1
    assert snap.totals.time_saved_s > 0
    assert [r.kind for r in snap.feed] == ["memo hit", "done", "memo miss"]
    assert snap.feed[1].text == "List two rivers"
    assert [(c.hits, c.misses) for c in snap.cells] == [(1, 1)]

    assert follower.poll() is False, "nothing new: one round trip, no read"
    run_kernel(tmp_path / "a", redis_url, "b")
    assert follower.poll() is True
    assert model.flush().totals.llm_calls == 2


def test_info_describes_a_redis_store_filled_by_a_run(tmp_path: Path, redis_url: str) -> None:
    redis_url = database(redis_url, 1)
    run_kernel(tmp_path / "a", redis_url, "a")
    run_kernel(tmp_path / "a", redis_url, "a")
    result = cli("info", redis_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"shared store {redis_url} (pllm:store:)")
    assert "  calls      1 (" in out and "  models     offline-small (1)" in out
    assert "  memos      1 (1 block)" in out and "refused" not in out
    assert "  activity   5 events logged" in out, "started, finished, missed, stored, then replayed"
    other = cli("info", redis_url, "--prefix", "another-team:")
    assert other.returncode == 0 and "  calls      0 (" in other.stdout and "  memos      0" in other.stdout


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("redis://127.0.0.1:1/0", 1, "cannot reach the shared store at redis://127.0.0.1:1/0 (pllm:store:)"),
        ("redis://127.0.0.1:port/0", 2, "'redis://127.0.0.1:port/0' is not a Redis URL"),
        (
            "redis://:hunter2secret@127.0.0.1:1/0",
            1,
            "cannot reach the shared store at redis://***@127.0.0.1:1/0",
        ),
    ],
)
def test_a_bad_or_unreachable_url_is_named_by_both_commands(
    url: str, status: int, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", url]) == status
    assert says in capsys.readouterr().err
    with pytest.raises(
        SystemExit,
        match=re.escape(f"pllm-notebook dashboard: {says}"),
    ) as exited:
        main(["dashboard", url])
    assert "hunter2secret" not in str(exited.value)


@pytest.mark.parametrize(
    "argv",
    [
        ["gc", "redis://127.0.0.1:1/0"],
        ["repair", "rediss://h/0"],
        ["import", "b.bundle", "--dir", "redis://h/0"],
    ],
)
def test_commands_that_need_a_directory_refuse_a_store_url_by_name(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    said = capsys.readouterr().err
    assert f"{argv[0]} works on a resume directory, not on a shared store URL" in said
    assert "pllm-notebook info URL" in said


def test_the_dashboard_command_serves_a_redis_url(tmp_path: Path, redis_url: str) -> None:
    redis_url = database(redis_url, 2)
    run_kernel(tmp_path / "a", redis_url, "a")
    port = free_port()
    log_path = tmp_path / "dashboard.log"
    env = {**os.environ, "PLLM_DASHBOARD_TOKEN": TOKEN}
    command = [sys.executable, "-m", "pllm_notebook.cli", "dashboard", redis_url, "--port", str(port)]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/", server)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/", headers={"Authorization": f"token {TOKEN}"}
            )
            with urllib.request.urlopen(request, timeout=60) as page:
                assert page.status == 200 and b"pllm dashboard" in page.read()
        finally:
            stop_process(server)
    output = log_path.read_text()
    assert f"pllm dashboard for {redis_url} (pllm:store:) at http://127.0.0.1:{port}/?token=" in output
    assert "Traceback" not in output
