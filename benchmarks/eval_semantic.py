"""How trustworthy are semantic hits? Precision, recall and wrong hits per preset, beside recallm.

One command evaluates any embedder and its presets on a labelled pairs file (JSON lines
``{"a", "b", "label"}``) in two protocols:

- pairwise: each pair on its own: does ``b`` hit ``a``?
- cache replay: insert every ``a``, query every ``b``: right hits, wrong hits (a label-0 query hit anything,
  or a label-1 query hit another question), misses.

pllm_notebook decides as ``SemanticCache`` does (calibrated threshold, then the guards); recallm 0.2.0 runs
in its own venv (``benchmarks/reference_env.py``) with the same vectors, so the columns differ only by the
decision. It also prints: wrong hits at equal recall versus raw cosine (recallm's method), the mock
paraphrases hitting their own origin, the templated near-misses of ``tests/semantic_quality``, and the
guards' cost per candidate.

    python benchmarks/eval_semantic.py --pairs ../shared/data/qqp_pairs_dev.jsonl --split 1/2 --limit 5000

Embeddings are kept under ``--cache-dir`` (default: a folder in the system temp dir), so a re-run embeds
nothing.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from pllm_notebook.cache.calibration import (  # noqa: E402
    embed_cached,
    figures_at,
    guard_verdicts,
    load_pairs,
    pair_similarities,
    precision_recall_curve,
    replay,
    split_pairs,
)
from pllm_notebook.cache.calibration_cli import DEFAULT_EMBEDDER, load_embedder  # noqa: E402
from pllm_notebook.cache.guards import check_candidate  # noqa: E402
from pllm_notebook.cache.presets import PRESETS, load_calibration, resolve_threshold  # noqa: E402

RECALLM_THRESHOLDS = {"strict": 0.97, "balanced": 0.92, "loose": 0.85}
SHARED_DATA = Path(os.environ.get("PLLM_SHARED_DIR", REPO.parent / "shared")) / "data"
CASES = REPO / "tests" / "semantic_quality" / "cases.py"
BLIND_CASES = REPO / "tests" / "semantic_quality" / "blind_cases.py"
BLIND_SLOT_CASES = REPO / "tests" / "semantic_quality" / "blind_slot_cases.py"

# Runs inside the reference venv: recallm's own SemanticCache and storage decide, on our vectors.
RECALLM_RUNNER = r"""
import json, sys
import numpy as np
from recallm import CacheConfig, InMemoryStorage, SemanticCache
from llm_semantic_cache.context import hash_context

job = json.load(open(sys.argv[1]))
vectors = np.load(sys.argv[2])
row = {text: i for i, text in enumerate(job["texts"])}

class Precomputed:
    model_id = job["model_id"]
    def embed(self, text):
        return vectors[row.get(text, 0)].tolist()

def ask(cache, prompt, namespace):
    return cache.wrap(lambda **kw: {"text": prompt})(
        model="m", messages=[{"role": "user", "content": prompt}], cache_context={}, cache_namespace=namespace)

def lookup(cache, prompt, namespace):
    _, response, score = cache._sync_lookup(prompt, namespace, hash_context({}))
    return [None if response is None else response["text"], score]

out = {}
for name, task in job["tasks"].items():
    cache = SemanticCache(InMemoryStorage(), CacheConfig(threshold=job["threshold"]), embedder=Precomputed())
    if task["protocol"] == "pairwise":
        answers = []
        for i, (a, b) in enumerate(task["pairs"]):
            ask(cache, a, f"p{i}")
            answers.append(lookup(cache, b, f"p{i}"))
    else:
        for a in task["stored"]:
            ask(cache, a, "replay")
        answers = [lookup(cache, q, "replay") for q in task["queries"]]
    out[name] = answers
json.dump(out, open(sys.argv[3], "w"))
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pairs", default=str(SHARED_DATA / "qqp_pairs_dev.jsonl"), help="labelled pairs JSONL"
    )
    parser.add_argument(
        "--split", default="1/2", help="evaluate one stable split K/N (default 1/2: held out)"
    )
    parser.add_argument("--limit", type=int, default=5000, help="first N pairs of the split (default 5000)")
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER, help="as for `pllm-notebook calibrate`")
    parser.add_argument("--model-path", help="local ONNX folder (default: $PLLM_EMBEDDING_MODEL_PATH)")
    parser.add_argument(
        "--calibration", help="a calibration JSON for this embedder (default: the shipped one)"
    )
    parser.add_argument("--paraphrases", default=str(SHARED_DATA / "paraphrase_pairs_mock.json"))
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "pllm-eval-embeddings"))
    parser.add_argument("--no-reference", action="store_true", help="skip running recallm itself")
    parser.add_argument(
        "--reference-pairs", type=int, default=600, help="pairs on which recallm itself is run as a check"
    )
    parser.add_argument(
        "--no-traffic", dest="traffic", action="store_false", help="skip the simulated-traffic run"
    )
    parser.add_argument(
        "--traffic-pairs", type=int, default=5000, help="QQP pairs whose questions make the traffic"
    )
    parser.add_argument("--max-wrong-rate", type=float, default=0.02, help="error budget of the traffic run")
    parser.add_argument("--verify-rate", type=float, default=0.05, help="checked share of served hits")
    return parser.parse_args(argv)


def counts_row(name: str, threshold: float, right: int, wrong: int, positives: int, queries: int) -> str:
    hits = right + wrong
    precision = right / hits if hits else float("nan")
    return (
        f"| {name} | {threshold:.3f} | {precision:.3f} | {right / max(positives, 1):.3f} | "
        f"{wrong / max(queries, 1):.3f} | {right} | {wrong} |"
    )


HEADER = "| decision | threshold | precision | recall | wrong-hit rate | right hits | wrong hits |\n|---|---|---|---|---|---|---|"


def raw_replay_curve(sim_nearest: np.ndarray, right_if_hit: np.ndarray) -> dict[str, np.ndarray]:
    """Right and wrong hits of raw cosine replay for every threshold (nearest stored text only)."""
    order = np.argsort(-sim_nearest, kind="stable")
    return {
        "threshold": sim_nearest[order],
        "right": np.cumsum(right_if_hit[order]),
        "wrong": np.cumsum(~right_if_hit[order]),
    }


def wrong_at_equal_recall(curve: dict[str, np.ndarray], right: int) -> tuple[int, float]:
    """Wrong hits raw cosine makes to reach ``right`` right hits, and the threshold that takes."""
    reach = np.flatnonzero(curve["right"] >= right)
    if not reach.size:
        return -1, float("nan")
    i = int(reach.min())
    return int(curve["wrong"][i]), float(curve["threshold"][i])


def run_recallm(model_id: str, texts: list[str], vectors: np.ndarray, tasks: dict) -> dict | None:
    """recallm 0.2.0's own answers (hit text, best score) for ``tasks``, at its loosest preset."""
    from reference_env import reference_python

    python = reference_python()
    if python is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        job, npy, result = (Path(scratch) / name for name in ("job.json", "vectors.npy", "result.json"))
        job.write_text(
            json.dumps({"model_id": model_id, "texts": texts, "tasks": tasks, "threshold": "loose"})
        )
        np.save(npy, vectors)
        done = subprocess.run(
            [python, "-c", RECALLM_RUNNER, str(job), str(npy), str(result)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if done.returncode:
            print(f"recallm run failed; no recallm columns:\n{done.stderr[-2000:]}", file=sys.stderr)
            return None
        return json.loads(result.read_text())


def load_cases(path: Path, *names: str) -> list[list[tuple[str, str, str]]]:
    """The named lists of ``(kind, a, b)`` pairs in a test-case module (empty lists if it is missing)."""
    if not path.is_file():
        return [[] for _ in names]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [getattr(module, name) for name in names]


def case_similarities(cases: list[tuple[str, str, str]], vectors_of) -> np.ndarray:
    """Cosine similarity of ``a`` and ``b`` in each ``(kind, a, b)`` pair."""
    if not cases:
        return np.empty(0)
    return pair_similarities(vectors_of([a for _, a, _ in cases]), vectors_of([b for _, _, b in cases]))


def near_miss_table(title: str, cases: list[tuple[str, str, str]], sims: np.ndarray, ours: dict) -> str:
    """Wrong hits per preset on templated near-misses: ours (threshold and guards), raw cosine, recallm."""
    vetoed = np.array([check_candidate(b, a) is not None for _, a, b in cases])
    rows = [
        f"\n## {title} ({len(cases)} pairs): wrong hits\n",
        "| preset | pllm wrong hits | raw cosine at pllm's threshold | recallm wrong hits |\n|---|---|---|---|",
    ]
    for preset in PRESETS:
        above = sims >= ours[preset]
        theirs = int((sims >= RECALLM_THRESHOLDS[preset]).sum())
        rows.append(f"| {preset} | {int((above & ~vetoed).sum())} | {int(above.sum())} | {theirs} |")
    return "\n".join(rows)


def paraphrase_table(title: str, cases: list[tuple[str, str, str]], sims: np.ndarray, ours: dict) -> str:
    """How many reworded prompts hit their original, per preset, ours beside recallm's raw cosine."""
    accepted = np.array([check_candidate(b, a) is None for _, a, b in cases])
    rows = [
        f"\n## {title} ({len(cases)} pairs): hits on their original\n",
        "| preset | pllm hits | recallm hits |\n|---|---|---|",
    ]
    for preset in PRESETS:
        ours_hit = int(((sims >= ours[preset]) & accepted).sum())
        rows.append(f"| {preset} | {ours_hit} | {int((sims >= RECALLM_THRESHOLDS[preset]).sum())} |")
    return "\n".join(rows)


def guard_cost(pairs: list[tuple[str, str]]) -> str:
    """CPU time of ``check_candidate`` per candidate (thread time, garbage collector paused: neither other
    processes on the machine nor collections triggered by earlier allocations count)."""
    timings = {}
    gc.disable()
    for label in ("first sight of each text", "texts seen before"):
        per_call = []
        for query, candidate in pairs:
            start = time.thread_time_ns()
            check_candidate(query, candidate)
            per_call.append(time.thread_time_ns() - start)
        ms = np.array(per_call) / 1e6
        timings[label] = (
            f"mean {ms.mean():.3f} ms, p99 {np.percentile(ms, 99):.3f} ms, max {ms.max():.3f} ms, "
            f"over 1 ms: {(ms > 1).sum()}"
        )
    gc.enable()
    return "\n".join(f"- {k}: {v}" for k, v in timings.items())


def slot_cost(texts: list[str]) -> str:
    """Microseconds of CPU each slot extractor of the guards takes per text (paid once per text: a text's
    features are cached, so a stored prompt costs it once, a query once per lookup)."""
    from pllm_notebook.cache.guards import SLOT_EXTRACTORS

    words = [[w for w in text.lower().split()] for text in texts]
    rows = ["\n| slot guard | mean µs per text | p99 µs |\n|---|---|---|"]
    gc.disable()
    for name, extract in SLOT_EXTRACTORS.items():
        per_text = []
        for text, text_words in zip(texts, words, strict=True):
            start = time.thread_time_ns()
            extract(text, text_words)
            per_text.append(time.thread_time_ns() - start)
        us = np.array(per_text) / 1e3
        rows.append(f"| {name} | {us.mean():.1f} | {np.percentile(us, 99):.1f} |")
    gc.enable()
    return "\n".join(rows)


def check_against_recallm(model_id, pairs, vectors_of, replay_size: int) -> str:
    """Run recallm itself on a sample and count how often its hits equal the max-cosine rule used here."""
    sample = pairs[:replay_size]
    stored = list(dict.fromkeys(p.a for p in sample))
    queries = [p.b for p in sample]
    texts = list(dict.fromkeys([*stored, *queries]))
    tasks = {
        "pairwise": {"protocol": "pairwise", "pairs": [[p.a, p.b] for p in sample]},
        "replay": {"protocol": "replay", "stored": stored, "queries": queries},
    }
    started = time.perf_counter()
    got = run_recallm(model_id, texts, vectors_of(texts), tasks)
    if got is None:
        return (
            "recallm 0.2.0 unavailable: its columns are the max-cosine rule it uses, not checked against it"
        )
    agree = total = 0
    a_vec, b_vec, s_vec = vectors_of([p.a for p in sample]), vectors_of(queries), vectors_of(stored)
    pair_sims = pair_similarities(a_vec, b_vec)
    replay_sims = b_vec @ s_vec.T
    for threshold in RECALLM_THRESHOLDS.values():
        for i in range(len(sample)):
            text, score = got["pairwise"][i]
            agree += (text is not None and score >= threshold) == bool(pair_sims[i] >= threshold)
            text, score = got["replay"][i]
            j = int(replay_sims[i].argmax())
            theirs = text if text is not None and score >= threshold else None
            agree += theirs == (stored[j] if replay_sims[i, j] >= threshold else None)
            total += 2
    return (
        f"recallm 0.2.0 itself (its SemanticCache + InMemoryStorage, same vectors, {len(sample)} pairs in both "
        f"protocols, 3 presets) made the same decision as the max-cosine rule in {agree}/{total} cases "
        f"({time.perf_counter() - started:.0f} s)"
    )


class Precomputed:
    """An embedder answering from vectors computed beforehand (the cache still normalises and searches)."""

    def __init__(self, model_id: str, vectors_of) -> None:
        self.model_id = model_id
        self.vectors_of = vectors_of

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.vectors_of(list(texts))


def traffic_stream(
    pairs, mock: list[dict], seed: int = 0, namespaces: tuple[str, str] = ("default", "default")
) -> list[tuple[str, str, int]]:
    """(namespace, prompt, cluster) for every distinct prompt, shuffled: QQP questions joined by their
    label-1 pairs into clusters, and each mock origin with its paraphrases. A cluster has one answer."""
    parent: dict[str, str] = {}

    def root(text: str) -> str:
        parent.setdefault(text, text)
        while parent[text] != text:
            parent[text] = parent[parent[text]]
            text = parent[text]
        return text

    def join(a: str, b: str) -> None:
        parent[root(a)] = root(b)

    stream = []
    for namespace, links in zip(
        namespaces,
        ([(p.a, p.b, p.label) for p in pairs], [(m["origin"], m["similar"], 1) for m in mock]),
        strict=True,
    ):
        texts = []
        for a, b, label in links:
            texts += [a, b]
            root(a), root(b)
            if label:
                join(a, b)
        stream += [(namespace, text) for text in dict.fromkeys(texts)]
    clusters = {r: i for i, r in enumerate(dict.fromkeys(root(t) for _, t in stream))}
    rows = [(namespace, text, clusters[root(text)]) for namespace, text in stream]
    np.random.default_rng(seed).shuffle(rows)
    return rows


def replay_traffic(stream, embedder, config) -> dict[str, float]:
    """Ask every prompt of ``stream`` through a real ``SemanticCache.wrap`` whose function answers with
    the prompt's cluster; count the hits (the function was not called) and the wrong ones (the answer is
    another cluster's)."""
    from prometheus_client import CollectorRegistry

    from pllm_notebook.cache import CacheConfig, InMemoryStorage, SemanticCache

    answer = {text: f"cluster {cluster}" for _, text, cluster in stream}
    calls = [0]

    def llm(*, model: str, messages: list[dict]) -> str:
        calls[0] += 1
        return answer[messages[-1]["content"]]

    cache = SemanticCache(
        InMemoryStorage(), CacheConfig(**config), embedder=embedder, registry=CollectorRegistry()
    )
    cached = cache.wrap(llm)
    counts: dict[str, list[int]] = {}  # namespace: prompts, hits, wrong hits
    for namespace, text, _ in stream:
        before = calls[0]
        reply = cached(
            model="m",
            messages=[{"role": "user", "content": text}],
            cache_context={},
            cache_namespace=namespace,
        )
        row = counts.setdefault(namespace, [0, 0, 0])
        hit = calls[0] == before
        row[0], row[1], row[2] = row[0] + 1, row[1] + hit, row[2] + (hit and reply != answer[text])
    stats = cache.stats()
    n, hits, wrong = (sum(column) for column in zip(*counts.values(), strict=True))
    return {
        "hit rate": hits / n,
        "wrong-hit rate": wrong / n,
        "wrong share of hits": wrong / hits if hits else 0.0,
        "verification calls": stats.verifications,
        "bound": stats.wrong_rate_upper,
        "namespaces": ", ".join(
            f"{ns} {h / k:.1%} hits, {w / k:.2%} wrong" for ns, (k, h, w) in counts.items()
        ),
        "thresholds": ", ".join(
            f"{e.namespace} {'off' if e.threshold is None else f'{e.threshold:.3f}'}"
            for e in stats.partitions
        ),
    }


def raw_cosine_traffic(stream, vectors_of, threshold: float) -> dict[str, float]:
    """The same stream under the raw cosine rule (recallm's decision: nearest stored prompt of the
    namespace, hit if it clears ``threshold``, store on a miss). No cache of ours has this rule, so it is
    replayed here, as the reference column."""
    vectors = vectors_of([text for _, text, _ in stream])
    stored = {ns: (np.empty((len(stream), vectors.shape[1]), np.float32), []) for ns, _, _ in stream}
    hits = wrong = 0
    for i, (namespace, _, cluster) in enumerate(stream):
        matrix, clusters = stored[namespace]
        if clusters:
            similarity = matrix[: len(clusters)] @ vectors[i]
            j = int(similarity.argmax())
            if similarity[j] >= threshold:
                hits += 1
                wrong += clusters[j] != cluster
                continue
        matrix[len(clusters)] = vectors[i]
        clusters.append(cluster)
    n = len(stream)
    return {
        "hit rate": hits / n,
        "wrong-hit rate": wrong / n,
        "wrong share of hits": wrong / hits if hits else 0.0,
    }


def traffic_table(stream, embedder, vectors_of, ours: dict, budget: float, verify_rate: float) -> str:
    """Hit rate, wrong-hit rate and verification calls per preset: static, with the error budget, and
    raw cosine at recallm's thresholds."""
    rows = [
        f"\n## Simulated traffic ({len(stream)} distinct prompts in {len({c for _, _, c in stream})} clusters, "
        f"QQP questions and mock prompts shuffled into one namespace, one answer per cluster; budget "
        f"max_wrong_rate={budget}, verify_rate={verify_rate})\n",
        "| decision | hit rate | wrong-hit rate (per prompt) | wrong share of hits | verification calls "
        "| 95% bound (worst partition) | partition thresholds |\n|---|---|---|---|---|---|---|",
    ]
    for preset in PRESETS:
        for label, config in (
            (f"pllm {preset} ({ours[preset]:.3f}), static", {"threshold": preset}),
            (
                f"pllm {preset} + budget",
                {"threshold": preset, "max_wrong_rate": budget, "verify_rate": verify_rate},
            ),
        ):
            started = time.perf_counter()
            f = replay_traffic(stream, embedder, config)
            bound = "" if f["bound"] is None else f"{f['bound']:.4f}"
            rows.append(
                f"| {label} | {f['hit rate']:.1%} | {f['wrong-hit rate']:.2%} | {f['wrong share of hits']:.1%} | "
                f"{f['verification calls']} | {bound} | {f['thresholds']} |"
            )
            print(f"  traffic: {label} replayed in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    for preset, threshold in RECALLM_THRESHOLDS.items():
        f = raw_cosine_traffic(stream, vectors_of, threshold)
        rows.append(
            f"| raw cosine {threshold:.2f} (recallm {preset}) | {f['hit rate']:.1%} | {f['wrong-hit rate']:.2%} | "
            f"{f['wrong share of hits']:.1%} | 0 | | |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    part, parts = (int(x) for x in args.split.split("/"))
    pairs = split_pairs(load_pairs(args.pairs), part, parts)[: args.limit]
    embedder = load_embedder(args.embedder, args.model_path)
    model_id = embedder.model_id
    calibration = load_calibration(args.calibration) if args.calibration else None
    ours = {p: resolve_threshold(p, model_id, calibration) for p in PRESETS}
    labels = np.array([p.label for p in pairs], dtype=bool)
    positives = int(labels.sum())
    print(
        f"# Semantic-hit quality: {model_id}, {Path(args.pairs).name} split {args.split}, {len(pairs)} pairs "
        f"({positives} duplicates)\n"
    )
    print(
        "pllm = calibrated threshold + guards (as SemanticCache decides); recallm = its preset thresholds on "
        "raw cosine of the same vectors\n"
    )
    started = time.perf_counter()
    known: dict[str, np.ndarray] = {}

    def vectors_of(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, embed_cached(embedder, missing, args.cache_dir), strict=True))
        return np.stack([known[t] for t in texts])

    a_vec, b_vec = vectors_of([p.a for p in pairs]), vectors_of([p.b for p in pairs])
    mock = json.loads(Path(args.paraphrases).read_text()) if Path(args.paraphrases).is_file() else []
    origins = list(dict.fromkeys(m["origin"] for m in mock))
    similars = [m["similar"] for m in mock]
    (near,) = load_cases(CASES, "NEAR_MISSES")
    blind_near, blind_para = load_cases(BLIND_CASES, "BLIND_NEAR_MISSES", "BLIND_PARAPHRASES")
    slot_near, slot_para = load_cases(BLIND_SLOT_CASES, "BLIND_SLOT_NEAR_MISSES", "BLIND_SLOT_PARAPHRASES")
    if mock:
        o_vec, s_vec = vectors_of(origins), vectors_of(similars)
    near_sims, blind_near_sims, blind_para_sims, slot_near_sims, slot_para_sims = (
        case_similarities(cases, vectors_of) for cases in (near, blind_near, blind_para, slot_near, slot_para)
    )
    print(f"embeddings ready in {time.perf_counter() - started:.1f} s (cached under {args.cache_dir})\n")
    if args.no_reference:
        print("recallm check skipped (--no-reference)\n")
    else:
        print(check_against_recallm(model_id, pairs, vectors_of, args.reference_pairs) + "\n")

    sims = pair_similarities(a_vec, b_vec)
    guarded = precision_recall_curve(sims, labels, guard_verdicts(pairs))
    raw = precision_recall_curve(sims, labels)
    print("## Pairwise (each pair on its own)\n")
    print(HEADER)
    for preset in PRESETS:
        f = figures_at(guarded, ours[preset])
        print(counts_row(f"pllm {preset}", ours[preset], f["right"], f["wrong"], positives, len(pairs)))
    for preset, threshold in RECALLM_THRESHOLDS.items():
        f = figures_at(raw, threshold)
        print(counts_row(f"recallm {preset}", threshold, f["right"], f["wrong"], positives, len(pairs)))

    # replay: every distinct a stored once; a label-1 b is right only on its own a
    stored = list(dict.fromkeys(p.a for p in pairs))
    stored_vec = vectors_of(stored)
    queries = [p.b for p in pairs]
    answers = [{p.a} if p.label else set() for p in pairs]
    replay_sims = b_vec @ stored_vec.T
    nearest = replay_sims.argmax(axis=1)
    right_if_hit = np.array([stored[j] in answers[i] for i, j in enumerate(nearest)])
    raw_replay = raw_replay_curve(replay_sims[np.arange(len(queries)), nearest], right_if_hit)
    print("\n## Cache replay (insert every a, query every b)\n")
    print(HEADER)
    replay_ours = {}
    for preset in PRESETS:
        counts = replay(stored, stored_vec, queries, b_vec, answers, ours[preset])
        replay_ours[preset] = counts
        print(
            counts_row(
                f"pllm {preset}", ours[preset], counts.right_hits, counts.wrong_hits, positives, len(queries)
            )
        )
    for preset, threshold in RECALLM_THRESHOLDS.items():
        counts = replay(stored, stored_vec, queries, b_vec, answers, threshold, guard=None)
        print(
            counts_row(
                f"recallm {preset}", threshold, counts.right_hits, counts.wrong_hits, positives, len(queries)
            )
        )

    print("\n## Wrong hits at equal recall, versus raw cosine (recallm's decision)\n")
    print(
        "| protocol | preset | right hits | pllm wrong | raw-cosine wrong (threshold) | ratio |\n|---|---|---|---|---|---|"
    )
    for preset in PRESETS:
        f = figures_at(guarded, ours[preset])
        w, t = wrong_at_equal_recall(raw, f["right"])
        print(
            f"| pairwise | {preset} | {f['right']} | {f['wrong']} | {w} ({t:.3f}) | {f['wrong'] / max(w, 1):.2f} |"
        )
    for preset in PRESETS:
        c = replay_ours[preset]
        w, t = wrong_at_equal_recall(raw_replay, c.right_hits)
        print(
            f"| replay | {preset} | {c.right_hits} | {c.wrong_hits} | {w} ({t:.3f}) | {c.wrong_hits / max(w, 1):.2f} |"
        )

    if mock:
        print(f"\n## Mock paraphrases ({len(mock)}): insert every origin, query every paraphrase\n")
        best = (s_vec @ o_vec.T).argmax(axis=1)
        ceiling = np.mean([origins[j] == m["origin"] for j, m in zip(best, mock, strict=True)])
        print(f"nearest origin is the right one for {ceiling:.1%} (the ceiling)\n")
        print(
            "| decision | threshold | hit own origin | hit another origin | missed |\n|---|---|---|---|---|"
        )
        own = [{m["origin"]} for m in mock]
        rows = [(f"pllm {p}", ours[p], check_candidate) for p in PRESETS]
        rows += [(f"recallm {p}", t, None) for p, t in RECALLM_THRESHOLDS.items()]
        for name, threshold, guard in rows:
            c = replay(origins, o_vec, similars, s_vec, own, threshold, guard=guard)
            n = len(mock)
            print(
                f"| {name} | {threshold:.3f} | {c.right_hits / n:.1%} | {c.wrong_hits / n:.1%} | {c.misses / n:.1%} |"
            )

    if near:
        print(near_miss_table("Templated near-misses of tests/semantic_quality", near, near_sims, ours))
    if blind_near:
        title = "Blind near-misses (tests/semantic_quality/blind_cases.py, written without seeing the guards)"
        print(near_miss_table(title, blind_near, blind_near_sims, ours))
        print(paraphrase_table("Blind paraphrases", blind_para, blind_para_sims, ours))
    if slot_near:
        title = "Second blind set, slots (tests/semantic_quality/blind_slot_cases.py)"
        print(near_miss_table(title, slot_near, slot_near_sims, ours))
        print(paraphrase_table("Second blind set, paraphrases", slot_para, slot_para_sims, ours))

    checked = [(p.b, p.a) for p in pairs] + [(m["similar"], m["origin"]) for m in mock]
    print(f"\n## Guard cost per candidate ({len(pairs)} QQP pairs and {len(mock)} mock pairs)\n")
    print(guard_cost(checked))
    print(slot_cost([text for pair in checked for text in pair]))

    if args.traffic:
        stream = traffic_stream(pairs[: args.traffic_pairs], mock)
        vectors_of([text for _, text, _ in stream])
        embedder_for_cache = Precomputed(model_id, vectors_of)
        print(
            traffic_table(stream, embedder_for_cache, vectors_of, ours, args.max_wrong_rate, args.verify_rate)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
