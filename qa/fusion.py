"""Fusing a lexical and a dense ranking: reciprocal rank fusion (Cormack, Clarke and Büttcher,
SIGIR 2009) or a linear combination of scores (Bruch, Gai and Ingber, "An analysis of fusion
functions for hybrid retrieval", TOIS 2023, who find it beats RRF once scores are normalised)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

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
            scores[hit.sentence_id] += weight / (k + hit.rank)
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [Hit(sentence_id=sid, score=s, rank=r) for r, (sid, s) in enumerate(ordered, start=1)]


def combine_scores(
    dense: Mapping[int, float], lexical: Mapping[int, float], lexical_weight: float
) -> list[Hit]:
    """Fuse by `score(d) = cosine(d) + lexical_weight * normalised_bm25(d)`.

    Args:
        dense: Cosine similarity of every candidate (the union of both retrievers' hits).
        lexical: Normalised BM25 score in [0, 1) of the candidates BM25 found; others count 0.
        lexical_weight: How much BM25 counts next to the cosine.

    Returns:
        The fused hits, best first, ties broken by sentence id.
    """
    scores = {sid: cos + lexical_weight * lexical.get(sid, 0.0) for sid, cos in dense.items()}
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [Hit(sentence_id=sid, score=s, rank=r) for r, (sid, s) in enumerate(ordered, start=1)]
