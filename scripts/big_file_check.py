"""Index one very large text file and report time per phase and peak memory.

    ./dev.sh python scripts/big_file_check.py --megabytes 200 --embedder hash

The file is made from SQuAD train paragraphs (`../shared/data/squad/`), repeated with a
numbered heading each time until it reaches the size asked for, and indexed with `qa index`'s
own code (`qa.serve.indexing.index_paths`) into a new store, which is then loaded and asked a
question. `--embedder hash` stands in a fast 384-d hashing embedder for the model, so the
reading, splitting, BM25, FAISS and storing of a 200 MB file can be measured in minutes;
the real model's share is extrapolated from its measured speed on a sample of the file's
sentences (`--model-sample`). Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import shutil
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import normalize_rows  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.serve.indexing import index_paths  # noqa: E402
from qa.settings import Settings  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad" / "squad-v1.1-train-part.rebuilt.json.gz"


class HashEmbedder:
    """A stand-in for the model: a pseudo-random unit vector per distinct text, fast."""

    name = "hash-384"
    dimension = 384

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [
            np.random.default_rng(zlib.crc32(t.encode())).standard_normal(self.dimension)
            for t in texts
        ]
        return normalize_rows(np.asarray(rows, dtype=np.float32).reshape(-1, self.dimension))


def make_file(path: Path, megabytes: int) -> None:
    with gzip.open(SQUAD) as compressed:
        data = json.load(compressed)
    text = "\n\n".join(p["context"] for a in data["data"] for p in a["paragraphs"])
    target, copy = megabytes * 1_000_000, 0
    with path.open("w", encoding="utf-8") as out:
        while out.tell() < target:
            copy += 1
            out.write(f"Part {copy}\n\n{text}\n\n")


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--embedder", choices=["hash", "model"], default="hash")
    parser.add_argument("--model-sample", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="keep the store in this folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="big-file-"))
    source = work / "big.txt"
    make_file(source, args.megabytes)
    size = source.stat().st_size
    print(f"file: {size / 1e6:.0f} MB; peak memory before indexing {peak_gb():.2f} GB")

    phases: dict[str, list[float]] = {}
    shown: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        span = phases.setdefault(phase, [now, now])
        span[1] = now
        if now - shown.get(phase, 0.0) > 30 or done == total:
            shown[phase] = now
            print(f"  {phase}: {done:,}/{total:,} ({peak_gb():.2f} GB peak so far)", flush=True)

    if args.embedder == "hash":
        settings, embedder = Settings(embedder=HashEmbedder.name, reader=False), HashEmbedder()
    else:
        from embeddings import SentenceTransformerEmbedder

        settings = Settings()
        embedder = SentenceTransformerEmbedder(settings.embedder)
    store = args.keep or work / "store"
    started = time.perf_counter()
    report = index_paths([source], store, settings, lambda: embedder, progress)
    total = time.perf_counter() - started
    print(
        f"indexed: {report.sentences:,} sentences in {total:.0f} s; "
        f"peak memory {peak_gb():.2f} GB; store {_folder_mb(store):.0f} MB"
    )
    for phase, (first, last) in phases.items():
        print(f"  {phase}: {last - first:.0f} s")

    started = time.perf_counter()
    assistant = Assistant.load(store, embedder)
    loaded = time.perf_counter() - started
    question = "Which university is home to the Fighting Irish?"
    started = time.perf_counter()
    best = assistant.ask(question, k=1).citations[0]
    asked = time.perf_counter() - started
    print(f"load {loaded:.1f} s; ask {asked * 1000:.0f} ms: [1] {best.text[:90]}")

    if args.model_sample:
        from embeddings import SentenceTransformerEmbedder

        model = SentenceTransformerEmbedder()
        texts = [s.text for s in assistant.corpus.sentences[: args.model_sample]]
        started = time.perf_counter()
        model.embed(texts)
        rate = len(texts) / (time.perf_counter() - started)
        hours = report.sentences / rate / 3600
        print(f"model: {rate:.0f} sentences/s here; all {report.sentences:,}: ~{hours:.1f} h")
    print(f"peak memory at the end {peak_gb():.2f} GB")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


if __name__ == "__main__":
    raise SystemExit(main())
