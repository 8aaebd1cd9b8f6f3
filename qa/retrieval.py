"""Dense and BM25 retrieval over sentences, fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embeddings import Embedder, VectorIndex
from qa.fusion import combine_scores, fuse_rankings
from qa.lexical import LexicalIndex
from qa.settings import Settings
from qa.types import Evidence, Fusion, Hit, Mode


@dataclass(frozen=True)
class Ranked:
    """A sentence in the final ranking with the evidence for its place."""

    sentence_id: int
    rank: int
    evidence: Evidence


@dataclass(frozen=True)
class Retrieval:
    """A ranking and the question's best dense similarity to any sentence."""

    ranking: tuple[Ranked, ...]
    best_similarity: float


class Retriever:
    """Finds the sentences that best match a question, by BM25, dense similarity or both."""

    def __init__(
        self, embedder: Embedder, vectors: VectorIndex, lexical: LexicalIndex, settings: Settings
    ) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.lexical = lexical
        self.settings = settings

    def retrieve(
        self, question: str, mode: Mode, depth: int, query_vector: np.ndarray | None = None
    ) -> Retrieval:
        """Rank up to `depth` sentences for `question`.

        Args:
            question: The question text.
            mode: Which retrievers rank the sentences.
            depth: How many ranked sentences to return (and to take from each retriever).
            query_vector: The question's embedding, when the caller has it already.

        Returns:
            The ranking, best first, each sentence with every retriever's score and rank, and
            the question's best cosine similarity to any sentence (used to decide abstention
            in every mode, so it is computed even for BM25 rankings).
        """
        if query_vector is None:
            query_vector = self.embed_question(question)
        dense = self._dense(query_vector, depth if mode != Mode.BM25 else 1)
        best_similarity = dense[0].score if dense else 0.0
        if mode == Mode.BM25:
            dense = []  # only the best similarity was wanted
        bm25 = self.lexical.search(question, depth) if mode != Mode.DENSE else []
        cosine = {hit.sentence_id: hit.score for hit in dense}
        if mode == Mode.HYBRID:
            fused = self._fuse(question, query_vector, bm25, dense, cosine)
        else:
            fused = bm25 if mode == Mode.BM25 else dense
        bm25_hits = {hit.sentence_id: hit for hit in bm25}
        dense_ranks = {hit.sentence_id: hit.rank for hit in dense}
        ranking = tuple(
            Ranked(
                hit.sentence_id,
                rank,
                _evidence(
                    hit,
                    bm25_hits.get(hit.sentence_id),
                    cosine.get(hit.sentence_id),
                    dense_ranks.get(hit.sentence_id),
                ),
            )
            for rank, hit in enumerate(fused[:depth], start=1)
        )
        return Retrieval(ranking, best_similarity)

    def _fuse(
        self,
        question: str,
        query_vector: np.ndarray,
        bm25: list[Hit],
        dense: list[Hit],
        cosine: dict[int, float],
    ) -> list[Hit]:
        """Fuse the two rankings; linear fusion adds the cosines it computes to `cosine`."""
        settings = self.settings
        if settings.fusion == Fusion.RRF:
            return fuse_rankings(
                [bm25, dense], (settings.bm25_weight, settings.dense_weight), k=settings.rrf_k
            )
        lexical_only = np.array(
            [hit.sentence_id for hit in bm25 if hit.sentence_id not in cosine], dtype=np.int64
        )
        cosine.update(
            zip(lexical_only.tolist(), self.vectors.similarity(query_vector, lexical_only).tolist())
        )
        ceiling = self.lexical.ceiling(question)
        lexical = {hit.sentence_id: hit.score / ceiling for hit in bm25}
        return combine_scores(cosine, lexical, settings.lexical_weight)

    def embed_question(self, question: str) -> np.ndarray:
        """The question's unit vector, shape `(dimension,)`."""
        return self.embedder.embed([question])[0]

    def _dense(self, query_vector: np.ndarray, depth: int) -> list[Hit]:
        scores, ids = self.vectors.search(query_vector[None, :], depth)
        return [
            Hit(sentence_id=int(sid), score=float(score), rank=rank)
            for rank, (score, sid) in enumerate(zip(scores[0], ids[0]), start=1)
            if sid >= 0
        ]


def _evidence(
    fused: Hit, bm25: Hit | None, cosine: float | None, dense_rank: int | None
) -> Evidence:
    return Evidence(
        fused_score=fused.score,
        bm25_score=bm25.score if bm25 else None,
        bm25_rank=bm25.rank if bm25 else None,
        dense_score=cosine,
        dense_rank=dense_rank,
    )
