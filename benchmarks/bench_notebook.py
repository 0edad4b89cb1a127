"""Notebook benchmarks: ``%%memoize`` hit overhead, large replays, ``%load_ext`` time, the quickstart's rerun,
each printed beside the same measurement of the last release.

    python benchmarks/bench_notebook.py                     # this tree beside the last release (tag v*)
    python benchmarks/bench_notebook.py --baseline v0.1.0   # beside any tag, branch or commit
    python benchmarks/bench_notebook.py --no-baseline --skip-quickstart

Every section runs in a fresh interpreter of its own, first this tree's, then the baseline's, which is
installed from ``git archive <ref>`` into a venv cached outside the repository (``baseline_env.py``); the
baseline runs its own quickstart notebook.

Targets (issue 2): a hit on a cell reading a 1M-row frame costs at most 20 ms; ``%load_ext pllm_notebook``
at most 300 ms; the quickstart's second run at most 5% of the first. Issue 10: a hit on a trivial cell at
most 5 ms; with a 2,000-line local helper module or 20 files read at most 20 ms; replaying a cell that made
a 300 MB array and a 1M-row frame at most 50% of its first run. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from baseline_env import Baseline, baseline_env, last_release  # noqa: E402

Figure = dict
"""One printed line: ``name``, ``text`` (the figure), ``target`` (or "")."""


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms (min {min(samples) * 1000:.2f}, n={len(samples)})"


def _figure(name: str, text: str, target: str = "") -> Figure:
    return {"name": name, "text": text, "target": target}


def _memo_hits(ip, cell: str, repeats: int) -> list[float]:
    """Run ``cell`` memoized once (stored), then time ``repeats`` hits on it."""
    ip.run_cell_magic("memoize", "--quiet", cell)
    hits = []
    for _ in range(repeats):
        started = time.perf_counter()
        ip.run_cell_magic("memoize", "--quiet", cell)
        hits.append(time.perf_counter() - started)
    return hits


def bench_hit_overhead(repeats: int, notebooks: Path) -> list[Figure]:
    """Time ``%%memoize`` hits on a cell that reads a 1M-row frame, in an in-process IPython shell."""
    import numpy as np
    import pandas as pd
    from IPython.core.interactiveshell import InteractiveShell

    from pllm_notebook.notebook.fingerprint import fingerprint

    figures = []
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "pllm_notebook")
    with tempfile.TemporaryDirectory() as tmp:
        ip.run_line_magic("pllm_config", f"dir={tmp}/.pllm")
        rows = 1_000_000
        rng = np.random.default_rng(0)
        frames = {
            "int64, float64, category": pd.DataFrame(
                {
                    "id": np.arange(rows),
                    "score": rng.random(rows),
                    "group": pd.Categorical(rng.choice(["a", "b", "c"], rows)),
                }
            ),
            "int64, float64, str": pd.DataFrame(
                {
                    "id": np.arange(rows),
                    "score": rng.random(rows),
                    "label": rng.choice(["x", "yy", "zzz"], rows),
                }
            ),
        }
        cell = "mean_score = float(df['score'].mean())\nmean_score"
        for name, frame in frames.items():
            ip.user_ns["df"] = frame
            hits = _memo_hits(ip, cell, repeats)
            prints = []
            for _ in range(repeats):
                started = time.perf_counter()
                fingerprint(frame)
                prints.append(time.perf_counter() - started)
            runs = []
            for _ in range(repeats):
                started = time.perf_counter()
                exec(compile(cell, "<cell>", "exec"), ip.user_ns)
                runs.append(time.perf_counter() - started)
            figures += [
                _figure(f"%%memoize hit, 1M-row frame ({name})", _median_ms(hits), "<= 20 ms"),
                _figure("  of which fingerprint", _median_ms(prints)),
                _figure("  the cell run plainly", _median_ms(runs)),
            ]
        stats = ip.run_line_magic("pllm_stats", "--total")
        figures.append(_figure("hits counted", str(stats.total[1])))
    return figures


def _helper_module(functions: int = 200) -> str:
    """A local helper module of about 2,000 lines: functions calling each other and module constants."""
    lines = ["SCALE = 3", "NAMES = ('a', 'b', 'c')", ""]
    for i in range(functions):
        call = f"f_{i - 1}(x) + " if i else ""
        lines += [
            f"def f_{i}(x):",
            f'    """Step {i} of a long chain of helpers."""',
            "    total = 0",
            "    for name in NAMES:",
            "        total += len(name) * SCALE",
            f"    if x > {i}:",
            "        total -= 1",
            f"    return {call}total + x",
            "",
            "",
        ]
    return "\n".join(lines)


def bench_key_checks(repeats: int, notebooks: Path) -> list[Figure]:
    """Time ``%%memoize`` hits that check a 2,000-line local module's code and 20 files the cell read."""
    from IPython.core.interactiveshell import InteractiveShell

    from pllm_notebook.api import default_orchestrator

    figures = []
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "pllm_notebook")
    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        sys.path.insert(0, tmp)
        try:
            Path("helpers_big.py").write_text(_helper_module())
            for i in range(20):
                Path(f"data_{i}.csv").write_text("a,b\n" + "1,2\n" * 1000)
            ip.run_line_magic("pllm_config", f"dir={tmp}/.pllm")
            ip.run_cell("import helpers_big")
            lines = len(Path("helpers_big.py").read_text().splitlines())
            cells = {
                "trivial cell (x = 1 + 1)": "x = 1 + 1",
                f"cell calling a {lines}-line local module": "y = helpers_big.f_19(5)",
                "cell reading 20 files": "rows = [len(open(f'data_{i}.csv').read()) for i in range(20)]",
            }
            for name, cell in cells.items():
                hits = _memo_hits(ip, cell, repeats)
                runs = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    exec(compile(cell, "<cell>", "exec"), ip.user_ns)
                    runs.append(time.perf_counter() - started)
                target = "<= 5 ms" if name.startswith("trivial") else "<= 20 ms"
                figures += [
                    _figure(f"%%memoize hit, {name}", _median_ms(hits), target),
                    _figure("  the cell run plainly", _median_ms(runs)),
                ]
        finally:
            default_orchestrator().store.flush()
            sys.path.remove(tmp)
            os.chdir(previous)
    return figures


LOAD_EXT = """
import sys, time
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
started = time.perf_counter()
ip.run_line_magic("load_ext", "pllm_notebook")
elapsed = time.perf_counter() - started
heavy = ("duckdb", "panel", "bokeh", "fastembed", "onnxruntime", "openai", "anthropic", "google.genai", "redis")
print(elapsed, ",".join(m for m in heavy if m in sys.modules))
"""


def bench_load_ext(repeats: int, notebooks: Path) -> list[Figure]:
    """Time ``%load_ext pllm_notebook`` in fresh interpreters that already imported IPython (as a kernel has)."""
    samples, heavy = [], set()
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(max(5, repeats // 3)):
            done = subprocess.run(
                [sys.executable, "-c", LOAD_EXT], cwd=tmp, capture_output=True, text=True, check=True
            )
            elapsed, _, modules = done.stdout.strip().splitlines()[-1].partition(" ")
            samples.append(float(elapsed))
            heavy |= {m for m in modules.split(",") if m}
    return [
        _figure("%load_ext pllm_notebook", _median_ms(samples), "<= 300 ms"),
        _figure("heavy modules imported by it", ", ".join(sorted(heavy)) or "none"),
    ]


def bench_quickstart(repeats: int, notebooks: Path) -> list[Figure]:
    """Run the quickstart twice with run_demo.py's machinery (offline provider, default 1.0 s latency)."""
    sys.path.insert(0, str(notebooks))
    import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        workdir = root / "work"
        workdir.mkdir()
        saved = dict(os.environ)
        try:
            run_demo.private_environment(root)
            first = run_demo.run_once(notebooks / "quickstart.ipynb", workdir)
            second = run_demo.run_once(notebooks / "quickstart.ipynb", workdir)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    latency = os.environ.get("PLLM_OFFLINE_LATENCY", "1.0")
    return [
        _figure("offline latency per live call", f"{latency} s"),
        _figure("first run", f"{first.cells_s:.2f} s, {first.live_calls} live calls"),
        _figure("second run", f"{second.cells_s:.2f} s, {second.live_calls} live calls"),
        _figure("second / first", f"{second.cells_s / first.cells_s:.1%}", "<= 5%"),
    ]


LARGE_CELL = """import numpy as np
import pandas as pd
rng = np.random.default_rng(0)
big = rng.random(37_500_000)
rows = 1_000_000
table = pd.DataFrame({"id": np.arange(rows), "score": rng.random(rows), "group": pd.Categorical(rng.choice(["a", "b", "c"], rows))})
"""

LARGE_RUN = """
import sys, time
import numpy, pandas  # as a kernel that used them before would have: the figures are the cell's own
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
ip.run_line_magic("load_ext", "pllm_notebook")
ip.run_line_magic("pllm_config", "dir=" + sys.argv[1])
started = time.perf_counter()
ip.run_cell_magic("memoize", "", sys.argv[2])
elapsed = time.perf_counter() - started
assert ip.user_ns["big"].nbytes == 300_000_000 and len(ip.user_ns["table"]) == 1_000_000
print(elapsed)
"""


def bench_large_replay(repeats: int, notebooks: Path) -> list[Figure]:
    """A cell making a 300 MB array and a 1M-row frame: its first run (with storing) vs its replay, each in
    a fresh interpreter, so the replay reads everything back from the resume directory."""
    firsts, replays = [], []
    for _ in range(max(3, repeats // 5)):
        with tempfile.TemporaryDirectory() as tmp:
            for samples in (firsts, replays):
                out = subprocess.run(
                    [sys.executable, "-c", LARGE_RUN, f"{tmp}/.pllm", LARGE_CELL],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                samples.append(float(out.stdout.strip().splitlines()[-1]))
    first, replay = statistics.median(firsts), statistics.median(replays)
    return [
        _figure("first run (run + store)", _median_ms(firsts)),
        _figure("replay (fresh process)", _median_ms(replays)),
        _figure("replay / first run", f"{replay / first:.0%}", "<= 50%"),
    ]


SECTIONS = {
    "hit": ("%%memoize hit overhead", bench_hit_overhead),
    "checks": ("%%memoize hit cost with the key's code and file checks", bench_key_checks),
    "large": ("300 MB array + 1M-row frame, first run vs replay", bench_large_replay),
    "load_ext": ("%load_ext time (fresh interpreter each)", bench_load_ext),
    "quickstart": ("quickstart notebook, two headless runs", bench_quickstart),
}


def run_section(python: str, section: str, repeats: int, notebooks: Path) -> tuple[str, list[Figure]]:
    """Run one section in a fresh ``python`` (this tree's or the baseline's); its version and figures."""
    done = subprocess.run(
        [python, __file__, "--worker", section, "--repeats", str(repeats), "--notebooks", str(notebooks)],
        cwd=tempfile.gettempdir(),  # never this checkout: the baseline must import its own installed copy
        capture_output=True,
        text=True,
    )
    if done.returncode:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return "?", [_figure("failed", tail[:100])]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["version"], result["figures"]


def worker(section: str, repeats: int, notebooks: Path) -> None:
    """Run ``section`` here and print its figures as one JSON line (the parent prints the table)."""
    import pllm_notebook

    figures = SECTIONS[section][1](repeats, notebooks)
    print(json.dumps({"version": pllm_notebook.__version__, "figures": figures}))


def print_section(title: str, ours: list[Figure], theirs: list[Figure] | None) -> None:
    """One section's lines: this tree's figure, the baseline's beside it ("-" where it has none)."""
    print(title + ":")
    if theirs is not None and theirs[0]["name"] == "failed":
        print(f"  (the baseline could not run this: {theirs[0]['text']})")
        theirs = []
    for i, figure in enumerate(ours):
        line = f"  {figure['name']:56} {figure['text']:30}"
        if theirs is not None:
            other = theirs[i]["text"] if i < len(theirs) and theirs[i]["name"] == figure["name"] else "-"
            line += f" {other:30}"
        print(line + (f" target {figure['target']}" if figure["target"] else ""), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--skip-quickstart", action="store_true")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run this section (repeatable)")
    parser.add_argument(
        "--baseline", metavar="REF", help="tag, branch or commit to compare with (default: last v* tag)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="print this tree's figures only")
    parser.add_argument("--worker", choices=SECTIONS, help=argparse.SUPPRESS)
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.repeats, args.notebooks)
        return 0

    baseline: Baseline | None = None
    if not args.no_baseline:
        ref = args.baseline or last_release()
        if ref is None:
            print(
                "no release tag (v*) in this history: pass --baseline REF or --no-baseline", file=sys.stderr
            )
            return 2
        baseline = baseline_env(ref)
    sections = args.only or [s for s in SECTIONS if not (args.skip_quickstart and s == "quickstart")]
    # pip compiled the baseline's copy when it installed it; compile this tree too, so neither side pays
    # for compiling its sources on import (PYTHONDONTWRITEBYTECODE would otherwise make that every run)
    compileall.compile_dir(REPO / "pllm_notebook", quiet=1)
    print(f"pllm_notebook notebook benchmarks ({os.cpu_count()} cores)")
    for section in sections:
        version, ours = run_section(sys.executable, section, args.repeats, args.notebooks)
        theirs = None
        if baseline is not None:
            _, theirs = run_section(baseline.python, section, args.repeats, baseline.source / "notebooks")
        if section == sections[0]:
            header = f"  {'':56} {'this tree, ' + version:30}"
            if baseline is not None:
                header += f" {baseline.label:30}"
            print(header)
        print_section(SECTIONS[section][0], ours, theirs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
