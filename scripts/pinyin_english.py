"""The English words that spell one pinyin syllable (`_ENGLISH_SYLLABLES` in
qa/search/transliteration.py): those written in lower case at least `--min-count` times in the
articles of the SQuAD train part, where lower case means an English word, not a name.

Reproduce:
  ./dev.sh python scripts/pinyin_english.py ../shared/data/squad/squad-v1.1-train-part.rebuilt.json.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.search.transliteration import _pinyin_syllables  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path, help="SQuAD v1.1 train part, SQuAD JSON (.gz)")
    parser.add_argument("--min-count", type=int, default=10)
    args = parser.parse_args()
    with gzip.open(args.train, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    counts: Counter[str] = Counter()
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            counts.update(re.findall(r"\b[a-z]+\b", paragraph["context"]))
    syllables = _pinyin_syllables()
    found = [w for w, n in counts.most_common() if w in syllables and n >= args.min_count]
    print(" ".join(found))


if __name__ == "__main__":
    main()
