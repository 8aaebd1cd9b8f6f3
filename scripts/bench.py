"""Speed at scale: embedding throughput, query latency, memory and store size at 10k, 100k
and 1M sentences, and cold starts, measured in one run.

    ./dev.sh python scripts/bench.py --out docs/bench/latest

writes `latest.json`, `latest.md` (the table the README shows) and `latest.png` (latency by
size). Material: SQuAD v1.1 train-part paragraphs (`../shared/data/squad/`) split by our
splitter. Embedding throughput: sentence-transformers' default `encode` (float32, the
baseline), this project's default bulk path and its ONNX float32 path embed the same
`--per-round` sentences in turn, `--rounds` times (medians). The first `--base` sentences are
then embedded with the default path. A larger size repeats those documents, each copy's text
made distinct by a trailing "(copy N)" line that is not indexed, and each copied vector is the
original plus small Gaussian noise, renormalised: real sentences and real vector geometry,
repeated with variation, as stated. Each size is built, saved, loaded and asked in its own
process, so its peak memory is its own; the build process also measures the sentence vector
index's recall@10 against exact search over the same vectors. Latency is `Assistant.ask` end to end through the
Python API (question embedding included), with and without the reader, over `--questions`
SQuAD questions after 5 warm-up asks. Sentence splitting, as indexing does it (the structure
reader, then sentences within its blocks): MB/s (UTF-8) of the first 5 MB of those paragraphs
as one document (blank lines between paragraphs), the same hard-wrapped at 72 columns, and
seconds for one 1 MB paragraph (the same paragraphs joined by spaces); best of 3. `--splitting-only` prints just
that.
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
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import DEFAULT_MODEL, FastEmbedder, OnnxEmbedder, normalize_rows  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.index.corpus import Corpus, split_document  # noqa: E402
from qa.index.indexes import Indexes  # noqa: E402
from qa.index.store import StoredIndexes, save_store  # noqa: E402
from qa.ingest.documents import make_document  # noqa: E402
from qa.settings import Settings  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad" / "squad-v1.1-train-part.rebuilt.json.gz"
MODES = ("hybrid", "dense", "bm25")
NOISE = 0.02  # per-dimension standard deviation of a copy's noise, before renormalising
SPLIT_MB = 5  # English text split for the splitting throughput


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


def rss_gb(kind: str = "VmRSS") -> float:
    """This process's resident memory now: all of it (`VmRSS`), its own (`RssAnon`) or the
    pages of mapped files it holds (`RssFile`, the page cache of the memory-mapped vectors)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) / 1e6  # kB
    raise ValueError(f"no {kind} in /proc/self/status")


def build_size(size: int, base: Path, store: Path, questions: int) -> dict[str, Any]:
    """Build and save a `size`-sentence collection (run in its own process); then measure the
    sentence vector index's recall@10 against exact search and its own search time."""
    material = np.load(base)
    corpus, asked = base_material(int(material["sentences"]))
    corpus, vectors = scaled(corpus, material["vectors"], size)
    started = time.perf_counter()
    indexes = Indexes.from_vectors(corpus, vectors)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    save_store(store, StoredIndexes(Settings(), corpus, indexes))
    result = {
        "sentences": size,
        "build_indexes_s": round(build_s, 1),
        "save_s": round(time.perf_counter() - started, 1),
        "store_mb": round(sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 1e6),
        "build_peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
    }
    return {**result, **recall_at_10(indexes, vectors, OnnxEmbedder().embed(asked[:questions]))}


def recall_at_10(indexes: Indexes, vectors: np.ndarray, queries: np.ndarray) -> dict[str, Any]:
    """Share of the exact top 10 (brute force over `vectors`) that the sentence vector index
    returns, and the index's single-query search time."""
    found, times = [], []
    for query in queries:
        exact = np.argpartition(-(vectors @ query), 10)[:10]
        started = time.perf_counter()
        _, ids = indexes.vectors.search(query[None, :], 10)
        times.append((time.perf_counter() - started) * 1000)
        found.append(len(set(exact.tolist()) & set(ids[0].tolist())) / 10)
    return {
        "index": indexes.vectors.structure,
        "recall_at_10": round(float(np.mean(found)), 4),
        "dense_search_p50_ms": round(float(np.percentile(times, 50)), 2),
        "dense_search_p95_ms": round(float(np.percentile(times, 95)), 2),
    }


def serve_size(store: Path, base: Path, questions: int) -> dict[str, Any]:
    """Load a built collection and ask it (run in its own process, so the memory the loaded
    collection takes is measured from a clean start, model loaded first)."""
    _, asked = base_material(int(np.load(base)["sentences"]))
    embedder = FastEmbedder()
    Assistant.sample(embedder=embedder).ask("warm up the reader")
    before = {kind: rss_gb(kind) for kind in ("VmRSS", "RssAnon", "RssFile")}
    started = time.perf_counter()
    assistant = Assistant.load(store, embedder)
    result: dict[str, Any] = {
        "load_s": round(time.perf_counter() - started, 1),
        "loaded_gb": round(rss_gb() - before["VmRSS"], 2),
        "loaded_anon_gb": round(rss_gb("RssAnon") - before["RssAnon"], 2),
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
    result["serving_gb"] = round(rss_gb() - before["VmRSS"], 2)
    result["serving_anon_gb"] = round(rss_gb("RssAnon") - before["RssAnon"], 2)
    result["serving_file_gb"] = round(rss_gb("RssFile") - before["RssFile"], 2)
    result["process_gb"] = round(rss_gb(), 2)
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


def throughput(embed: Any, texts: list[str]) -> float:
    """Sentences per second of one `embed(texts)` call."""
    started = time.perf_counter()
    embed(texts)
    return len(texts) / (time.perf_counter() - started)


def embed_base(sentences: int, path: Path, rounds: int, per_round: int) -> dict[str, Any]:
    """Throughput of sentence-transformers' default `encode` (float32), of this project's
    default bulk path and of its ONNX float32 path on the same sentences, in alternating rounds
    (medians); then embed all base sentences with the default path and save them."""
    from sentence_transformers import SentenceTransformer

    from embeddings.sentence_transformer import resolve_model_path

    corpus, _ = base_material(sentences)
    texts = list(corpus.sentences.texts())
    baseline = SentenceTransformer(resolve_model_path(DEFAULT_MODEL), device="cpu")
    paths = {
        "sentence_transformers_default": lambda t: baseline.encode(t, normalize_embeddings=True),
        "default": FastEmbedder().embed,
        "onnx_fp32": OnnxEmbedder().embed,
    }
    rates: dict[str, list[float]] = {name: [] for name in paths}
    for embed in paths.values():
        embed(texts[:64])  # warm-up (and loads torch for the default bulk path)
    for r in range(rounds):
        chunk = texts[r * per_round : (r + 1) * per_round]
        for name, embed in paths.items():
            rates[name].append(throughput(embed, chunk))
    median = {name: round(float(np.median(v)), 1) for name, v in rates.items()}
    started = time.perf_counter()
    vectors = paths["default"](texts)
    seconds = time.perf_counter() - started
    np.savez(path, vectors=vectors, sentences=len(texts))
    base = median["sentence_transformers_default"]
    return {
        "sentences": len(texts),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
        "rounds": rounds,
        "sentences_per_round": per_round,
        "sentences_per_s": median,
        "rounds_per_s": {name: [round(x, 1) for x in v] for name, v in rates.items()},
        "speedup": {name: round(v / base, 2) for name, v in median.items()},
        "all_base_default_s": round(seconds, 1),
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


def splitting_speed() -> dict[str, float]:
    """Sentence splitting as indexing does it (`split_document`: the structure reader, then
    sentences within its blocks): MB/s of `SPLIT_MB` MB of SQuAD paragraphs as one plain-text
    document, the same paragraphs hard-wrapped at 72 columns, and seconds for one 1 MB
    paragraph; best of 3 each."""
    with gzip.open(SQUAD) as compressed:
        data = json.load(compressed)
    paragraphs = [p["context"] for article in data["data"] for p in article["paragraphs"]]
    document = "\n\n".join(paragraphs).encode("utf-8")[: SPLIT_MB * 1_000_000]
    text = document.decode("utf-8", errors="ignore")
    wrapped = "\n\n".join(textwrap.fill(p, 72) for p in paragraphs)
    wrapped = wrapped.encode("utf-8")[: SPLIT_MB * 1_000_000].decode("utf-8", errors="ignore")
    paragraph = " ".join(paragraphs)[:1_000_000]
    return {
        "mb_per_s": round(len(document) / 1e6 / _best_seconds(text), 1),
        "wrapped_mb_per_s": round(len(wrapped.encode("utf-8")) / 1e6 / _best_seconds(wrapped), 1),
        "one_mb_paragraph_s": round(_best_seconds(paragraph), 3),
    }


def _best_seconds(text: str) -> float:
    document = make_document(text, source="bench.txt")
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        split_document(document)
        best = min(best, time.perf_counter() - started)
    return best


def splitting_line(speed: dict[str, float]) -> str:
    return (
        f"Sentence splitting (structure reader included): {speed['mb_per_s']} MB/s of English "
        f"text, {speed['wrapped_mb_per_s']} MB/s of it hard-wrapped at 72 columns, one 1 MB "
        f"paragraph in {speed['one_mb_paragraph_s']} s."
    )


def table(report: dict[str, Any]) -> str:
    e, cold = report["embedding"], report["cold"]
    rate, speedup = e["sentences_per_s"], e["speedup"]
    lines = [
        f"Machine: {report['machine']}. Embedding {e['sentences_per_round']:,} SQuAD sentences "
        f"({e['mean_chars']} characters on average), median of {e['rounds']} alternating rounds: "
        f"sentence-transformers' default `encode` (float32) {rate['sentence_transformers_default']}"
        f" sentences/s; **this project's default path {rate['default']} sentences/s "
        f"({speedup['default']}x)**; ONNX float32 {rate['onnx_fp32']} ({speedup['onnx_fp32']}x). "
        f"Cold start: `qa ask` on the sample {cold['qa_ask_s']} s, app to its first page "
        f"{cold['app_first_page_s']} s. {splitting_line(report['splitting'])}",
        "",
        "| sentences | sentence index | recall@10 | search p95 ms | hybrid p50/p95 ms | "
        "dense p50/p95 | bm25 p50/p95 | hybrid, no reader | dense, no reader | "
        "bm25, no reader | loaded GB | serving GB (own + mapped file) | build peak GB | store MB | "
        "load s |",
        "|---:" * 15 + "|",
    ]
    for r in report["sizes"]:
        cells = [f"{r['sentences']:,}", r["index"], f"{r['recall_at_10']:.3f}"]
        cells.append(f"{r['dense_search_p95_ms']:.1f}")
        for key in (*MODES, *(f"{m}_no_reader" for m in MODES)):
            cells.append(f"{r[f'{key}_p50_ms']:.0f} / {r[f'{key}_p95_ms']:.0f}")
        cells.append(str(r["loaded_gb"]))
        cells.append(f"{r['serving_gb']} ({r['serving_anon_gb']} + {r['serving_file_gb']})")
        for key in ("build_peak_gb", "store_mb", "load_s"):
            cells.append(str(r[key]))
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
    parser.add_argument("--base", type=int, default=60_000, help="sentences really embedded")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="embedding throughput rounds")
    parser.add_argument("--per-round", type=int, default=2000, help="sentences per round")
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="measure only the cold starts (`qa ask`, the app to its first page; about a "
        "minute) and print them; the README's start-up figures",
    )
    parser.add_argument(
        "--splitting-only",
        action="store_true",
        help="measure only sentence splitting (MB/s of English text, a 1 MB paragraph; "
        "seconds) and print it",
    )
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)  # child processes
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_only:
        cold = cold_starts()
        print(
            f"Cold start (median of 3): `qa ask` on the sample {cold['qa_ask_s']} s, "
            f"app to its first page {cold['app_first_page_s']} s"
        )
        return 0
    if args.splitting_only:
        print(splitting_line(splitting_speed()))
        return 0
    if args.build:  # a child: one result as JSON on stdout
        print(json.dumps(build_size(args.build, args.base_file, args.store, args.questions)))
        return 0
    if args.serve:
        print(json.dumps(serve_size(args.store, args.base_file, args.questions)))
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    base = work / "base.npz"
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "splitting": splitting_speed(),
        "embedding": embed_base(args.base, base, args.rounds, args.per_round),
        "sizes": [],
    }
    print(json.dumps(report["embedding"]), flush=True)
    for size in args.sizes:
        store = work / f"store-{size}"
        built = _child(
            "--build",
            str(size),
            "--base-file",
            str(base),
            "--store",
            str(store),
            "--questions",
            str(args.questions),
        )
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
