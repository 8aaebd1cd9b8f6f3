"""Questions asked of articles in the other language: CMRC 2018 (or DRCD) dev questions
translated into English by hand (docs/eval/cmrc2018-dev-english-questions.json), or SQuAD dev
questions translated into Chinese (docs/eval/squad-v1.1-dev-chinese-questions.json), beside
the same questions as written, asked of the whole dev set's sentences and of their own article
alone; `answered` is the share of questions answered rather than abstained on at the packaged
thresholds (all are answerable).

Reproduce:
  ./dev.sh python scripts/cross_lingual.py ../shared/data/cmrc2018/squad-style-data_cmrc2018_dev.json
  ./dev.sh python scripts/cross_lingual.py ../shared/data/drcd/DRCD_dev.json \
      --translations docs/eval/drcd-dev-english-questions.json
  ./dev.sh python scripts/cross_lingual.py ../shared/data/squad/squad-v1.1-dev.rebuilt.json \
      --translations docs/eval/squad-v1.1-dev-chinese-questions.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings import CachedEmbedder, make_embedder  # noqa: E402
from qa.evaluation import Variant, evaluate, load_eval_set  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.types import Mode  # noqa: E402

TRANSLATIONS = Path(__file__).resolve().parents[1] / "docs/eval/cmrc2018-dev-english-questions.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dev", type=Path, help="the dev set, SQuAD JSON")
    parser.add_argument("--translations", type=Path, default=TRANSLATIONS)
    parser.add_argument(
        "--untranslated",
        action="store_true",
        help="without the dictionary and pinyin (Settings.cross_lingual off): the gain's baseline",
    )
    args = parser.parse_args()
    texts = json.loads(args.translations.read_text(encoding="utf-8"))["questions"]
    dev = load_eval_set(args.dev)
    original = replace(dev, questions=tuple(q for q in dev.questions if q.qid in texts))
    translated = replace(
        original,
        name=f"{dev.name}, {len(texts)} questions translated",
        questions=tuple(replace(q, question=texts[q.qid]) for q in original.questions),
    )
    settings = Settings().for_texts(d.text for d in dev.corpus.documents.values())
    settings = settings.with_(cross_lingual=not args.untranslated)
    embedder = CachedEmbedder(make_embedder(settings.embedder, show_progress=True))
    variants = [Variant(m.value, m, settings) for m in Mode]
    report: dict[str, object] = {}
    for language, eval_set in (("as written", original), ("translated", translated)):
        for scope, per_article in (("all articles", False), ("own article", True)):
            with tempfile.TemporaryDirectory() as folder:
                details = Path(folder) / "details.jsonl"
                result = evaluate(
                    eval_set,
                    embedder,
                    variants,
                    latency_sample=0,
                    details=details,
                    per_article=per_article,
                    indexing=settings,
                )
                rows = [json.loads(line) for line in details.read_text().splitlines()]
            report[f"{language}, {scope}"] = {
                mode: {
                    **{k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)},
                    "answered": _answered(rows, mode),
                }
                for mode, metrics in result["results"].items()
            }
    report["questions"] = len(original.questions)
    report["sentences"] = len(dev.corpus.sentences)
    report["embedder"] = settings.embedder
    print(json.dumps(report, indent=2, ensure_ascii=False))


def _answered(rows: list[dict], variant: str) -> float:
    asked = [row for row in rows if row["variant"] == variant]
    return round(sum(not row["abstained"] for row in asked) / len(asked), 4)


if __name__ == "__main__":
    main()
