"""Run every benchmark in this folder, one after another, and print their figures (``make bench``).

Each ``bench_*.py`` / ``eval_*.py`` script is run with its defaults in a subprocess of this interpreter;
the reference libraries are installed into a scratch venv outside the repository on first use.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted([*HERE.glob("bench_*.py"), *HERE.glob("eval_*.py")])
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)])
        print(f"--- {script.name}: exit {code} in {time.perf_counter() - start:.1f} s", flush=True)
        if code:
            failed.append(script.name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
