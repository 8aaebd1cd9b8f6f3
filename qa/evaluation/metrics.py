"""Ranking metrics via pytrec_eval (the trec_eval reference implementation), plus the
answer-level and abstention measures that trec_eval has no notion of."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

CUTOFFS = (1, 5, 10)


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
