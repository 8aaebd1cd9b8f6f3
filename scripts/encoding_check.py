"""Chinese files in legacy encodings index and answer as their UTF-8 originals do.

    ./dev.sh python scripts/encoding_check.py --articles 20

Writes the first articles of CMRC 2018 dev (Simplified Chinese) as GBK and GB18030 files and
of DRCD dev (Traditional Chinese) as Big5 files, one file per article (paragraphs separated
by blank lines), plus the same articles as UTF-8; indexes each folder with the settings a
Chinese collection gets by default (`Settings.for_texts`: multilingual-e5-small, titled
sentences; `qa.ingest.files` detects the encodings: nothing declares them), asks every question of those
articles, and reports for each encoding: files whose decoded text equals the original, and
questions whose citation [1] holds the gold answer. An article Big5 cannot encode is left out.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import CachedEmbedder, Embedder, make_embedder  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.ingest.files import ingest  # noqa: E402
from qa.settings import Settings  # noqa: E402

# What `qa index` chooses for these (Chinese) articles; identical texts are embedded once.
SETTINGS = Settings().for_texts(["中文"])

DATA = ROOT.parent / "shared" / "data"
SETS = {
    "CMRC 2018 dev": (DATA / "cmrc2018" / "squad-style-data_cmrc2018_dev.json", ["gbk", "gb18030"]),
    "DRCD dev": (DATA / "drcd" / "DRCD_dev.json", ["big5"]),
}


def articles(path: Path, count: int, encodings: list[str]) -> list[tuple[str, list[dict]]]:
    """`(text, questions)` of the first `count` articles every encoding can write."""
    chosen = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        text = "\n\n".join(p["context"] for p in article["paragraphs"]) + "\n"
        try:
            for encoding in encodings:
                text.encode(encoding)
        except UnicodeEncodeError:
            continue
        questions = [q for p in article["paragraphs"] for q in p["qas"]]
        chosen.append((text, questions))
        if len(chosen) == count:
            break
    return chosen


def measure(folder: Path, chosen: list, embedder: Embedder) -> tuple[int, int]:
    """Files read back exactly, and questions whose [1] holds a gold answer."""
    texts = {doc.text for doc in ingest([folder]).documents}
    exact = sum(text in texts for text, _ in chosen)
    assistant = Assistant.from_paths([folder], SETTINGS, embedder)
    right = 0
    for _, questions in chosen:
        for q in questions:
            cited = assistant.ask(q["question"], k=1).citations
            answers = {a["text"] for a in q["answers"]}
            right += bool(cited) and any(a in cited[0].text for a in answers)
    return exact, right


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    args = parser.parse_args()
    embedder = CachedEmbedder(make_embedder(SETTINGS.embedder))
    work = Path(tempfile.mkdtemp(prefix="encodings-"))
    for name, (path, encodings) in SETS.items():
        chosen = articles(path, args.articles, encodings)
        asked = sum(len(qs) for _, qs in chosen)
        print(f"{name}: {len(chosen)} articles, {asked} questions")
        for encoding in ["utf-8", *encodings]:
            folder = work / f"{name.split()[0]}-{encoding}"
            folder.mkdir()
            for i, (text, _) in enumerate(chosen):
                (folder / f"article-{i:03d}.txt").write_bytes(text.encode(encoding))
            exact, right = measure(folder, chosen, embedder)
            print(
                f"  {encoding:8} read back exactly {exact}/{len(chosen)}; "
                f"[1] holds the answer {right}/{asked} ({right / asked:.1%})",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
