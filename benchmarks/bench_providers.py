"""Provider figures, against a fake OpenAI server on 127.0.0.1 that speaks the real wire protocol.

1. Concurrent strategy: 100 calls to a server that takes 500 ms per answer, ``max_concurrent=50``
   (target: all answered in at most 4 s).
2. Engine overhead per live call: the same calls through ``conv.ask_llm`` and straight through the
   ``openai`` SDK, on a server that answers at once (target: at most 1 ms more per call).

Run: ``python benchmarks/bench_providers.py [--calls 100] [--latency 0.5] [--overhead-calls 300]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pllm_notebook.engine import Orchestrator  # noqa: E402
from tests.providers.fakes import start_fake  # noqa: E402

KEY = "bench-key-not-secret"


def concurrent_run(calls: int, latency_s: float, max_concurrent: int) -> float:
    server = start_fake("openai", latency_s=latency_s)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            orch = Orchestrator(
                Path(tmp) / ".pllm",
                provider="openai",
                strategy="concurrent",
                max_concurrent=max_concurrent,
                provider_options={"base_url": server.url, "api_key": KEY},
            )
            orch.provider.client()
            start = time.perf_counter()
            answers = [orch.agent(f"a{i}").get_msg_state().ask_llm(f"question {i}") for i in range(calls)]
            orch.resolve_all()
            elapsed = time.perf_counter() - start
            assert all(f"question {i}" in a.final_answer for i, a in enumerate(answers))
            assert server.count == calls
            orch.close()
            return elapsed
    finally:
        server.stop()


def _per_call(fn, n: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this whole process) per call of ``fn(i)``, over ``n`` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n


def overhead_run(calls: int, rounds: int = 5) -> dict[str, float]:
    """Median per-call wall and CPU time, through the engine and straight through the SDK, interleaved in
    rounds (round 0 warms both paths up). CPU time counts every thread of this process (the store's writer
    included) and is what other processes on a busy machine disturb least."""
    server = start_fake("openai")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            orch = Orchestrator(
                Path(tmp) / ".pllm",
                provider="openai",
                provider_options={"base_url": server.url, "api_key": KEY},
            )
            import openai

            client = openai.OpenAI(api_key=KEY, base_url=server.url, max_retries=0)
            times: dict[str, list[float]] = {
                "engine_wall": [],
                "engine_cpu": [],
                "sdk_wall": [],
                "sdk_cpu": [],
            }
            per_round = calls // rounds
            for r in range(rounds + 1):
                sdk = _per_call(
                    lambda i, r=r: (
                        client.responses.create(
                            model="gpt-4o-mini", input=[{"role": "user", "content": f"sdk {r} {i}"}]
                        ).output_text
                    ),
                    per_round,
                )
                engine = _per_call(
                    lambda i, r=r: (
                        orch.agent(f"e{r}-{i}").get_msg_state().ask_llm(f"engine {r} {i}").final_answer
                    ),
                    per_round,
                )
                if r:
                    times["sdk_wall"].append(sdk[0])
                    times["sdk_cpu"].append(sdk[1])
                    times["engine_wall"].append(engine[0])
                    times["engine_cpu"].append(engine[1])
            orch.close()
            return {k: statistics.median(v) for k, v in times.items()}
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--max-concurrent", type=int, default=50)
    parser.add_argument("--overhead-calls", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", KEY)

    elapsed = concurrent_run(args.calls, args.latency, args.max_concurrent)
    ideal = args.latency * -(-args.calls // args.max_concurrent)
    ok1 = elapsed <= 4.0
    print(
        f"concurrent: {args.calls} calls, {args.latency * 1000:.0f} ms each, max_concurrent={args.max_concurrent}: "
        f"{elapsed:.2f} s (ideal {ideal:.2f} s, target <= 4 s) {'OK' if ok1 else 'MISSED'}"
    )
    t = overhead_run(args.overhead_calls)
    wall_ms = (t["engine_wall"] - t["sdk_wall"]) * 1000
    cpu_ms = (t["engine_cpu"] - t["sdk_cpu"]) * 1000
    ok2 = cpu_ms <= 1.0
    print(
        f"overhead per live call, wall: {t['engine_wall'] * 1000:.2f} ms through ask_llm vs "
        f"{t['sdk_wall'] * 1000:.2f} ms straight through the openai SDK = {wall_ms:+.2f} ms"
    )
    print(
        f"overhead per live call, CPU:  {t['engine_cpu'] * 1000:.2f} ms vs {t['sdk_cpu'] * 1000:.2f} ms "
        f"= {cpu_ms:+.2f} ms (target <= 1 ms) {'OK' if ok2 else 'MISSED'}"
    )
    return 0 if ok1 and ok2 else 1


if __name__ == "__main__":
    sys.exit(main())
