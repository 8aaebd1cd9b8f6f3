"""The four figures per kind of text from a `qa eval --details` run over this collection.

Run from the repository root, after `qa eval ... --details DETAILS.jsonl` (README.md here):
`.venv/bin/python docs/eval/real-docs/report.py DETAILS.jsonl [--variant NAME]`.

Per kind (the `kind` of each question in questions.jsonl) and in all: answerable questions
whose citation [1] holds an answer string ("[1] right"), of those the ones also answered
rather than abstained ("answered and right"), unanswerable questions abstained, and the
answerability ROC AUC (answerable against unanswerable). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from qa.evaluation.metrics import answer_hit, roc_auc

HERE = Path(__file__).resolve().parent


def figures(rows: list[dict]) -> dict[str, str]:
    """The table cells of one group of detail rows."""
    answerable = [r for r in rows if r["answers"]]
    unanswerable = [r for r in rows if not r["answers"]]
    right = [r for r in answerable if answer_hit(r["answers"], [r["top"]])]
    answered_right = [r for r in right if not r["abstained"]]
    abstained = [r for r in unanswerable if r["abstained"]]
    auc = "-"
    if answerable and unanswerable:
        auc = f"{roc_auc([r['answerability'] for r in rows], [bool(r['answers']) for r in rows]):.3f}"
    return {
        "questions": f"{len(answerable)} / {len(unanswerable)}",
        "[1] right": f"{len(right)}/{len(answerable)}",
        "answered and right": f"{len(answered_right)}/{len(answerable)}",
        "unanswerable abstained": f"{len(abstained)}/{len(unanswerable)}",
        "ROC AUC": auc,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("details", type=Path, help="the --details file of a qa eval run")
    parser.add_argument("--variant", help="the variant to report (default: the first)")
    args = parser.parse_args()
    kinds = {}
    for line in (HERE / "questions.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        kinds[row["id"]] = row["kind"]
    rows = [json.loads(line) for line in args.details.open(encoding="utf-8")]
    variant = args.variant or rows[0]["variant"]
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["variant"] == variant:
            groups[kinds[row["id"]]].append(row)
    table = {kind: figures(group) for kind, group in sorted(groups.items())}
    table["**all**"] = figures([r for group in groups.values() for r in group])
    columns = list(next(iter(table.values())))
    print("| kind | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for kind, cells in table.items():
        print(f"| {kind} | " + " | ".join(cells.values()) + " |")


if __name__ == "__main__":
    main()
