"""Thresholds for Chinese questions over English sentences, which the English assistant
searches and reads in their words' English glosses (`qa.search.glossing`): its answerability
model (all-MiniLM-L6-v2 with the reader) stays the one fitted on English askings; only the
threshold is fitted here, with `Calibration.needs_coverage` set (answerability 0 where the
passage mentions none of the question's glossed words), for two uses, through the production
`Assistant.ask` (run it twice after changing that rule: the second run scores with it):

- "zh": a Chinese question asked of an English collection. Answerable: the 50 SQuAD *train*
  questions translated into Chinese by hand (docs/eval/squad-v1.1-train-part-chinese-questions.json)
  asked of their own article; unanswerable: the same asked of another article, and of each
  English document of the development collection (docs/eval/real-docs: manuals, FAQs, man
  pages, READMEs, which none of them is about; Wikipedia alone set the threshold so low that
  "法国的首都是哪里？" was answered from a man page); the best
  Youden's J among the thresholds that abstain on at least `OFF_TOPIC` of the second (Youden's
  J alone, 0.014, abstains on only 70%).
- "to-en-fallback": a Chinese question that a mixed collection's Chinese part abstains on, asked of
  its English part (`qa.assistant.MixedAssistant`). Answerable: the same 50 asked of all the
  tuning articles; unanswerable: CMRC 2018 *trial* questions (about Chinese articles) asked of
  the same; the threshold keeps `SPECIFICITY` of them out, as "to-zh-fallback" does.

Neither set is reported on (the reports use SQuAD dev translations and CMRC dev).

Reproduce:
  ./dev.sh python scripts/tune_from_chinese.py ../shared/data/squad/squad-v1.1-train-part.rebuilt.json.gz \
      ../shared/data/cmrc2018/squad-style-data_cmrc2018_trial.json [--write]   # ~2 min
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings import CachedEmbedder, make_embedder  # noqa: E402
from qa import Assistant, Settings  # noqa: E402
from qa.answer.calibration import calibration_for  # noqa: E402
from qa.evaluation.datasets import from_squad  # noqa: E402
from qa.evaluation.metrics import roc_auc  # noqa: E402
from scripts.tune_on_train import store_calibration, train_slice  # noqa: E402
from scripts.tune_to_chinese import SPECIFICITY, specific_threshold  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "docs/eval/squad-v1.1-train-part-chinese-questions.json"
REAL_DOCS = ROOT / "docs/eval/real-docs/docs"
OFF_TOPIC = 0.95


def main() -> None:
    parser = train_and_trial_parser(__doc__)
    parser.add_argument("--chinese", type=int, default=500, help="CMRC trial questions")
    args = parser.parse_args()
    english = train_slice(args.train, args.every)
    translated = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))["questions"]
    asked = [(q.article, translated[q.qid]) for q in english.questions if q.qid in translated]
    trial = from_squad("cmrc2018-trial", json.loads(args.trial.read_text(encoding="utf-8")))
    every = max(1, len(trial.questions) // args.chinese)
    chinese = [q.question for q in trial.questions if q.question.strip()][::every]

    settings = Settings()
    embedder = CachedEmbedder(make_embedder(settings.embedder))
    texts: dict[str, list[str]] = {}
    for document in english.corpus.documents.values():
        texts.setdefault(document.title, []).append(document.text)
    alone = {title: Assistant.from_texts(t, settings, embedder) for title, t in texts.items()}
    everything = Assistant.from_corpus(english.corpus, settings, embedder)

    rng = random.Random(0)
    titles = sorted(alone)
    own = [alone[title].ask(q, k=1).answerability for title, q in asked]
    other = [
        alone[rng.choice([t for t in titles if t != title])].ask(q, k=1).answerability
        for title, q in asked
    ]
    for path in sorted(REAL_DOCS.glob("*")):
        if "-zh-" not in path.name:  # the English ones
            document = Assistant.from_paths([path], settings, embedder)
            other += [document.ask(q, k=1).answerability for _, q in asked]
    answerable = [everything.ask(q, k=1).answerability for _, q in asked]
    unanswerable = [everything.ask(q, k=1).answerability for q in chinese]
    report = {
        "zh": _youden(np.array(own), np.array(other)),
        "to-en-fallback": _specific(np.array(answerable), np.array(unanswerable)),
        "askings": {"translated": len(asked), "off-topic": len(other), "chinese": len(chinese)},
    }
    print(json.dumps(report, indent=2))
    if args.write:
        _write(settings, report)


def train_and_trial_parser(doc: str | None) -> argparse.ArgumentParser:
    """The arguments of a script tuned on the SQuAD train part and CMRC 2018 trial."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("train", type=Path, help="SQuAD v1.1 train part, SQuAD JSON (.gz)")
    parser.add_argument("trial", type=Path, help="CMRC 2018 trial, SQuAD JSON")
    parser.add_argument("--every", type=int, default=6, help="as scripts/tune_on_train.py")
    parser.add_argument("--write", action="store_true")
    return parser


def _youden(pos: np.ndarray, neg: np.ndarray) -> dict[str, float]:
    candidates = [
        t for t in np.unique(np.round(np.r_[pos, neg], 3)) if np.mean(neg < t) >= OFF_TOPIC
    ]
    _, threshold = max((np.mean(pos >= t) - np.mean(neg >= t), t) for t in candidates)
    return _figures(pos, neg, float(threshold))


def _specific(pos: np.ndarray, neg: np.ndarray) -> dict[str, float]:
    return _figures(pos, neg, specific_threshold(neg))


def _figures(pos: np.ndarray, neg: np.ndarray, threshold: float) -> dict[str, float]:
    labels = np.r_[np.ones(len(pos)), np.zeros(len(neg))].astype(bool)
    return {
        "threshold": round(threshold, 3),
        "answered_share_of_answerable": round(float(np.mean(pos >= threshold)), 3),
        "abstained_share_of_unanswerable": round(float(np.mean(neg < threshold)), 3),
        "roc_auc": round(roc_auc(np.r_[pos, neg], labels), 3),
    }


def _write(settings: Settings, report: dict) -> None:
    english = calibration_for(settings.embedder, settings.reader, exact=True)
    assert english is not None, "the English calibration must be fitted first"
    n = report["askings"]
    for language, uses in (
        (
            "zh",
            f"{n['translated']} SQuAD train questions translated into Chinese asked of "
            "their own article, against the same asked of another article and of each English "
            "document of docs/eval/real-docs (Youden's J, abstaining "
            f"on at least {OFF_TOPIC:.0%} of the second)",
        ),
        (
            "to-en-fallback",
            f"the same asked of all tuning articles, against {n['chinese']} CMRC "
            f"2018 trial questions asked of them (abstaining on {SPECIFICITY:.0%})",
        ),
    ):
        figures = report[language]
        entry = {
            **{k: v for k, v in asdict(english).items() if k not in ("provenance", "language")},
            "language": language,
            "needs_coverage": True,
            "threshold": figures["threshold"],
            "provenance": (
                f"scripts/tune_from_chinese.py: the English reader calibration's model, its "
                f"threshold for Chinese questions searched in their glosses: {uses}; answers "
                f"{figures['answered_share_of_answerable']:.1%}, abstains on "
                f"{figures['abstained_share_of_unanswerable']:.1%} (ROC AUC {figures['roc_auc']})"
            ),
        }
        store_calibration(entry)


if __name__ == "__main__":
    main()
