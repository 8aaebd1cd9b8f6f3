"""Tune fusion and calibrate abstention on a slice of SQuAD v1.1 *train* (never on dev).

Reproduce:  .venv/bin/python scripts/tune_on_train.py ../shared/data/squad/squad-v1.1-train-part.rebuilt.json.gz [--write]

It takes every 6th article of the train part (about 2,200 paragraphs, the size of SQuAD dev),
splits the paragraphs with our splitter and, through the production `Assistant.retrieve`,
  1. reports MRR / R@1 of BM25, dense, and hybrid under each fusion setting of a small grid;
  2. calibrates the abstention threshold on the question's best cosine similarity to any
     sentence: answerable = the question asked of its own article, unanswerable = the same
     question asked of another article; the threshold maximises balanced accuracy (Youden's J).
With --write it stores the threshold in qa/data/calibration.json. Sentence and question vectors
are cached under .qa-cache/tune/ (keyed by their texts).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings import DEFAULT_MODEL, SentenceTransformerEmbedder  # noqa: E402
from qa import Assistant, Fusion, Mode, Settings  # noqa: E402
from qa.evaluation.datasets import from_squad  # noqa: E402
from qa.evaluation.metrics import ranking_metrics  # noqa: E402

GRID = [
    Settings(fusion=Fusion.RRF, rrf_k=60),
    *(
        Settings(lexical_weight=w, passage_lexical_weight=p, passage_dense_weight=d)
        for w, p, d in [
            (1.6, 0.0, 0.0),
            (1.6, 1.6, 0.0),
            (1.6, 0.0, 0.4),
            (1.6, 1.6, 0.4),
            (1.6, 2.0, 0.4),
            (1.6, 1.6, 0.8),
        ]
    ),
]


class PrecomputedEmbedder:
    """Serves cached vectors by text, so every setting is scored on identical embeddings."""

    def __init__(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.name, self.dimension = DEFAULT_MODEL, vectors.shape[1]
        self._row = {t: i for i, t in enumerate(texts)}
        self._vectors = vectors

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors[[self._row[t] for t in texts]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("train", type=Path)
    parser.add_argument("--every", type=int, default=6)
    parser.add_argument("--cache", type=Path, default=Path(".qa-cache/tune"))
    parser.add_argument(
        "--write", action="store_true", help="store the threshold in qa/data/calibration.json"
    )
    parser.add_argument("--calibrate-only", action="store_true", help="skip the retrieval grid")
    args = parser.parse_args()

    with gzip.open(args.train, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    data["data"] = data["data"][:: args.every]
    eval_set = from_squad("squad-train-slice", data)
    sentences = eval_set.corpus.sentences
    questions = [q for q in eval_set.questions if q.gold]
    print(
        f"{len(data['data'])} articles, {len(sentences)} sentences, {len(questions)} questions",
        file=sys.stderr,
    )

    model = SentenceTransformerEmbedder(DEFAULT_MODEL, show_progress=True)
    s_texts, q_texts = [s.text for s in sentences], [q.question for q in questions]
    s_vec = _cached(args.cache / f"sentences-{_digest(s_texts)}.npy", lambda: model.embed(s_texts))
    q_vec = _cached(args.cache / f"questions-{_digest(q_texts)}.npy", lambda: model.embed(q_texts))
    embedder = PrecomputedEmbedder(s_texts + q_texts, np.vstack([s_vec, q_vec]))

    gold = {q.qid: q.gold for q in questions}
    report: dict[str, object] = {}
    grid = (
        []
        if args.calibrate_only
        else [(Mode.BM25, Settings()), (Mode.DENSE, Settings())]
        + [(Mode.HYBRID, s.with_(reader=False)) for s in GRID]
    )
    for mode, settings in grid:
        assistant = Assistant.from_corpus(eval_set.corpus, settings, embedder)
        runs = {
            q.qid: [r.row for r in assistant.retrieve(q.question, mode, q_vec[i]).ranking]
            for i, q in enumerate(questions)
        }
        name = mode.value if mode != Mode.HYBRID else f"hybrid {_describe(settings)}"
        report[name] = {k: round(v, 4) for k, v in ranking_metrics(gold, runs).items()}
        print(name, report[name], file=sys.stderr)
    report["abstention"] = _calibrate(questions, eval_set, q_vec @ s_vec.T)
    print(json.dumps(report, indent=2))
    if args.write:
        _write_calibration(report["abstention"], len(questions), args.every)


def _describe(settings: Settings) -> str:
    if settings.fusion == Fusion.RRF:
        return f"rrf k={settings.rrf_k:g} dense_weight={settings.dense_weight:g}"
    return (
        f"linear lexical_weight={settings.lexical_weight:g} "
        f"passage_lexical_weight={settings.passage_lexical_weight:g} "
        f"passage_dense_weight={settings.passage_dense_weight:g}"
    )


def _calibrate(questions, eval_set, sims) -> dict[str, float]:  # noqa: ANN001
    """Answerable: the question asked of its own article alone. Unanswerable: the same
    question asked of one other article, drawn at random. One article per collection is how
    people use the assistant (a few articles at a time), so the negatives are off-topic
    collections, not the nearest of 10,000 Wikipedia sentences."""
    from sklearn.metrics import roc_auc_score

    documents, sentences = eval_set.corpus.documents, eval_set.corpus.sentences
    article = np.array([documents[s.doc_id].title for s in sentences])
    articles = sorted(set(article))
    rng = np.random.default_rng(0)
    pos, neg = [], []
    for i, q in enumerate(questions):
        own = article[next(iter(q.gold))]
        other = rng.choice([a for a in articles if a != own])
        pos.append(sims[i][article == own].max())
        neg.append(sims[i][article == other].max())
    pos, neg = np.array(pos), np.array(neg)
    # Youden's J: the threshold with the best balanced accuracy.
    candidates = np.unique(np.round(np.r_[pos, neg], 3))
    _, threshold = max((np.mean(pos >= t) - np.mean(neg >= t), t) for t in candidates)
    return {
        "threshold": round(float(threshold), 3),
        "answered_share_of_answerable": float(np.mean(pos >= threshold)),
        "abstained_share_of_unanswerable": float(np.mean(neg < threshold)),
        "roc_auc": float(
            roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg])
        ),
    }


def _write_calibration(abstention: dict[str, float], n: int, every: int) -> None:
    path = Path(__file__).resolve().parents[1] / "qa" / "data" / "calibration.json"
    entry = {
        "embedder": DEFAULT_MODEL,
        "threshold": abstention["threshold"],
        "provenance": (
            f"scripts/tune_on_train.py --every {every} on SQuAD v1.1 train-part, {n} questions, "
            "Youden-optimal: answers "
            f"{abstention['answered_share_of_answerable']:.1%} of questions asked of their own article, "
            f"abstains on {abstention['abstained_share_of_unanswerable']:.1%} of the same questions "
            f"asked of another article (ROC AUC {abstention['roc_auc']:.3f})"
        ),
    }
    path.write_text(json.dumps({"calibrations": [entry]}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


def _digest(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]


def _cached(path: Path, compute: Callable[[], np.ndarray]) -> np.ndarray:
    if path.is_file():
        return np.load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    vectors = compute()
    np.save(path, vectors)
    return vectors


if __name__ == "__main__":
    main()
