"""Index choice by size: exact flat search against the approximate HNSW-SQ8 index
(`embeddings.VectorIndex`), on real sentence embeddings, at 61k (real only), 100k and 1M.

    ./dev.sh python scripts/ann_check.py --out docs/bench/ann

writes `ann.json` and `ann.md`. Vectors: every SQuAD v1.1 train-part sentence that
`scripts/bench.py`'s `base_material` gives (61,203) is REALLY embedded with the default
embedder (`SentenceTransformerEmbedder()`), and so are `--queries` SQuAD questions of the same
paragraphs (the queries); both are cached in `--cache` (default /tmp/ann-check), and embedding
them takes a few minutes the first time. Beyond 61,203 the vectors are REPEATED WITH VARIATION
as bench.py repeats them: each copy is the original plus Gaussian noise of 0.02 per dimension,
renormalised. So the 61k set is all real; 100k is 61,203 real + 38,797 repeated; 1M is 61,203
real + 938,797 repeated. On the real-only set the approximate index is forced (exact_limit=0),
so its recall is measured on real geometry; the repeated copies form tight clusters of
near-duplicates, which are harder for a graph search than real text.

Each set and structure is built (in blocks of `qa.index.embedding.BLOCK_ROWS` rows, as the app adds
them), saved, dropped from the page cache (as after a restart), then loaded and searched in a
process of its own, so memory is its own: how much resident memory `VectorIndex.load` added,
and how much there was after the first `--timed` questions, split into anonymous memory and
pages of mapped files. The approximate index memory-maps its float32 vectors: each question
re-scores about k + 20 rows, read from disk the first time and then kept in the page cache until
the kernel needs the memory, so the file part grows with the questions asked, up to the file's
size. The build's peak (VmHWM) counts the source vectors' mapped pages too (1.5 GB at 1M).
Latency is one query at a time, as the app asks, with FAISS on 2 threads, after 20
warm-up queries: k=100 (the app's retrieval depth) first on the cold cache, then again warm,
and k=10 warm. Recall@k is the share of the exact top k
(NumPy brute force) that `search(query, k)` returns, over all the queries. A flat-scan sweep at
25k-300k vectors shows where exact search stops being fast (the threshold). The 1-minute load
average is recorded before and after each measurement: another process busy on the machine
shows up there and in the latencies.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import VectorIndex, normalize_rows  # noqa: E402
from embeddings.approximate import (  # noqa: E402
    EF_CONSTRUCTION,
    EF_SEARCH,
    EXTRA_CANDIDATES,
    NEIGHBOURS,
)
from embeddings.index import EXACT_LIMIT  # noqa: E402
from qa.index.embedding import BLOCK_ROWS  # noqa: E402

NOISE = 0.02  # as scripts/bench.py: per-dimension standard deviation of a copy's noise
THREADS = 2
SWEEP = (25_000, 50_000, 100_000, 200_000, 300_000)


def real_vectors(cache: Path, questions: int) -> tuple[np.ndarray, np.ndarray]:
    """Every train-part sentence and `questions` of its questions, embedded (cached)."""
    path = cache / f"real-squad-train-part-{questions}q.npz"
    if not path.is_file():
        from embeddings import SentenceTransformerEmbedder
        from scripts.bench import base_material

        corpus, asked = base_material(10**9)  # all of it
        unique = list(dict.fromkeys(asked))
        chosen = np.random.default_rng(0).choice(len(unique), questions, replace=False)
        embedder = SentenceTransformerEmbedder()
        print(f"embedding {len(corpus.sentences)} sentences and {questions} questions", flush=True)
        vectors = embedder.embed([s.text for s in corpus.sentences])
        queries = embedder.embed([unique[i] for i in sorted(chosen)])
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, vectors=vectors, queries=queries)
    stored = np.load(path)
    return stored["vectors"], stored["queries"]


def repeated(base: np.ndarray, size: int) -> np.ndarray:
    """`base` (real) first, then copies with noise (module docstring) up to `size` rows."""
    rng = np.random.default_rng(0)
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    out[: min(size, len(base))] = base[:size]
    done = len(base)
    while done < size:
        rows = min(len(base), size - done)
        noise = rng.normal(0, NOISE, (rows, base.shape[1])).astype(np.float32)
        out[done : done + rows] = normalize_rows(base[:rows] + noise)
        done += rows
    return out


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The exact top `k` rows per query by inner product (NumPy, in query chunks)."""
    top = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), 100):
        scores = queries[start : start + 100] @ vectors.T
        part = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
        top[start : start + 100] = np.take_along_axis(part, order, axis=1)
    return top


def prepare(cache: Path, size: int, questions: int) -> None:
    """Write the `size` vectors and their exact top 100 per query into `cache`."""
    if (cache / f"truth-{size}.npy").is_file():
        return
    base, queries = real_vectors(cache, questions)
    vectors = repeated(base, size)
    np.save(cache / f"vectors-{size}.npy", vectors)
    np.save(cache / f"truth-{size}.npy", exact_top(vectors, queries, 100))


def memory_mb() -> dict[str, float]:
    """This process's resident memory: all, anonymous, pages of mapped files, and the peak
    since it started (VmHWM; `ru_maxrss` would include the parent's peak), in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return {
        key: round(int(fields[name].split()[0]) / 1024, 1)
        for key, name in (
            ("rss", "VmRSS"),
            ("anon", "RssAnon"),
            ("file", "RssFile"),
            ("peak", "VmHWM"),
        )
    }


def grown(before: dict[str, float], now: dict[str, float]) -> dict[str, float]:
    """How much each kind of resident memory grew."""
    return {key: round(now[key] - before[key], 1) for key in ("rss", "anon", "file")}


def build(cache: Path, size: int, structure: str) -> dict[str, Any]:
    """Build and save one index (run in its own process)."""
    vectors = np.load(cache / f"vectors-{size}.npy", mmap_mode="r")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    index = VectorIndex(vectors.shape[1], size=size, exact_limit=size if structure == "flat" else 0)
    for start in range(0, size, BLOCK_ROWS):
        rows = np.arange(start, min(start + BLOCK_ROWS, size), dtype=np.int64)
        index.add(rows, np.asarray(vectors[start : start + BLOCK_ROWS]))
    built = time.perf_counter() - started
    assert index.structure == structure
    folder = cache / f"index-{size}-{structure}"
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    index.save(folder)
    return {
        "build_s": round(built, 1),
        "save_s": round(time.perf_counter() - started, 1),
        "disk_mb": round(sum(p.stat().st_size for p in folder.iterdir()) / 1e6, 1),
        "build_peak_mb": memory_mb()["peak"],
        "load_before_build": round(load, 2),
    }


def serve(cache: Path, size: int, structure: str, questions: int, timed: int) -> dict[str, Any]:
    """Load one index from a cold page cache and search it (run in its own process)."""
    _, queries = real_vectors(cache, questions)
    truth = np.load(cache / f"truth-{size}.npy")
    folder = cache / f"index-{size}-{structure}"
    uncache(folder)
    before = memory_mb()
    started = time.perf_counter()
    index = VectorIndex.load(folder)
    result: dict[str, Any] = {"load_s": round(time.perf_counter() - started, 2)}
    result["loaded_mb"] = grown(before, memory_mb())
    result["load_before_search"] = round(os.getloadavg()[0], 2)
    for query in queries[:20]:
        index.search(query[None], 100)
    asked = queries[20 : 20 + timed]
    result.update(latency(index, asked, 100, "k100_cold"))  # rows not yet read from disk
    result["serving_mb"] = grown(before, memory_mb())
    result.update(latency(index, asked, 100, "k100"))
    result.update(latency(index, asked, 10, "k10"))
    for k in (10, 100):
        found = index.search(queries, k)[1]  # the same results as one at a time, sooner
        hits = [len(set(f) & set(t[:k])) for f, t in zip(found, truth)]
        result[f"recall_at_{k}"] = round(float(np.sum(hits) / (k * len(queries))), 4)
    result["after_recall_mb"] = grown(before, memory_mb())  # every question, twice more
    result["load_after_search"] = round(os.getloadavg()[0], 2)
    return result


def latency(index: VectorIndex, queries: np.ndarray, k: int, name: str) -> dict[str, float]:
    """p50 and p95 milliseconds of `search(query, k)`, one query at a time."""
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query[None], k)
        times.append((time.perf_counter() - started) * 1000)
    return {
        f"{name}_p50_ms": round(float(np.percentile(times, 50)), 2),
        f"{name}_p95_ms": round(float(np.percentile(times, 95)), 2),
    }


def uncache(folder: Path) -> None:
    """Drop `folder`'s files from the page cache, as after a restart: reads then hit the disk."""
    for path in folder.iterdir():
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)


def sweep(cache: Path, questions: int, timed: int) -> dict[str, Any]:
    """Flat search latency (k=100, one query) by size, on the 1M set's first rows."""
    vectors = np.load(cache / "vectors-1000000.npy", mmap_mode="r")
    _, queries = real_vectors(cache, questions)
    result: dict[str, Any] = {"load_before": round(os.getloadavg()[0], 2)}
    for size in SWEEP:
        index = VectorIndex(vectors.shape[1], size=size, exact_limit=size)
        index.add(np.arange(size), np.asarray(vectors[:size]))
        for query in queries[:20]:
            index.search(query[None], 100)
        timing = latency(index, queries[20 : 20 + timed], 100, "k100")
        result[str(size)] = {"p50_ms": timing["k100_p50_ms"], "p95_ms": timing["k100_p95_ms"]}
    result["load_after"] = round(os.getloadavg()[0], 2)
    return result


def _child(*args: str) -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": str(THREADS), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(report: dict[str, Any]) -> str:
    p = report["parameters"]
    lines = [
        f"Machine: {report['machine']}; FAISS on {THREADS} threads, one query at a time. "
        f"Real vectors: {report['real_sentences']:,} SQuAD train-part sentences embedded with "
        f"the default embedder; queries: {report['queries']:,} SQuAD questions. Sets above "
        f"{report['real_sentences']:,} repeat the real vectors with variation (noise "
        f"{NOISE}/dimension). HNSW-SQ8: M={p['neighbours']}, efConstruction={p['ef_construction']}, "
        f"efSearch={p['ef_search']}, "
        f"{p['extra_candidates']} extra candidates re-scored exactly; `EXACT_LIMIT` = "
        f"{p['exact_limit']:,}.",
        "",
        "| set | vectors (real + repeated) | structure | recall@10 | recall@100 | k=10 p50 / p95 "
        "ms | k=100 p50 / p95 ms | k=100, cold cache | build s | build peak MB | loaded MB "
        f"(anon + file) | after {20 + report['timed']} questions MB (anon + file) | on disk MB | "
        "load avg |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["runs"]:
        loaded, serving = r["loaded_mb"], r["serving_mb"]
        lines.append(
            f"| {r['set']} | {r['real']:,} + {r['repeated']:,} | {r['structure']} | "
            f"{r['recall_at_10']:.4f} | {r['recall_at_100']:.4f} | "
            f"{r['k10_p50_ms']:.2f} / {r['k10_p95_ms']:.2f} | "
            f"{r['k100_p50_ms']:.2f} / {r['k100_p95_ms']:.2f} | "
            f"{r['k100_cold_p50_ms']:.2f} / {r['k100_cold_p95_ms']:.2f} | {r['build_s']} | "
            f"{r['build_peak_mb']:.0f} | {loaded['anon']:.0f} + {loaded['file']:.0f} | "
            f"{serving['anon']:.0f} + {serving['file']:.0f} | {r['disk_mb']:.0f} | "
            f"{r['load_before_build']} / {r['load_after_search']} |"
        )
    sweep_cells = ", ".join(
        f"{int(size):,}: {v['p50_ms']:.1f} / {v['p95_ms']:.1f}"
        for size, v in report["flat_sweep"].items()
        if size.isdigit()
    )
    lines += [
        "",
        f"Flat scan, one query, k=100, p50 / p95 ms by size: {sweep_cells} "
        f"(load avg {report['flat_sweep']['load_before']} / {report['flat_sweep']['load_after']}).",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "ann")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/ann-check"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=2000, help="questions for recall")
    parser.add_argument("--timed", type=int, default=300, help="of them, timed for latency")
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)  # child processes
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sweep", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--structure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    import faiss

    faiss.omp_set_num_threads(THREADS)
    if args.build:
        print(json.dumps(build(args.cache, args.build, args.structure)))
        return 0
    if args.serve:
        result = serve(args.cache, args.serve, args.structure, args.queries, args.timed)
        print(json.dumps(result))
        return 0
    if args.sweep:
        print(json.dumps(sweep(args.cache, args.queries, args.timed)))
        return 0
    base, queries = real_vectors(args.cache, args.queries)
    real = len(base)
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, "
        f"faiss {faiss.__version__}",
        "real_sentences": real,
        "queries": len(queries),
        "timed": args.timed,
        "parameters": {
            "exact_limit": EXACT_LIMIT,
            "neighbours": NEIGHBOURS,
            "ef_construction": EF_CONSTRUCTION,
            "ef_search": EF_SEARCH,
            "extra_candidates": EXTRA_CANDIDATES,
        },
        "runs": [],
    }
    for size in sorted({real, *args.sizes, 1_000_000}):  # 1M also feeds the flat sweep
        prepare(args.cache, size, args.queries)
    for size in [real, *args.sizes]:
        for structure in ("flat", "hnsw-sq8"):
            where = ["--structure", structure, "--cache", str(args.cache)]
            built = _child("--build", str(size), *where)
            served = _child(
                "--serve", str(size), *where, "--queries", str(args.queries),
                "--timed", str(args.timed),
            )  # fmt: skip
            run = {
                "set": "real only" if size == real else f"{size:,}",
                "vectors": size,
                "real": min(size, real),
                "repeated": max(0, size - real),
                "structure": structure,
                **built,
                **served,
            }
            report["runs"].append(run)
            shutil.rmtree(args.cache / f"index-{size}-{structure}", ignore_errors=True)
            print(json.dumps(run), flush=True)
    report["flat_sweep"] = _child(
        "--sweep", "--cache", str(args.cache), "--queries", str(args.queries),
        "--timed", str(args.timed),
    )  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    args.out.with_suffix(".md").write_text(table(report) + "\n", encoding="utf-8")
    print(table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
