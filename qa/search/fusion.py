"""Fusing a lexical and a dense ranking: reciprocal rank fusion (Cormack, Clarke and Büttcher,
SIGIR 2009) or a linear combination of scores (Bruch, Gai and Ingber, "An analysis of fusion
functions for hybrid retrieval", TOIS 2023, who find it beats RRF once scores are normalised)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from qa.types import Hit


def fuse_rankings(
    rankings: Sequence[Sequence[Hit]], weights: Sequence[float] | None = None, k: float = 60.0
) -> list[Hit]:
    """Fuse rankings by weighted RRF: `score(d) = sum_i w_i / (k + rank_i(d))`.

    Args:
        rankings: Each a list of hits ordered best first, with 1-based ranks.
        weights: One weight per ranking; all 1.0 by default.
        k: The RRF constant; larger values flatten the influence of top ranks.

    Returns:
        The fused hits, best first, ties broken by sentence id for determinism.
    """
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[int, float] = defaultdict(float)
    for ranking, weight in zip(rankings, weights):
        for hit in ranking:
            scores[hit.row] += weight / (k + hit.rank)
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [Hit(row=sid, score=s, rank=r) for r, (sid, s) in enumerate(ordered, start=1)]


def combine_scores(
    candidates: Iterable[int], signals: Sequence[tuple[Mapping[int, float], float]]
) -> list[Hit]:
    """Fuse by a weighted sum of scores: `score(d) = sum_i w_i * signal_i(d)`.

    Args:
        candidates: The sentence ids to score.
        signals: `(scores, weight)` pairs; a candidate missing from `scores` counts 0 there.
            Scores should be on comparable scales (cosines, BM25 divided by its ceiling).

    Returns:
        The fused hits, best first, ties broken by sentence id.
    """
    scores = {
        sid: sum(weight * values.get(sid, 0.0) for values, weight in signals) for sid in candidates
    }
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [Hit(row=sid, score=s, rank=r) for r, (sid, s) in enumerate(ordered, start=1)]
