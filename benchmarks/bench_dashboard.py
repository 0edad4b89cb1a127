"""What the live dashboard costs the work it watches, in a real kernel with its widget really attached.

Two real IPython kernels (``jupyter_client``, the same ``ipykernel`` a notebook runs), each with
``%load_ext pllm_notebook`` and the offline provider. In kernel "open" the cell ``%pllm_dashboard`` has
run: the dashboard model is subscribed to the event bus, its thread folds events and pushes the figures
through the ``LiveWidget``'s comm, and this script plays the front end: it reads every message the kernel
publishes (the widget's state updates included, counted below) and answers the widget's ``comm_open``
with the "rendered" message a page sends when it draws it. Kernel "closed" never showed a dashboard.

Both kernels run the same cells in turn, alternating which goes first each round (as
``bench_memo.py`` does), and time them inside the kernel:

- 1,000 memo hits: ``agt.memoize()`` + ``begin()`` + ``conv.ask_llm()`` replayed, in one cell;
- 100 concurrent calls: 100 agents each asking a new question (``strategy="concurrent"``,
  ``max_concurrent=100``, the offline provider answering after ``--latency`` seconds), read back.

Printed: median and fastest wall time of the timed code on each side, the kernel process's CPU time
(all its threads: the dashboard's folding and sending included, up to 0.5 s after the work ended so
that its catch-up counts) and the overhead as the median of the per-round ratios open / closed.

    python benchmarks/bench_dashboard.py [--rounds 30] [--hits 1000] [--calls 100] [--latency 0.5]

Exits 1 if an overhead exceeds 5%.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "notebooks"))

from private_home import private_home_variables  # noqa: E402

LIMIT = 0.05
SETTLE_S = 0.5

SETUP = """
%load_ext pllm_notebook
import json, time, uuid
import pllm_notebook as pllm

pllm.configure(strategy="concurrent", max_concurrent={calls})
NOTES = [f"Message {{i}}: a note about experiment {{i}}." for i in range(10)]


def _timed(work):
    start, cpu = time.perf_counter(), time.process_time()
    work()
    wall, work_cpu = time.perf_counter() - start, time.process_time() - cpu
    time.sleep({settle})  # the dashboard's thread folds what the work emitted: its CPU time counts too
    print(json.dumps({{"wall": wall, "cpu": time.process_time() - cpu, "work_cpu": work_cpu}}))


def memo_hits(n):
    agt = pllm.agent("bench")
    conv = agt.get_msg_state()
    if not len(conv):
        conv.extend(NOTES)

    def work():
        for _ in range(n):
            del conv[len(NOTES):]
            with agt.memoize() as mem:
                mem.begin()
                conv.ask_llm("Summarise the notes above in one sentence.")
        assert conv[-1].final_answer

    _timed(work)


def concurrent_calls(n):
    run = uuid.uuid4().hex[:8]

    def work():
        answers = [pllm.agent(f"{{run}}-{{i}}").get_msg_state().ask_llm(f"Question {{i}} of run {{run}}") for i in range(n)]
        assert all(a.final_answer for a in answers)

    _timed(work)
"""


class Kernel:
    """A real kernel and the client that plays its front end (reads all it publishes, counts widget updates)."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str]) -> None:
        from jupyter_client.manager import start_new_kernel

        self.name = name
        workdir.mkdir()
        self.log = (workdir / "kernel.log").open("w")  # its start-up warnings; cell errors come as messages
        self.manager, self.client = start_new_kernel(
            kernel_name="python3", cwd=str(workdir), env=env, stdout=self.log, stderr=self.log
        )
        self.widget_comm: str | None = None
        self.widget_updates = 0

    def run(self, code: str, timeout: float = 300) -> str:
        """Execute ``code``; its stdout (an error in the cell raises). Reads every message published
        meanwhile, as a page does."""
        msg_id = self.client.execute(code, store_history=False)
        out: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            msg = self.client.get_iopub_msg(timeout=max(1.0, deadline - time.monotonic()))
            kind, content = msg["msg_type"], msg["content"]
            if kind == "comm_open" and content.get("data", {}).get("state", {}).get("kind") == "live":
                self.widget_comm = content["comm_id"]
                self._send_rendered()
            elif kind == "comm_msg" and content.get("comm_id") == self.widget_comm:
                self.widget_updates += 1
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if kind == "stream" and content["name"] == "stdout":
                out.append(content["text"])
            elif kind == "error":
                raise RuntimeError(f"{self.name}: {content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out)

    def _send_rendered(self) -> None:
        """What the widget's ES module sends once a page has drawn it (``model.send({event: "rendered"})``)."""
        content = {
            "comm_id": self.widget_comm,
            "data": {"method": "custom", "content": {"event": "rendered"}},
        }
        self.client.shell_channel.send(self.client.session.msg("comm_msg", content))

    def timed(self, code: str) -> dict[str, float]:
        return json.loads(self.run(code).strip().splitlines()[-1])

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)
        self.log.close()


def _median(samples: list[dict[str, float]], key: str) -> float:
    return statistics.median(s[key] for s in samples)


def compare(kernels: dict[str, Kernel], title: str, code: str, rounds: int) -> float:
    """Run ``code`` ``rounds`` times in each kernel, alternating which goes first; print and return the
    overhead (median of the per-round wall-time ratios open / closed, minus 1)."""
    runs: dict[str, list[dict[str, float]]] = {"closed": [], "open": []}
    for i in range(rounds):
        for side in ("closed", "open") if i % 2 == 0 else ("open", "closed"):
            runs[side].append(kernels[side].timed(code))
    print(f"{title}, {rounds} rounds     wall: median  fastest   kernel CPU: work  work+0.5 s")
    for side, samples in runs.items():
        walls = [s["wall"] for s in samples]
        print(
            f"  dashboard {side + ':':7} {statistics.median(walls) * 1000:9.1f} ms {min(walls) * 1000:6.1f} ms"
            f" {_median(samples, 'work_cpu') * 1000:13.1f} ms {_median(samples, 'cpu') * 1000:7.1f} ms"
        )
    overhead = (
        statistics.median(o["wall"] / c["wall"] for o, c in zip(runs["open"], runs["closed"], strict=True))
        - 1
    )
    fastest = min(s["wall"] for s in runs["open"]) / min(s["wall"] for s in runs["closed"]) - 1
    cpu = [_median(runs["open"], key) / _median(runs["closed"], key) - 1 for key in ("work_cpu", "cpu")]
    verdict = "ok" if overhead <= LIMIT else "TOO SLOW"
    print(
        f"  overhead: wall {overhead:+.1%} (median of per-round ratios; fastest runs {fastest:+.1%}),"
        f" CPU {cpu[0]:+.1%} (work), {cpu[1]:+.1%} (work+0.5 s); target <= {LIMIT:.0%} wall: {verdict}",
        flush=True,
    )
    return overhead


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--hits", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.5, help="offline provider latency, seconds")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        env = {
            **os.environ,
            **private_home_variables(root / "home"),
            "PLLM_OFFLINE_LATENCY": str(args.latency),
            "PLLM_DASHBOARD": "widget",
        }
        env.pop("PLLM_DASHBOARD_TOKEN", None)
        kernels = {side: Kernel(side, root / side, env) for side in ("closed", "open")}
        try:
            for kernel in kernels.values():
                kernel.run(SETUP.format(calls=args.calls, settle=SETTLE_S))
                kernel.run("memo_hits(1)")  # stores the entry; imports everything the loops use
            kernels["open"].run("%pllm_dashboard")
            kernels["open"].run("memo_hits(1); concurrent_calls(2)")  # the "rendered" message is handled
            if kernels["open"].widget_comm is None:
                raise RuntimeError("%pllm_dashboard opened no live widget")
            updates = kernels["open"].widget_updates
            print(
                f"pllm_notebook dashboard overhead ({os.cpu_count()} cores, offline latency {args.latency} s)"
            )
            overheads = [
                compare(kernels, f"{args.hits} memo hits", f"memo_hits({args.hits})", args.rounds),
                compare(
                    kernels, f"{args.calls} concurrent calls", f"concurrent_calls({args.calls})", args.rounds
                ),
            ]
            updates = kernels["open"].widget_updates - updates
            print(f"widget updates the open dashboard sent to the page while measured: {updates}")
            if updates == 0:
                raise RuntimeError("the open dashboard sent nothing: it was not live")
        finally:
            for kernel in kernels.values():
                kernel.close()
    return 0 if max(overheads) <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
