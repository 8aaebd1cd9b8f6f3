"""Ranking metrics via pytrec_eval (the trec_eval reference implementation), plus the
answer-level and abstention measures that trec_eval has no notion of."""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

CUTOFFS = (1, 5, 10)
_PUNCTUATION = frozenset(string.punctuation)


def ranking_metrics(
    gold: Mapping[str, frozenset[int]], runs: Mapping[str, Sequence[int]]
) -> dict[str, float]:
    """MRR and recall@1/5/10 averaged over questions with gold sentences.

    Recall@k is trec_eval's `success@k`: the share of questions with a gold sentence in the
    top k (the ReQA definition; a question with two gold sentences counts once).

    Args:
        gold: Question id -> gold sentence ids; questions with none are skipped.
        runs: Question id -> ranked sentence ids, best first.
    """
    import pytrec_eval

    qrels = {qid: {str(s): 1 for s in ids} for qid, ids in gold.items() if ids}
    if not qrels:
        return {}
    # Scores from ranks, so trec_eval's own tie-breaking cannot reorder our ranking.
    run = {
        qid: {str(s): float(len(ids) - i) for i, s in enumerate(ids)}
        for qid, ids in runs.items()
        if qid in qrels
    }
    run.update({qid: {} for qid in qrels if not run.get(qid)})
    cut = ",".join(str(c) for c in CUTOFFS)
    per_question = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank", f"success.{cut}"}).evaluate(
        run
    )

    def mean(measure: str) -> float:
        return float(np.mean([per_question.get(q, {}).get(measure, 0.0) for q in qrels]))

    result = {"mrr": mean("recip_rank")}
    result.update({f"recall@{c}": mean(f"success_{c}") for c in CUTOFFS})
    return result


def answer_hit(answers: Sequence[str], cited: Sequence[str]) -> bool:
    """Whether any gold answer string occurs (case-insensitively) in any cited sentence."""
    texts = [c.lower() for c in cited]
    return any(a.strip() and a.lower() in t for a in answers for t in texts)


def abstention_metrics(answerable: Sequence[bool], abstained: Sequence[bool]) -> dict[str, float]:
    """Precision and recall of abstaining, treating unanswerable questions as positives."""
    answerable_arr = np.asarray(answerable, dtype=bool)
    abstained_arr = np.asarray(abstained, dtype=bool)
    true_abstentions = np.sum(abstained_arr & ~answerable_arr)
    return {
        "abstention_precision": float(true_abstentions / max(1, abstained_arr.sum())),
        "abstention_recall": float(true_abstentions / max(1, (~answerable_arr).sum())),
    }


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 and p95 of latencies given in seconds, in milliseconds."""
    if not seconds:
        return {}
    ms = np.asarray(seconds) * 1000
    return {
        "latency_ms_p50": float(np.percentile(ms, 50)),
        "latency_ms_p95": float(np.percentile(ms, 95)),
    }


def _normalize_answer(text: str) -> list[str]:
    """SQuAD's answer normalisation: lower case, no punctuation, articles or extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return [word for word in text.split() if word not in ("a", "an", "the")]


def span_scores(prediction: str, answers: Sequence[str]) -> tuple[float, float]:
    """SQuAD v1.1 exact match and token F1 of `prediction`, each the best over `answers`."""
    predicted = _normalize_answer(prediction)
    best_em = best_f1 = 0.0
    for answer in answers:
        gold = _normalize_answer(answer)
        best_em = max(best_em, float(predicted == gold))
        common = Counter(predicted) & Counter(gold)
        overlap = sum(common.values())
        if overlap:
            precision, recall = overlap / len(predicted), overlap / len(gold)
            best_f1 = max(best_f1, 2 * precision * recall / (precision + recall))
    return best_em, best_f1


def coverage_curve(
    scores: Sequence[float], answerable: Sequence[bool], correct: Sequence[bool]
) -> dict[str, list[float]]:
    """Answer the questions with the highest answerability first: at each coverage (share of
    questions answered), the share of answered questions that are answerable, and the share
    whose citation [1] is correct."""
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    answered = np.arange(1, len(order) + 1)
    return {
        "coverage": (answered / len(order)).tolist(),
        "answerable_precision": (np.cumsum(np.asarray(answerable)[order]) / answered).tolist(),
        "correct_precision": (np.cumsum(np.asarray(correct)[order]) / answered).tolist(),
    }


def roc_auc(scores: Sequence[float], positives: Sequence[bool]) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative
    (ties count half), via the Mann-Whitney U statistic."""
    from scipy.stats import rankdata

    ranks = rankdata(np.asarray(scores, dtype=float))
    labels = np.asarray(positives, dtype=bool)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    if not n_pos or not n_neg:
        return float("nan")
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
