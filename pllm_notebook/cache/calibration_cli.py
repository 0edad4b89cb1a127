"""``pllm-notebook calibrate``: preset thresholds for any embedder, from the user's own labelled pairs.

Prints the precision/recall curve of the cache's decision (cosine >= threshold and the guards accept) and
writes a calibration JSON that ``pllm_notebook.cache.presets.load_calibration(path)`` registers.
The top level stays light: numpy and the embedder load inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

DEFAULT_EMBEDDER = "sentence-transformers/all-MiniLM-L6-v2"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``pllm-notebook calibrate``."""
    parser.add_argument(
        "--pairs",
        required=True,
        help='JSON lines {"a": str, "b": str, "label": 1 or 0}; 1 = a hit would be right',
    )
    parser.add_argument(
        "--embedder",
        default=DEFAULT_EMBEDDER,
        help="a fastembed model name (default %(default)s), or module:attribute naming an embedder object or "
        "a factory returning one (anything with model_id and embed(texts))",
    )
    parser.add_argument(
        "--model-path", help="local ONNX folder of a fastembed model (default: $PLLM_EMBEDDING_MODEL_PATH)"
    )
    parser.add_argument(
        "--out", help="where to write the calibration JSON (default: calibration-<model>.json)"
    )
    parser.add_argument("--limit", type=int, help="use only the first N pairs (embedding costs ~7 ms a text)")
    parser.add_argument(
        "--split",
        help="use one of N stable splits, as K/N (e.g. 0/2), and keep the others for a held-out check",
    )
    parser.add_argument("--cache-dir", help="keep embeddings here as .npy so a re-run embeds nothing")


def load_embedder(spec: str, model_path: str | None = None) -> Any:
    """An embedder from ``--embedder``: ``module:attribute`` (object or factory) or a fastembed model name."""
    if ":" in spec and not spec.startswith(("/", ".")):
        module_name, _, attribute = spec.partition(":")
        try:
            target = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise ValueError(
                f"--embedder {spec!r}: cannot import {attribute!r} from {module_name!r} ({exc})"
            ) from None
        is_factory = inspect.isclass(target) or inspect.isfunction(target)
        embedder = target() if is_factory else target
        if not hasattr(embedder, "embed") or not hasattr(embedder, "model_id"):
            raise ValueError(f"--embedder {spec!r} has no model_id and embed(texts); it is not an embedder")
        return embedder
    from .embedders import FastEmbedEmbedder

    return FastEmbedEmbedder(spec, model_path=model_path)


def _parse_split(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        part, parts = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--split {text!r}: expected K/N with 0 <= K < N, e.g. 0/2") from None
    if not 0 <= part < parts:
        raise ValueError(f"--split {text!r}: expected K/N with 0 <= K < N, e.g. 0/2")
    return part, parts


def run(args: argparse.Namespace) -> int:
    """Calibrate, print the curve and the presets, write the JSON; 2 on bad input."""
    from .calibration import calibrate, load_pairs, split_pairs

    try:
        split = _parse_split(args.split)
        pairs = load_pairs(args.pairs)
        if split is not None:
            pairs = split_pairs(pairs, *split)
        if args.limit:
            pairs = pairs[: args.limit]
        embedder = load_embedder(args.embedder, args.model_path)
    except ValueError as exc:
        print(f"pllm-notebook calibrate: {exc}", file=sys.stderr)
        return 2
    print(f"embedding {len(pairs)} pairs with {embedder.model_id} ...", file=sys.stderr)
    source = {"pairs_file": Path(args.pairs).name, "split": args.split, "limit": args.limit}
    calibration, _ = calibrate(pairs, embedder, source=source, cache_dir=args.cache_dir)
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7}")
    for threshold, precision, recall in calibration.curve:
        print(f"{threshold:9.2f} {precision:9.3f} {recall:7.3f}")
    print(
        f"\npresets for {calibration.model_id} ({len(pairs)} pairs, {calibration.source['positives']} positive):"
    )
    for name, figures in calibration.figures.items():
        print(
            f"  {name:<8} threshold {figures['threshold']:.4f}  precision {figures['precision']:.3f}  "
            f"recall {figures['recall']:.3f}"
        )
    out = Path(args.out or f"calibration-{calibration.model_id.rsplit('/', 1)[-1]}.json")
    import json

    out.write_text(json.dumps(calibration.to_dict(), indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {out}; use it with pllm_notebook.cache.presets.load_calibration({str(out)!r})")
    return 0
