"""The threshold above which a collection of English and Chinese documents answers an English
question from its Chinese part when its English part abstains ("to-zh-fallback" in
qa/data/calibration.json; `qa.assistant.MixedAssistant`).

Answerable: the CMRC 2018 *trial* questions translated into English by hand
(docs/eval/cmrc2018-trial-english-questions.json) asked of the whole trial set. Unanswerable:
English SQuAD train questions (articles every `--every`th) asked of the same Chinese
sentences, which do not hold their answers. The score is the question's best cosine
(multilingual-e5-small, sentences titled as the Chinese settings index them, questions followed
by the Chinese words their pinyin names spell, as `Assistant.retrieve` embeds them). The scores
overlap (Youden's J is reported too), and in a mixed collection most English questions are
about its English documents, so the threshold keeps `SPECIFICITY` of the unanswerable ones
out: a wrong answer from the other language costs more than a "not found". Neither set is
reported on (the reports use CMRC dev and SQuAD dev).

Reproduce:
  ./dev.sh python scripts/tune_to_chinese.py ../shared/data/cmrc2018/squad-style-data_cmrc2018_trial.json \
      ../shared/data/squad/squad-v1.1-train-part.rebuilt.json.gz [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings import MULTILINGUAL_MODEL, embed_queries, make_embedder  # noqa: E402
from qa.evaluation.datasets import from_squad  # noqa: E402
from qa.evaluation.metrics import roc_auc  # noqa: E402
from qa.index.embedding import indexed_text  # noqa: E402
from qa.search.transliteration import Transliterations  # noqa: E402
from scripts.tune_on_train import store_calibration, train_slice  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "docs/eval/cmrc2018-trial-english-questions.json"
SPECIFICITY = 0.98


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trial", type=Path, help="CMRC 2018 trial, SQuAD JSON")
    parser.add_argument("train", type=Path, help="SQuAD v1.1 train part, SQuAD JSON (.gz)")
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    chinese = from_squad("cmrc2018-trial", json.loads(args.trial.read_text(encoding="utf-8")))
    english = [q.question for q in train_slice(args.train, args.every).questions]
    translated = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))["questions"]
    asked = [translated[q.qid] for q in chinese.questions if q.qid in translated]

    model = make_embedder(MULTILINGUAL_MODEL, show_progress=True)
    corpus = chinese.corpus
    texts = [indexed_text(corpus, r, True) for r in range(len(corpus.sentences))]
    sentences = model.embed(texts)
    named = Transliterations.of_texts(texts).named  # as the assistant embeds them
    best = {
        name: (embed_queries(model, [named(q) for q in questions]) @ sentences.T).max(axis=1)
        for name, questions in (("answerable", asked), ("unanswerable", english))
    }
    scores = np.concatenate([best["answerable"], best["unanswerable"]])
    labels = np.concatenate([np.ones(len(asked)), np.zeros(len(english))]).astype(bool)
    youden = max(
        np.unique(np.round(scores, 3)),
        key=lambda t: np.mean(best["answerable"] >= t) - np.mean(best["unanswerable"] >= t),
    )
    threshold = specific_threshold(best["unanswerable"])
    report = {
        "sentences": len(corpus.sentences),
        "answerable": len(asked),
        "unanswerable": len(english),
        "roc_auc": round(roc_auc(scores, labels), 3),
        "youden_threshold": round(float(youden), 3),
        "threshold": threshold,
        "answered_share_of_answerable": round(float(np.mean(best["answerable"] >= threshold)), 3),
        "abstained_share_of_unanswerable": round(
            float(np.mean(best["unanswerable"] < threshold)), 3
        ),
    }
    print(json.dumps(report, indent=2))
    if args.write:
        _write(report, args.every)


def specific_threshold(unanswerable: np.ndarray) -> float:
    """The threshold just above `SPECIFICITY` of the `unanswerable` scores: it keeps them out."""
    return round(float(np.quantile(unanswerable, SPECIFICITY)) + 0.0005, 3)


def _write(report: dict, every: int) -> None:
    store_calibration(
        {
            "embedder": MULTILINGUAL_MODEL,
            "threshold": report["threshold"],
            "reader": False,
            "language": "to-zh-fallback",
            "provenance": (
                f"scripts/tune_to_chinese.py --every {every}: {report['answerable']} CMRC 2018 "
                f"trial questions translated into English asked of all {report['sentences']} "
                f"trial sentences, against {report['unanswerable']} SQuAD train questions asked "
                f"of the same; the threshold abstains on {SPECIFICITY:.0%} of the second, "
                f"answers {report['answered_share_of_answerable']:.1%} "
                f"of the first (ROC AUC {report['roc_auc']}; Youden's J would be "
                f"{report['youden_threshold']:.3f})"
            ),
        }
    )


if __name__ == "__main__":
    main()
