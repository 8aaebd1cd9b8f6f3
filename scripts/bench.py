"""Speed at scale: embedding throughput, query latency, memory and store size at 10k, 100k
and 1M sentences, and cold starts, measured in one run.

    ./dev.sh python scripts/bench.py --out docs/bench/latest

writes `latest.json`, `latest.md` (the table the README shows) and `latest.png` (latency by
size). Material: SQuAD v1.1 train-part paragraphs (`../shared/data/squad/`) split by our
splitter; the first `--base` sentences are embedded with sentence-transformers' default
`encode` (the baseline throughput). A larger size repeats those documents, each copy's text
made distinct by a trailing "(copy N)" line that is not indexed, and each copied vector is the
original plus small Gaussian noise, renormalised: real sentences and real vector geometry,
repeated with variation, as stated. Each size is built, saved, loaded and asked in its own
process, so its peak memory is its own. Latency is `Assistant.ask` end to end through the
Python API (question embedding included), with and without the reader, over `--questions`
SQuAD questions after 5 warm-up asks.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import SentenceTransformerEmbedder, normalize_rows  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.corpus import Corpus, make_document  # noqa: E402
from qa.indexes import Indexes  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.store import StoredIndexes, save_store  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad" / "squad-v1.1-train-part.rebuilt.json.gz"
MODES = ("hybrid", "dense", "bm25")
NOISE = 0.02  # per-dimension standard deviation of a copy's noise, before renormalising


def base_material(sentences: int) -> tuple[Corpus, list[str]]:
    """The first paragraphs of SQuAD train-part holding at least `sentences` sentences, and
    the questions asked of them."""
    with gzip.open(SQUAD) as compressed:
        data = json.load(compressed)
    documents, questions, count = [], [], 0
    for article in data["data"]:
        for i, paragraph in enumerate(article["paragraphs"]):
            documents.append(make_document(paragraph["context"], f"{article['title']}/{i}"))
            questions += [q["question"] for q in paragraph["qas"]]
            count += paragraph["context"].count(". ") + 1
            if count >= sentences * 1.1:
                corpus = Corpus.build(documents)
                return corpus.subset(range(min(sentences, len(corpus.sentences)))), questions
    corpus = Corpus.build(documents)
    return corpus.subset(range(min(sentences, len(corpus.sentences)))), questions


def scaled(corpus: Corpus, vectors: np.ndarray, size: int) -> tuple[Corpus, np.ndarray]:
    """`corpus` repeated with variation (module docstring) to `size` sentences."""
    rng = np.random.default_rng(0)
    documents, spans, blocks = [], [], []
    copy = 0
    while len(spans) < size:
        for doc in corpus.documents.values():
            text = doc.text if copy == 0 else f"{doc.text}\n\n(copy {copy})"
            new = make_document(text, doc.source, doc.title)
            documents.append(new)
            for s in corpus.document_sentences(doc.doc_id):
                spans.append((len(spans), new.doc_id, s.start, s.end, s.passage))
            rows = [s.row for s in corpus.document_sentences(doc.doc_id)]
            block = vectors[rows]
            if copy:
                block = normalize_rows(block + rng.normal(0, NOISE, block.shape).astype(np.float32))
            blocks.append(block)
            if len(spans) >= size:
                break
        copy += 1
    return Corpus.from_spans(documents, spans[:size]), np.vstack(blocks)[:size]


def rss_gb() -> float:
    """The resident memory of this process now."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e9


def build_size(size: int, base: Path, store: Path) -> dict[str, Any]:
    """Build and save a `size`-sentence collection (run in its own process)."""
    material = np.load(base)
    corpus, _ = base_material(int(material["sentences"]))
    corpus, vectors = scaled(corpus, material["vectors"], size)
    started = time.perf_counter()
    indexes = Indexes.from_vectors(corpus, vectors)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    save_store(store, StoredIndexes(Settings(), corpus, indexes))
    return {
        "sentences": size,
        "build_indexes_s": round(build_s, 1),
        "save_s": round(time.perf_counter() - started, 1),
        "store_mb": round(sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 1e6),
        "build_peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
    }


def serve_size(store: Path, base: Path, questions: int) -> dict[str, Any]:
    """Load a built collection and ask it (run in its own process, so the memory the loaded
    collection takes is measured from a clean start, model loaded first)."""
    _, asked = base_material(int(np.load(base)["sentences"]))
    embedder = SentenceTransformerEmbedder()
    Assistant.sample(embedder=embedder).ask("warm up the reader")
    before = rss_gb()
    started = time.perf_counter()
    assistant = Assistant.load(store, embedder)
    result: dict[str, Any] = {
        "load_s": round(time.perf_counter() - started, 1),
        "loaded_gb": round(rss_gb() - before, 2),
    }
    for reader in (True, False):
        asking = assistant if reader else assistant.with_settings(reader=False)
        for mode in MODES:
            for q in asked[:5]:
                asking.ask(q, mode=mode)
            times = []
            for q in asked[5 : 5 + questions]:
                started = time.perf_counter()
                asking.ask(q, mode=mode)
                times.append((time.perf_counter() - started) * 1000)
            key = f"{mode}{'' if reader else '_no_reader'}"
            result[f"{key}_p50_ms"] = round(float(np.percentile(times, 50)), 1)
            result[f"{key}_p95_ms"] = round(float(np.percentile(times, 95)), 1)
    result["serve_peak_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)
    return result


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def embed_base(sentences: int, path: Path) -> dict[str, Any]:
    """Embed the base sentences with sentence-transformers' default `encode`; save them."""
    corpus, _ = base_material(sentences)
    texts = [s.text for s in corpus.sentences]
    embedder = SentenceTransformerEmbedder()
    embedder.embed(texts[:64])  # warm-up
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    seconds = time.perf_counter() - started
    np.savez(path, vectors=vectors, sentences=len(texts))
    return {
        "sentences": len(texts),
        "seconds": round(seconds, 1),
        "sentences_per_s": round(len(texts) / seconds, 1),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
    }


def cold_starts() -> dict[str, float]:
    """`qa ask` on the sample store (cached) and the app to its first page, medians of 3."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    qa = str(ROOT / ".venv" / "bin" / "qa")
    subprocess.run([qa, "ask", "warm the cache"], env=env, capture_output=True, check=True)
    asks = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [qa, "ask", "Who directs the biomedical alliance?"], env=env, capture_output=True
        )
        asks.append(time.perf_counter() - started)
    apps = []
    for _ in range(3):
        store = Path(tempfile.mkdtemp(prefix="bench-app-")) / "collection"
        port = 7890
        app = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--store", str(store)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = time.perf_counter()
        while time.perf_counter() - started < 180:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        apps.append(time.perf_counter() - started)
        app.terminate()
        app.wait()
        shutil.rmtree(store.parent, ignore_errors=True)
    return {"qa_ask_s": round(sorted(asks)[1], 2), "app_first_page_s": round(sorted(apps)[1], 2)}


def table(report: dict[str, Any]) -> str:
    e = report["embedding"]
    lines = [
        f"Machine: {report['machine']}. Embedding (sentence-transformers default `encode`, "
        f"{e['sentences']:,} SQuAD sentences of {e['mean_chars']} characters on average): "
        f"**{e['sentences_per_s']} sentences/s**. Cold start: `qa ask` on the sample "
        f"{report['cold']['qa_ask_s']} s, app to its first page {report['cold']['app_first_page_s']} s.",
        "",
        "| sentences | hybrid p50/p95 ms | dense p50/p95 | bm25 p50/p95 | hybrid, no reader | "
        "dense, no reader | bm25, no reader | loaded GB | build peak GB | store MB | load s |",
        "|---:" * 11 + "|",
    ]
    for r in report["sizes"]:
        cells = [f"{r['sentences']:,}"]
        for key in (*MODES, *(f"{m}_no_reader" for m in MODES)):
            cells.append(f"{r[f'{key}_p50_ms']:.0f} / {r[f'{key}_p95_ms']:.0f}")
        cells += [
            str(r["loaded_gb"]),
            str(r["build_peak_gb"]),
            str(r["store_mb"]),
            str(r["load_s"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["sentences"] for r in report["sizes"]]
    fig, ax = plt.subplots(figsize=(7, 4))
    for key in (*MODES, *(f"{m}_no_reader" for m in MODES)):
        ax.plot(sizes, [r[f"{key}_p95_ms"] for r in report["sizes"]], marker="o", label=key)
    ax.set(xscale="log", yscale="log", xlabel="sentences", ylabel="ask() p95, ms")
    ax.set_title("Query latency by collection size")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench" / "latest")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--base", type=int, default=10_000, help="sentences really embedded")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)  # child processes
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:  # a child: one result as JSON on stdout
        print(json.dumps(build_size(args.build, args.base_file, args.store)))
        return 0
    if args.serve:
        print(json.dumps(serve_size(args.store, args.base_file, args.questions)))
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    base = work / "base.npz"
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "embedding": embed_base(args.base, base),
        "sizes": [],
    }
    print(json.dumps(report["embedding"]), flush=True)
    for size in args.sizes:
        store = work / f"store-{size}"
        built = _child("--build", str(size), "--base-file", str(base), "--store", str(store))
        served = _child(
            "--serve",
            "--store",
            str(store),
            "--base-file",
            str(base),
            "--questions",
            str(args.questions),
        )
        report["sizes"].append({**built, **served})
        shutil.rmtree(store, ignore_errors=True)
        print(json.dumps(report["sizes"][-1]), flush=True)
    report["cold"] = cold_starts()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    args.out.with_suffix(".md").write_text(table(report) + "\n", encoding="utf-8")
    plot(report, args.out.with_suffix(".png"))
    print(table(report))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
