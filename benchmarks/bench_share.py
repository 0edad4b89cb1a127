"""Sharing: export and import time and bundle size, for the quickstart and for a 100-cell notebook with a
50 MB frame; and what checking a bundle costs per MB.

The quickstart is run headless once (offline provider) in a private HOME, then exported and imported into
a fresh directory. The 100-cell notebook is built directly in a resume directory (100 memo entries, each
with its outputs and a small variable, one of them a 50 MB pandas frame), with its .ipynb beside it.
parallem 0.0.3 and recallm 0.2.0 have no export or import, so there is no reference figure to print.

    python benchmarks/bench_share.py [--frame-mb 50] [--cells 100]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "notebooks"))

from run_demo import private_environment, run_once  # noqa: E402


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def _big_notebook(root: Path, cells: int, frame_mb: int) -> Path:
    """A resume directory holding ``cells`` memoized cells (one sets a ``frame_mb`` MB frame), and its .ipynb."""
    import numpy as np
    import pandas as pd
    from nbformat.v4 import new_code_cell, new_notebook

    from pllm_notebook.store import MemoRecord, ResumeStore

    store = ResumeStore.open(root / ".pllm")
    rows = frame_mb * 1024 * 1024 // (8 * 8)
    frame = pd.DataFrame(np.random.default_rng(0).random((rows, 8)), columns=list("abcdefgh"))
    nb = new_notebook()
    for i in range(cells):
        value = frame if i == cells // 2 else {"cell": i, "scores": list(range(50))}
        outputs = [{"type": "stream", "name": "stdout", "text": f"cell {i}: " + "result " * 40}]
        store.put_memo(
            MemoRecord(
                key=f"key-{i:03d}",
                kind="cell",
                label=f"cell:c{i:03d}",
                agent="",
                inputs={"source": f"s{i}"},
                payload={
                    "ops": [],
                    "outputs": store.blobs.put(json.dumps(outputs).encode()),
                    "vars": {"values": {f"v{i}": store.blobs.put(pickle.dumps(value, protocol=5))}},
                },
            )
        )
        cell = new_code_cell(f"%%memoize\nv{i} = compute({i})")
        cell.id = f"c{i:03d}"
        nb.cells.append(cell)
    store.flush()
    notebook = root / "big.ipynb"
    notebook.write_text(json.dumps(nb))
    return notebook


def _share(name: str, notebook: Path, root: Path) -> tuple[float, Path]:
    from pllm_notebook.notebook.export import export_notebook
    from pllm_notebook.store.bundle import open_bundle
    from pllm_notebook.store.bundle_import import import_bundle

    bundle = root / f"{name}.pllm"
    stated, export_s = _timed(export_notebook, notebook, bundle)
    report, import_s = _timed(import_bundle, bundle, root / "colleague" / ".pllm", trust=True)
    _, verify_s = _timed(open_bundle, bundle)
    size = bundle.stat().st_size
    data = stated["data_bytes"]
    counts = stated["counts"]
    print(
        f"{name:>10}: export {export_s:6.3f} s, import {import_s:6.3f} s (verify alone {verify_s:.3f} s); "
        f"bundle {size / 1e6:8.3f} MB for {data / 1e6:8.3f} MB of data ({size / data - 1:+.1%}); "
        f"{counts['memos']} memo entries, {counts['calls']} calls, {counts['blobs']} blobs"
    )
    assert report.memos_added == counts["memos"]
    return verify_s / (data / 1e6), bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frame-mb", type=int, default=50)
    parser.add_argument("--cells", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pllm-share-") as tmp:
        root = Path(tmp)
        private_environment(root)
        os.environ.setdefault("PLLM_OFFLINE_LATENCY", "0.05")
        os.environ.setdefault("PLLM_AUTHOR", "Bench Author <bench@example.org>")
        quick = root / "quick"
        quick.mkdir()
        notebook = quick / "quickstart.ipynb"
        notebook.write_text((REPO / "notebooks" / "quickstart.ipynb").read_text())
        result = run_once(notebook, quick)
        if result.errors:
            print("the quickstart failed:", *result.errors, sep="\n  ")
            return 1
        _share("quickstart", notebook, quick)
        big = root / "big"
        big.mkdir()
        per_mb, _ = _share(f"{args.cells} cells", _big_notebook(big, args.cells, args.frame_mb), big)
        print(f"verification (signature and every blob hash): {per_mb * 1000:.1f} ms per MB of data")
        print("parallem 0.0.3 / recallm 0.2.0: no export or import to compare with")
    return 0


if __name__ == "__main__":
    sys.exit(main())
