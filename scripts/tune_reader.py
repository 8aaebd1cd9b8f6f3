"""Tune how the reader's score joins the ranking, and calibrate answerability with the reader,
on the every-6th-article slice of SQuAD v1.1 train (held out from reader training; never dev).

Reproduce:  ./dev.sh python scripts/tune_reader.py ../shared/data/squad/squad-v1.1-train-part.rebuilt.json.gz [--write]

1. Rerank: the slice's questions are ranked over the whole slice by the first stage; the
   reader reads each question's top 10 once; MRR is reported for each (read_depth,
   reader_weight) of a grid; the defaults in qa/settings.py are chosen from it.
2. Answerability, for the default read_depth and reader_weight: each sampled question is asked
   of (a) its own article (answerable), (b) its own article without the sentences holding its
   answer, (c) another article, and (d) its own article rewritten as a near miss
   (scripts/near_misses.py; b-d are unanswerable). A logistic model over the best cosine, the
   reader's best log-odds and the question's term coverage in the top sentence's passage
   (qa/answer/calibration.py) is fitted with balanced classes; the threshold answers 95% of the
   answerable askings (lower than Youden's J, which is reported too). With --write the model
   goes into qa/data/calibration.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings import DEFAULT_MODEL, CachedEmbedder, SentenceTransformerEmbedder  # noqa: E402
from qa import Assistant, Mode, Settings  # noqa: E402
from qa.answer.reader import Reader, log_odds, packaged_reader  # noqa: E402
from qa.answer.reading import read_ranking  # noqa: E402
from qa.evaluation.metrics import ranking_metrics, roc_auc  # noqa: E402
from qa.search.retrieval import Retrieval  # noqa: E402
from scripts.near_misses import names, near_miss  # noqa: E402
from scripts.real_doc_askings import Askings, asking_features, real_doc_askings  # noqa: E402
from scripts.tune_on_train import _cached, _digest, store_calibration, train_slice  # noqa: E402

DEPTHS = (3, 5, 10)
ANSWER_SHARE = 0.95
WEIGHTS = (0.05, 0.1, 0.15, 0.25, 0.5, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path)
    parser.add_argument("--every", type=int, default=6)
    parser.add_argument("--rerank-questions", type=int, default=2000)
    parser.add_argument(
        "--calibration-questions", type=int, default=1500, help="0: only the rerank grid"
    )
    parser.add_argument("--skip-grid", action="store_true", help="only calibrate")
    parser.add_argument("--reader", type=Path, help="a reader folder (default: the packaged one)")
    parser.add_argument(
        "--real-docs",
        action="store_true",
        help="fit on the English askings of docs/eval/real-docs too (scripts/real_doc_askings.py)",
    )
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    eval_set = train_slice(args.train, args.every)
    questions = [q for q in eval_set.questions if q.gold]
    rng = np.random.default_rng(0)
    embedder = CachedEmbedder(SentenceTransformerEmbedder(DEFAULT_MODEL, show_progress=True))
    texts = [s.text for s in eval_set.corpus.sentences]
    cache = Path(".qa-cache/tune") / f"sentences-{_digest(texts)}.npy"
    embedder.remember(texts, _cached(cache, lambda: embedder.inner.embed(texts)))
    reader = Reader.load(args.reader) if args.reader else packaged_reader()
    report = {}
    if not args.skip_grid:
        report["rerank"] = rerank_grid(
            eval_set, questions, embedder, reader, rng, args.rerank_questions
        )
        print(json.dumps(report, indent=2), file=sys.stderr)
    if not args.calibration_questions:
        return
    # Calibrate the reading that the package's defaults do.
    depth, weight = Settings().read_depth, Settings().reader_weight
    report["calibration"] = calibrate(
        eval_set,
        questions,
        embedder,
        reader,
        np.random.default_rng(1),
        args.calibration_questions,
        depth,
        weight,
        args.real_docs,
    )
    print(json.dumps(report, indent=2))
    if args.write:
        write_calibration(report["calibration"], args.every)


def rerank_grid(eval_set, questions, embedder, reader, rng, n) -> dict[str, float]:  # noqa: ANN001
    assistant = Assistant.from_corpus(eval_set.corpus, Settings(reader=False), embedder)
    sample = [
        questions[i] for i in rng.choice(len(questions), min(n, len(questions)), replace=False)
    ]
    first = {q.qid: assistant.retrieve(q.question, Mode.HYBRID) for q in sample}
    # Read once at the largest depth with weight 0 to record the reader's probabilities.
    probabilities = {}
    for q in sample:
        read = read_ranking(reader, eval_set.corpus, q.question, first[q.qid], max(DEPTHS), 0.0)
        probabilities[q.qid] = {r.row: r.evidence.reader_score for r in read.ranking[: max(DEPTHS)]}
    gold = {q.qid: q.gold for q in sample}
    results = {"first stage": ranking_metrics(gold, {q: _ids(r) for q, r in first.items()})["mrr"]}
    for depth in DEPTHS:
        for weight in WEIGHTS:
            runs = {q: _rescored(r, probabilities[q], depth, weight) for q, r in first.items()}
            results[f"depth {depth} weight {weight}"] = ranking_metrics(gold, runs)["mrr"]
    return {k: round(v, 4) for k, v in results.items()}


def _ids(retrieval: Retrieval) -> list[int]:
    return [r.row for r in retrieval.ranking]


def _rescored(
    retrieval: Retrieval, probabilities: dict[int, float], depth: int, weight: float
) -> list[int]:
    top = retrieval.ranking[:depth]
    order = sorted(
        top, key=lambda r: (-(r.score + weight * log_odds(probabilities[r.row])), r.rank)
    )
    return [r.row for r in order] + _ids(retrieval)[depth:]


def calibrate(
    eval_set, questions, embedder, reader, rng, n, depth, weight, with_real
) -> dict[str, object]:  # noqa: ANN001
    """Features (best cosine, reader log-odds) for answerable and unanswerable askings."""
    corpus = eval_set.corpus
    title = {d: doc.title for d, doc in corpus.documents.items()}
    article_of = [title[s.doc_id] for s in corpus.sentences]
    articles = sorted(set(article_of))
    settings = Settings(reader=False)
    by_article = {}
    for name in articles:
        ids = [i for i, a in enumerate(article_of) if a == name]
        part = corpus.subset(ids)
        by_article[name] = (
            Assistant.from_corpus(part, settings, embedder),
            {g: i for i, g in enumerate(ids)},
        )
    sample = [
        questions[i] for i in rng.choice(len(questions), min(n, len(questions)), replace=False)
    ]
    names_of = {
        name: list(
            dict.fromkeys(
                n
                for i, a in enumerate(article_of)
                if a == name
                for n in names(corpus.sentences[i].text)
            )
        )
        for name in articles
    }
    features, labels, kinds = [], [], []
    for q in sample:
        own = article_of[min(q.gold)]
        other = articles[
            (articles.index(own) + 1 + int(rng.integers(len(articles) - 1))) % len(articles)
        ]
        assistant, local = by_article[own]
        retrieval = assistant.retrieve(q.question, Mode.HYBRID)
        gold = frozenset(local[g] for g in q.gold)
        miss = near_miss(
            q.question,
            corpus.sentences[min(q.gold)].text,
            names_of[own],
            random.Random(len(labels)),
        )
        other_assistant = by_article[other][0]
        askings = [
            (q.question, assistant, retrieval, frozenset(), 1, "answerable"),
            (q.question, assistant, retrieval, gold, 0, "on_topic"),
            (
                q.question,
                other_assistant,
                other_assistant.retrieve(q.question, Mode.HYBRID),
                frozenset(),
                0,
                "off_topic",
            ),
        ]
        if miss is not None:
            askings.append(
                (
                    miss,
                    assistant,
                    assistant.retrieve(miss, Mode.HYBRID),
                    frozenset(),
                    0,
                    "near_miss",
                )
            )
        for question, asked, ranked, removed, label, kind in askings:
            features.append(
                asking_features(asked, reader, question, ranked, depth, weight, removed)
            )
            labels.append(label)
            kinds.append(kind)
    x, y, k = np.array(features), np.array(labels), np.array(kinds)
    np.savez(Path(".qa-cache/tune/calibration-features.npz"), x=x, y=y, kinds=k)
    real = real_doc_askings(embedder, reader, depth, weight) if with_real else None
    return fit(x, y, k, real)


REAL_SHARE = 0.3  # the real-document askings' share of the fit's weight, with --real-docs
# With --real-docs the threshold maximises ANSWER_COST x (share of answerable askings answered)
# - (share of unanswerable ones answered): a "not found" for a question the documents answer
# costs the user more than an answer to one they do not (1.0 would be Youden's J).
ANSWER_COST = 1.5


def fit(
    x: np.ndarray, y: np.ndarray, kinds: np.ndarray, real: Askings | None = None
) -> dict[str, object]:
    """Fit the logistic model on the SQuAD askings (`x`, `y`, `kinds`) and, when given, the
    real-document ones, each class balanced within its source and the real askings carrying
    `REAL_SHARE` of the weight. Threshold: without real askings, the one that answers
    `ANSWER_SHARE` of the answerable askings; with them, Youden's J on the weighted askings
    (SQuAD's answerable askings alone understate how often real documents' questions go
    unanswered). With real askings, the report adds their figures cross-validated by
    document: each document's askings scored by a model fitted without them."""
    share = REAL_SHARE if real is not None else 0.0
    rx = real.x if real is not None else x[:0]
    ry = real.y if real is not None else y[:0]
    model = _fitted(x, y, rx, ry, share)
    score = _probability(model, x)
    if real is None:
        candidates = np.unique(np.round(score, 3))
        _, youden = max(
            (np.mean(score[y == 1] >= t) - np.mean(score[y == 0] >= t), t) for t in candidates
        )
        # Wrongly abstaining on a question the articles answer costs the user more than a
        # wrong "not found" is saved, so the threshold answers at least ANSWER_SHARE of the
        # answerable askings (Youden's J is reported for comparison).
        threshold = min(
            youden, float(np.floor(np.quantile(score[y == 1], 1 - ANSWER_SHARE) * 1000) / 1000)
        )
    else:
        all_x, all_y = np.vstack([x, rx]), np.concatenate([y, ry])
        weights = np.concatenate([_balanced(y, 1 - share), _balanced(ry, share)])
        youden = _youden(_probability(model, all_x), all_y, weights, 1.0)
        threshold = _youden(_probability(model, all_x), all_y, weights, ANSWER_COST)
    shares = {
        f"abstained_share_{kind}": float(np.mean(score[kinds == kind] < threshold))
        for kind in ("on_topic", "off_topic", "near_miss")
    }
    report: dict[str, object] = {
        "cosine_weight": round(float(model.coef_[0][0]), 4),
        "reader_weight": round(float(model.coef_[0][1]), 4),
        "coverage_weight": round(float(model.coef_[0][2]), 4),
        "bias": round(float(model.intercept_[0]), 4),
        "threshold": round(float(threshold), 3),
        "youden_threshold": round(float(youden), 3),
        "roc_auc": roc_auc(score, y == 1),
        "roc_auc_cosine_only": roc_auc(x[:, 0], y == 1),
        "roc_auc_reader_only": roc_auc(x[:, 1], y == 1),
        "roc_auc_coverage_only": roc_auc(x[:, 2], y == 1),
        **{
            f"roc_auc_vs_{kind}": roc_auc(
                score[(kinds == kind) | (y == 1)], y[(kinds == kind) | (y == 1)] == 1
            )
            for kind in ("on_topic", "off_topic", "near_miss")
        },
        "answered_share_of_answerable": float(np.mean(score[y == 1] >= threshold)),
        **shares,
        "questions": int(np.sum(y == 1)),
    }
    if real is not None:
        report["real_documents"] = _cross_validated(x, y, real, share, float(threshold))
    return report


def _balanced(y: np.ndarray, share: float) -> np.ndarray:
    """Weights giving each class of `y` half of `share`."""
    positives, negatives = max(int(np.sum(y == 1)), 1), max(int(np.sum(y == 0)), 1)
    return np.where(y == 1, 0.5 * share / positives, 0.5 * share / negatives)


def _fitted(x: np.ndarray, y: np.ndarray, rx: np.ndarray, ry: np.ndarray, share: float):  # noqa: ANN202
    from sklearn.linear_model import LogisticRegression

    weights = np.concatenate([_balanced(y, 1 - share), _balanced(ry, share)])
    weights *= len(weights)
    return LogisticRegression(max_iter=2000).fit(
        np.vstack([x, rx]), np.concatenate([y, ry]), sample_weight=weights
    )


def _probability(model, x: np.ndarray) -> np.ndarray:  # noqa: ANN001
    return 1 / (1 + np.exp(-model.decision_function(x)))


def _youden(score: np.ndarray, y: np.ndarray, weights: np.ndarray, cost: float) -> float:
    def j(t: float) -> float:
        answered = score >= t
        return cost * np.sum(weights[(y == 1) & answered]) / np.sum(weights[y == 1]) - np.sum(
            weights[(y == 0) & answered]
        ) / np.sum(weights[y == 0])

    return float(max(np.unique(np.round(score, 3)), key=j))


def _cross_validated(
    x: np.ndarray, y: np.ndarray, real: Askings, share: float, threshold: float
) -> dict[str, object]:
    """The real askings scored by models fitted without their document's askings."""
    score = np.zeros(len(real.y))
    for group in np.unique(real.groups):
        held = real.groups == group
        model = _fitted(x, y, real.x[~held], real.y[~held], share)
        score[held] = _probability(model, real.x[held])
    answerable, kinds = real.y == 1, real.kinds
    return {
        "askings": len(real.y),
        "roc_auc": roc_auc(score, answerable),
        "roc_auc_vs_unanswerable": roc_auc(
            score[kinds != "on_topic"], answerable[kinds != "on_topic"]
        ),
        "answered_share_of_answerable": float(np.mean(score[answerable] >= threshold)),
        "abstained_share_unanswerable": float(np.mean(score[kinds == "unanswerable"] < threshold)),
        "abstained_share_on_topic": float(np.mean(score[kinds == "on_topic"] < threshold)),
    }


def write_calibration(result: dict[str, object], every: int) -> None:
    store_calibration(
        {
            "embedder": DEFAULT_MODEL,
            "reader": True,
            "threshold": result["threshold"],
            "cosine_weight": result["cosine_weight"],
            "reader_weight": result["reader_weight"],
            "coverage_weight": result["coverage_weight"],
            "bias": result["bias"],
            "provenance": (
                f"scripts/tune_reader.py --every {every} on SQuAD v1.1 train-part, {result['questions']} "
                "questions each asked of its own article, of it without the answer sentences, of "
                "another article and as a near miss"
                + (
                    f", and {result['real_documents']['askings']} askings of the English real "
                    f"documents of docs/eval/real-docs ({REAL_SHARE:.0%} of the weight; threshold: Youden's J "
                    f"with answering weighted {ANSWER_COST})"
                    if "real_documents" in result
                    else ""
                )
                + "; the threshold answers "
                f"{result['answered_share_of_answerable']:.1%} of answerable askings, abstains on "
                f"{result['abstained_share_on_topic']:.1%} on-topic, "
                f"{result['abstained_share_off_topic']:.1%} off-topic and "
                f"{result['abstained_share_near_miss']:.1%} near-miss ones (ROC AUC {result['roc_auc']:.3f})"
            ),
        }
    )


if __name__ == "__main__":
    main()
