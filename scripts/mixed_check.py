"""One collection, two languages (`qa.assistant.MixedAssistant`): English questions and Chinese questions asked of
a store holding SQuAD-style English paragraphs and CMRC 2018 Chinese paragraphs together,
against the same questions asked of an English-only and a Chinese-only collection; plus the
English translations of CMRC dev questions (docs/eval/cmrc2018-dev-english-questions.json)
asked of the mixed collection and of the Chinese one, and the Chinese translations of SQuAD dev
questions (docs/eval/squad-v1.1-dev-chinese-questions.json) asked of the mixed collection and
of the English one.

Each single-language collection is indexed as a user's would be (`Assistant.from_corpus`,
the automatic model); the mixed one is the two brought together through the same code path
as adding the other language's documents (`qa.assistant.per_language`), which keeps their vectors.
Prints JSON: MRR and R@1 for each set in each collection, time and peak memory of indexing
each language.

Reproduce:
  ./dev.sh python scripts/mixed_check.py ../shared/data/reqa/reqa-style-squad-v1.1-dev.json \
      ../shared/data/cmrc2018/squad-style-data_cmrc2018_dev.json --english-sample 2000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa import Assistant, Mode, Settings  # noqa: E402
from qa.assistant import MixedAssistant, Part, per_language  # noqa: E402
from qa.evaluation import load_eval_set  # noqa: E402
from qa.evaluation.datasets import EvalSet  # noqa: E402
from qa.evaluation.metrics import ranking_metrics  # noqa: E402
from qa.index.corpus import Corpus  # noqa: E402
from qa.index.languages import CHINESE, ENGLISH  # noqa: E402

EVAL = Path(__file__).resolve().parents[1] / "docs/eval"
TRANSLATIONS = EVAL / "cmrc2018-dev-english-questions.json"
CHINESE_TRANSLATIONS = EVAL / "squad-v1.1-dev-chinese-questions.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("english", type=Path, help="ReQA-style SQuAD dev JSON")
    parser.add_argument("chinese", type=Path, help="CMRC 2018 dev, SQuAD JSON")
    parser.add_argument("--english-sample", type=int, default=2000)
    parser.add_argument("--chinese-sample", type=int, default=0, help="0: every question")
    args = parser.parse_args()
    english = load_eval_set(args.english)
    chinese = load_eval_set(args.chinese)
    into_chinese = json.loads(CHINESE_TRANSLATIONS.read_text(encoding="utf-8"))["questions"]
    reverse = tuple(
        replace(q, question=into_chinese[q.qid]) for q in english.questions if q.qid in into_chinese
    )
    english = english.sample(args.english_sample) if args.english_sample else english
    chinese = chinese.sample(args.chinese_sample) if args.chinese_sample else chinese
    report: dict[str, object] = {}
    singles = {}
    for language, eval_set in ((ENGLISH, english), (CHINESE, chinese)):
        start, peak = time.perf_counter(), _peak_mb()
        singles[language] = Assistant.from_corpus(eval_set.corpus, Settings())
        report[f"indexing {language}"] = {
            "sentences": len(eval_set.corpus.sentences),
            "seconds": round(time.perf_counter() - start, 1),
            "peak_rss_growth_mb": round(_peak_mb() - peak),
            "model": singles[language].settings.embedder,
        }
    # The two collections as the parts of one, then re-indexed as adding documents does.
    together, offset = together_of(singles)
    start = time.perf_counter()
    mixed = per_language(together, together.corpus, Settings())
    report["mixed re-indexing seconds (nothing embedded)"] = round(time.perf_counter() - start, 1)
    assert isinstance(mixed, MixedAssistant)
    shifted = replace(
        chinese,
        questions=tuple(
            replace(q, gold=frozenset(g + offset for g in q.gold)) for q in chinese.questions
        ),
    )
    report["english questions"] = {
        "english-only": _scores(singles[ENGLISH], english),
        "mixed": _scores(mixed, english),
    }
    report["chinese questions"] = {
        "chinese-only": _scores(singles[CHINESE], chinese),
        "mixed": _scores(mixed, shifted),
    }
    translated = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))["questions"]
    cross = [
        replace(q, question=translated[q.qid]) for q in chinese.questions if q.qid in translated
    ]
    if cross:
        report["english questions over chinese articles"] = {
            "chinese-only": _scores(singles[CHINESE], replace(chinese, questions=tuple(cross))),
            "mixed": _scores(
                mixed,
                replace(
                    shifted,
                    questions=tuple(
                        replace(q, gold=frozenset(g + offset for g in q.gold)) for q in cross
                    ),
                ),
            ),
        }
    if reverse:
        asked = replace(english, questions=reverse)
        report["chinese questions over english articles"] = {
            "english-only": _scores(singles[ENGLISH], asked),
            "mixed": _scores(mixed, asked),
        }
    print(json.dumps(report, indent=2))


def together_of(singles: Mapping[str, Assistant]) -> tuple[MixedAssistant, int]:
    """The English and the Chinese collection as the parts of one, not yet re-indexed; the row
    where the Chinese sentences begin."""
    corpus, offset = _joined(singles[ENGLISH].corpus, singles[CHINESE].corpus)
    rows = {ENGLISH: range(offset), CHINESE: range(offset, len(corpus.sentences))}
    parts = [Part(name, _array(rows[name]), singles[name]) for name in (ENGLISH, CHINESE)]
    return MixedAssistant(corpus, parts), offset


def _scores(assistant: Assistant, eval_set: EvalSet) -> dict[str, float]:
    gold, runs = {}, {}
    for q in eval_set.questions:
        if q.gold:
            gold[q.qid] = q.gold
            runs[q.qid] = [r.row for r in assistant.rank(q.question, Mode.HYBRID).ranking]
    metrics = ranking_metrics(gold, runs)
    return {
        "questions": len(gold),
        "mrr": round(metrics["mrr"], 4),
        "r@1": round(metrics["recall@1"], 4),
    }


def _joined(first: Corpus, second: Corpus) -> tuple[Corpus, int]:
    """One corpus of both, `first`'s sentences first; the row where `second`'s begin."""
    offset = len(first.sentences)
    spans = [(s.sentence_id, s.doc_id, s.start, s.end, s.passage) for s in first.sentences] + [
        (s.sentence_id + offset, s.doc_id, s.start, s.end, s.passage) for s in second.sentences
    ]
    documents = [*first.documents.values(), *second.documents.values()]
    return Corpus.from_spans(documents, spans), offset


def _array(rows: range):  # noqa: ANN202
    import numpy as np

    return np.arange(rows.start, rows.stop, dtype=np.int64)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
