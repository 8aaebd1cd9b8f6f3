"""Incremental indexing: run `qa index` on a 100-file folder, again unchanged, then after
changing one file; report each run's time and how many sentences it embedded.

    ./dev.sh python scripts/incremental_check.py --files 100

The folder holds SQuAD v1.1 dev's paragraphs (`../shared/data/squad/`) dealt into `--files`
text files. The acceptance: the unchanged run embeds 0 sentences in under 10% of the first
run's time, and the changed run embeds only the changed file's sentences (their count is
checked against the store) while every other sentence keeps its id.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.index.store import load_store  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad" / "squad-v1.1-dev.rebuilt.json"


def run_index(folder: Path, store: Path) -> tuple[dict, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "qa"), "index", str(folder), "--store", str(store), "--json"],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    args = parser.parse_args()
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    paragraphs = [p["context"] for a in data["data"] for p in a["paragraphs"]]
    work = Path(tempfile.mkdtemp(prefix="incremental-"))
    folder, store = work / "folder", work / "store"
    folder.mkdir()
    for i in range(args.files):
        part = paragraphs[i :: args.files]
        (folder / f"part-{i:03d}.txt").write_text("\n\n".join(part) + "\n", encoding="utf-8")

    first, first_s = run_index(folder, store)
    ids_before = {(s.doc_id, s.start): s.sentence_id for s in load_store(store).corpus.sentences}
    again, again_s = run_index(folder, store)
    changed_file = folder / f"part-{args.files // 2:03d}.txt"
    with changed_file.open("a", encoding="utf-8") as out:
        out.write("\nThis sentence was added to one file. So was this one.\n")
    changed, changed_s = run_index(folder, store)
    corpus = load_store(store).corpus
    (doc,) = [d for d in corpus.documents.values() if d.source == str(changed_file)]
    kept = [
        ids_before.get((s.doc_id, s.start)) == s.sentence_id
        for s in corpus.sentences
        if s.doc_id != doc.doc_id
    ]
    result = {
        "files": args.files,
        "sentences": first["sentences"],
        "first_run": {"seconds": round(first_s, 1), "embedded": first["embedded_sentences"]},
        "unchanged_run": {"seconds": round(again_s, 1), "embedded": again["embedded_sentences"]},
        "unchanged_share_of_first": round(again_s / first_s, 3),
        "one_file_changed": {
            "seconds": round(changed_s, 1),
            "embedded": changed["embedded_sentences"],
            "that_file_has": len(corpus.document_sentences(doc.doc_id)),
            "other_sentences_kept_their_ids": f"{sum(kept)}/{len(kept)}",
        },
    }
    print(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
