"""Check questions.jsonl against docs/ as the assistant reads them.

Run from the repository root: `.venv/bin/python docs/eval/real-docs/check.py [--verbose]`.

For every answerable question it checks that each answer string occurs verbatim in the
text `qa.ingest.converters.read_file` extracts from the question's document, on one line,
and that the sentence splitter keeps it inside one sentence (else `qa eval` finds no gold
sentence for it). It warns when an answer string occurs in more than three sentences or in
another document (a weak answer string), and prints the counts per document and kind.
Exit status 1 when an answer is missing or split.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from qa.index.corpus import Corpus
from qa.ingest.converters import read_file

HERE = Path(__file__).resolve().parent


def main(verbose: bool) -> int:
    rows = [json.loads(line) for line in (HERE / "questions.jsonl").open(encoding="utf-8")]
    paths = sorted((HERE / "docs").iterdir())
    docs = {p.name: read_file(p) for p in paths}
    corpus = Corpus.build(list(docs.values()))
    name_of = {doc.doc_id: name for name, doc in docs.items()}
    sentences = defaultdict(list)
    for s in corpus.sentences:
        sentences[name_of[s.doc_id]].append(s.text.lower())
    errors = 0
    ids = Counter(r["id"] for r in rows)
    for qid, n in ids.items():
        if n > 1:
            print(f"ERROR duplicate id {qid}")
            errors += 1
    per_doc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        name = r["document"]
        if name not in docs:
            print(f"ERROR {r['id']}: no document {name}")
            errors += 1
            continue
        per_doc[name][0 if r["answers"] else 1] += 1
        per_kind[r["kind"]][0 if r["answers"] else 1] += 1
        text = docs[name].text
        for answer in r["answers"]:
            if answer not in text:
                print(f"ERROR {r['id']}: answer not in the text: {answer!r}")
                errors += 1
                continue
            if "\n" in answer:
                print(f"ERROR {r['id']}: answer spans a line: {answer!r}")
                errors += 1
            own = sum(answer.lower() in s for s in sentences[name])
            if own == 0:
                print(f"ERROR {r['id']}: answer split across sentences: {answer!r}")
                errors += 1
            elif own > 3 and verbose:
                print(f"warn  {r['id']}: answer in {own} sentences: {answer!r}")
            elsewhere = [n for n in sentences if n != name and any(answer.lower() in s for s in sentences[n])]
            if elsewhere and verbose:
                print(f"warn  {r['id']}: answer also in {', '.join(elsewhere)}: {answer!r}")
    answerable = sum(1 for r in rows if r["answers"])
    print(f"{len(rows)} questions, {answerable} answerable, {len(rows) - answerable} unanswerable")
    for name in sorted(per_doc):
        a, u = per_doc[name]
        print(f"  {name:45} {a:3} answerable {u:3} unanswerable")
    for kind in sorted(per_kind):
        a, u = per_kind[kind]
        print(f"  kind {kind:15} {a:3} answerable {u:3} unanswerable")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main("--verbose" in sys.argv))
