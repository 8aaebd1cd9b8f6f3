"""How long the splitter's sentences are on SQuAD-format sets (characters per sentence), and
how many would be longer than their limit without the cut that bounds them.

Reproduce:
  ./dev.sh python scripts/sentence_lengths.py ../shared/data/cmrc2018/squad-style-data_cmrc2018_dev.json \\
      ../shared/data/drcd/DRCD_dev.json ../shared/data/squad/squad-v1.1-dev.rebuilt.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.ingest import splitting  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path, help="SQuAD-format JSON files")
    args = parser.parse_args()
    print("| set | paragraphs | sentences | p50 | p90 | p99 | max | over the limit uncut |")
    print("|---|---|---|---|---|---|---|---|")
    for path in args.files:
        data = json.loads(path.read_text(encoding="utf-8"))
        contexts = [p["context"] for a in data["data"] for p in a["paragraphs"]]
        lengths = np.array(
            [s.end - s.start for c in contexts for s in splitting.split_sentences(c)]
        )
        p50, p90, p99 = np.percentile(lengths, [50, 90, 99])
        print(
            f"| {path.name} | {len(contexts)} | {len(lengths)} | {p50:.0f} | {p90:.0f} | "
            f"{p99:.0f} | {lengths.max()} | {_overlong(contexts)} |"
        )


def _overlong(contexts: list[str]) -> int:
    """How many sentences would be longer than their limit (`splitting.max_chars`) uncut."""
    limits = splitting.MAX_SENTENCE_CHARS, splitting.MAX_CHINESE_SENTENCE_CHARS
    splitting.MAX_SENTENCE_CHARS = splitting.MAX_CHINESE_SENTENCE_CHARS = sys.maxsize
    try:
        spans = [(c, s) for c in contexts for s in splitting.split_sentences(c)]
    finally:
        splitting.MAX_SENTENCE_CHARS, splitting.MAX_CHINESE_SENTENCE_CHARS = limits
    return sum(s.end - s.start > splitting.max_chars(c, s.start, s.end) for c, s in spans)


if __name__ == "__main__":
    main()
