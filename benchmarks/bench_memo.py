"""Memo hit cost: entering ``agt.memoize()`` to reading the replayed ``final_answer``, 20-message conversation.

Runs pllm_notebook in this process and parallem 0.0.3 (same work, its own SQLite store, talking to a local
fake Chat Completions server) in a reference venv, and prints both medians side by side.

    python benchmarks/bench_memo.py [--hits 500]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from reference_env import reference_python  # noqa: E402

CONVERSATION = [f"Message {i}: a note about experiment {i} and its results." for i in range(20)]
PROMPT = "Summarise the notes above in one sentence."


def bench_pllm(hits: int) -> list[float]:
    import pllm_notebook as pllm

    with tempfile.TemporaryDirectory() as tmp, pllm.resume_directory(Path(tmp) / ".pllm") as orch:
        agt = orch.agent("bench")
        conv = agt.get_msg_state()
        conv.extend(CONVERSATION)
        samples = []
        for i in range(hits + 1):
            del conv[len(CONVERSATION) :]
            start = time.perf_counter()
            with agt.memoize() as mem:
                mem.begin()
                conv.ask_llm(PROMPT)
            answer = conv[-1].final_answer
            elapsed = time.perf_counter() - start
            assert answer
            if i > 0:  # the first pass is the miss that stores the entry
                samples.append(elapsed)
        assert orch.stats().memo_hits == hits
        return samples


PARALLEM_SCRIPT = textwrap.dedent(
    """
    import json, logging, sys, tempfile, time
    sys.path.insert(0, {here!r})
    import fake_chat_server
    from openai import OpenAI
    import parallem

    server = fake_chat_server.start()
    client = OpenAI(base_url=f"http://127.0.0.1:{{server.server_port}}/v1", api_key="bench-not-a-key")
    conversation, prompt, hits = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        with parallem.resume_directory(tmp, provider="openai-chat", client=client, log_level=logging.WARNING,
                                       llm="gpt-4o-mini") as orch:
            with orch.agent() as agt:
                conv = agt.get_msg_state()
                conv.extend(conversation)
                for i in range(hits + 1):
                    del conv[len(conversation):]
                    start = time.perf_counter()
                    with agt.memoize() as mem:
                        mem.begin()
                        conv.ask_llm(prompt)
                    answer = conv[-1].final_answer
                    elapsed = time.perf_counter() - start
                    assert answer
                    if i > 0:
                        samples.append(elapsed)
    print(json.dumps({{"samples": samples, "requests": server.requests}}))
    """
)


def bench_parallem(hits: int) -> tuple[list[float], int] | None:
    python = reference_python()
    if python is None:
        return None
    script = PARALLEM_SCRIPT.format(here=str(HERE))
    proc = subprocess.run(
        [python, "-c", script, json.dumps(CONVERSATION), PROMPT, str(hits)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        print("parallem run failed:\n" + proc.stderr[-2000:], file=sys.stderr)
        return None
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["samples"], result["requests"]


def _ms(samples: list[float], q: float) -> float:
    return (
        statistics.quantiles(samples, n=100)[int(q) - 1] * 1000
        if q != 50
        else statistics.median(samples) * 1000
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=500)
    args = parser.parse_args()
    ours = bench_pllm(args.hits)
    theirs = bench_parallem(args.hits)
    print(f"memo hit, 20-message conversation, {args.hits} hits (ms)")
    print(f"{'library':<16}{'median':>10}{'p90':>10}{'p99':>10}")
    print(f"{'pllm_notebook':<16}{_ms(ours, 50):>10.3f}{_ms(ours, 90):>10.3f}{_ms(ours, 99):>10.3f}")
    if theirs is None:
        print(f"{'parallem 0.0.3':<16}{'n/a':>10}")
    else:
        samples, requests = theirs
        print(
            f"{'parallem 0.0.3':<16}{_ms(samples, 50):>10.3f}{_ms(samples, 90):>10.3f}{_ms(samples, 99):>10.3f}"
        )
        print(f"(parallem made {requests} request(s) to the fake server: the one miss)")
    print("target: pllm_notebook median <= 0.5 ms and no slower than parallem")


if __name__ == "__main__":
    main()
