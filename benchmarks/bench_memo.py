"""Memo hit cost beside parallem's: ``agt.memoize()`` + ``begin()`` to reading ``conv[-1].final_answer``.

Each library runs in a worker process of its own (pllm_notebook in this interpreter, parallem 0.0.3 in the
reference venv, talking to a local fake Chat Completions server for its one miss per agent) holding 40
agents with a conversation each. The workers take turns, round by round (A B A B ...), so a drift in the
machine's speed shows in both; each round is every agent hitting its memo ``--reps`` times. Printed: each
round's medians, their ratio, and the floor no implementation can go under (hashing one new message, one
dict lookup, one replayed append).

    python benchmarks/bench_memo.py [--rounds 5] [--reps 25] [--lengths 20,200]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
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

AGENTS = 40
PROMPT = "Summarise the notes above in one sentence."

WORKER = textwrap.dedent(
    """
    import contextlib, json, logging, sys, time
    library, length, agents, reps, here, directory = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
    prompt = {prompt!r}
    if library == "parallem":
        sys.path.insert(0, here)
        import fake_chat_server
        from openai import OpenAI
        import parallem as lib
        server = fake_chat_server.start()
        client = OpenAI(base_url=f"http://127.0.0.1:{{server.server_port}}/v1", api_key="bench-not-a-key")
        options = dict(provider="openai-chat", client=client, llm="gpt-4o-mini", log_level=logging.WARNING)
    else:
        import pllm_notebook as lib
        options = dict(provider="offline")
    with contextlib.ExitStack() as stack:
        orch = stack.enter_context(lib.resume_directory(directory, **options))
        pairs = []
        for i in range(agents):
            agt = stack.enter_context(orch.agent(f"agent-{{i}}"))
            conv = agt.get_msg_state()
            conv.extend(f"Agent {{i}}, note {{j}}: an observation about experiment {{j}}." for j in range(length))
            pairs.append((agt, conv))

        def hit(agt, conv):
            del conv[length:]
            start = time.perf_counter()
            with agt.memoize() as mem:
                mem.begin()
                conv.ask_llm(prompt)
            answer = conv[-1].final_answer
            elapsed = time.perf_counter() - start
            assert answer
            return elapsed

        for agt, conv in pairs:  # the one miss per agent that stores its entry
            hit(agt, conv)
        print("ready", flush=True)
        for _ in sys.stdin:
            samples = [hit(agt, conv) for _ in range(reps) for agt, conv in pairs]
            print(json.dumps(samples), flush=True)
    """
).format(prompt=PROMPT)


class Worker:
    """One library's worker process; :meth:`round` runs one round of hits and returns their times (s)."""

    def __init__(self, python: str, library: str, length: int, reps: int) -> None:
        self.library = library
        self.tmp = tempfile.TemporaryDirectory()
        env = {**os.environ, "PLLM_OFFLINE_LATENCY": "0"}
        self.proc = subprocess.Popen(
            [
                python,
                "-c",
                WORKER,
                library,
                str(length),
                str(AGENTS),
                str(reps),
                str(HERE),
                self.tmp.name + "/resume",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the {library} worker did not start (see its stderr above)")

    def round(self) -> list[float]:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.tmp.cleanup()


def floor_ms(length: int, repeats: int = 20_000) -> float:
    """Hashing one new message onto a chain, one dict lookup, one list append: median per hit (ms)."""
    from pllm_notebook.hashing import canonical_bytes

    link = hashlib.sha256(b"start").digest()
    entries = {link.hex(): "stored answer"}
    items = [f"note {j}" for j in range(length)]
    samples = []
    for _ in range(repeats):
        del items[length:]
        start = time.perf_counter()
        digest = hashlib.sha256(link + canonical_bytes(PROMPT)).hexdigest()
        items.append(entries.get(digest, "stored answer"))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def compare(length: int, rounds: int, reps: int, reference: str | None) -> None:
    ours = Worker(sys.executable, "pllm_notebook", length, reps)
    theirs = Worker(reference, "parallem", length, reps) if reference else None
    print(f"\nmemo hit, {AGENTS} agents, {length}-message conversations, {AGENTS * reps} hits a round (ms)")
    print(f"{'round':<8}{'pllm_notebook':>15}{'parallem 0.0.3':>16}{'ratio':>8}")
    ratios, our_medians, their_medians = [], [], []
    for i in range(rounds):
        a = statistics.median(ours.round()) * 1000
        our_medians.append(a)
        if theirs is None:
            print(f"{i + 1:<8}{a:>15.4f}{'n/a':>16}")
            continue
        b = statistics.median(theirs.round()) * 1000
        their_medians.append(b)
        ratios.append(a / b)
        print(f"{i + 1:<8}{a:>15.4f}{b:>16.4f}{a / b:>8.2f}")
    ours.close()
    if theirs is not None:
        theirs.close()
        print(
            f"{'median':<8}{statistics.median(our_medians):>15.4f}"
            f"{statistics.median(their_medians):>16.4f}{statistics.median(ratios):>8.2f}"
        )
    print(f"floor (one message hashed, one lookup, one append): {floor_ms(length):.4f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=25, help="hits per agent in a round")
    parser.add_argument("--lengths", default="20,200", help="conversation lengths, comma-separated")
    args = parser.parse_args()
    reference = reference_python()
    for length in (int(x) for x in args.lengths.split(",")):
        compare(length, args.rounds, args.reps, reference)
    print("\ntarget: pllm_notebook's median at most half of parallem's (ratio <= 0.50) at both lengths")


if __name__ == "__main__":
    main()
