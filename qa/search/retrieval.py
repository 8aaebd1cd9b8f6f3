"""Dense and BM25 retrieval over sentences, fused with their passages' scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from embeddings import Embedder, embed_queries
from qa.index.indexes import Indexes
from qa.search.fusion import combine_scores, fuse_rankings
from qa.settings import Settings
from qa.types import Evidence, Fusion, Hit, Mode


@dataclass(frozen=True)
class Ranked:
    """A sentence in the final ranking: the score it is ordered by, the evidence for it and,
    once the reader has read it, the answer's `[start, end)` offsets in the document."""

    row: int
    rank: int
    score: float
    evidence: Evidence
    answer: tuple[int, int] | None = None


@dataclass(frozen=True)
class Retrieval:
    """A ranking, the question's best dense similarity to any sentence and, once the reader
    has read the top of the ranking, the highest probability it gave a sentence and the
    share of the question's terms (IDF-weighted) that the top sentence's passage mentions."""

    ranking: tuple[Ranked, ...]
    best_similarity: float
    best_reading: float | None = None
    coverage: float | None = None


def joined(retrievals: Sequence[Retrieval]) -> Retrieval:
    """One ranking of several (one per language's indexes): each one's after the one before,
    ranks renumbered; the first one's evidence (best cosine, reading, coverage) is its own."""
    together = (ranked for retrieval in retrievals for ranked in retrieval.ranking)
    ranking = tuple(replace(r, rank=rank) for rank, r in enumerate(together, start=1))
    return replace(retrievals[0], ranking=ranking)


@dataclass
class _Signals:
    """Each signal's value per candidate sentence id, gathered while ranking one question."""

    cosine: dict[int, float] = field(default_factory=dict)
    passage_bm25: dict[int, float] = field(default_factory=dict)
    passage_dense: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """How far a question reaches: `context`, words a follow-up takes from the conversation
    (`qa.search.followup`), and `within`, the only sentence ids to rank (None = all)."""

    context: str = ""
    within: np.ndarray | None = field(default=None, compare=False)

    def topic(self, question: str) -> str:
        """The question with its context: what passages and the reader are shown."""
        return f"{question} {self.context}" if self.context else question


@dataclass(frozen=True)
class _Topic:
    """What passages are scored against: the question, or a follow-up with its context; and
    the extra candidate sentences the context brings."""

    text: str
    vector: np.ndarray
    candidates: tuple[int, ...] = ()


class Retriever:
    """Finds the sentences that best match a question, by BM25, dense similarity or both.

    Hybrid mode with linear fusion scores each candidate (the union of both retrievers' top
    `depth`) as `cosine + w_bm25 * bm25 + w_pb * passage_bm25 + w_pd * passage_cosine`, BM25
    scores divided by the question's IDF ceiling (see `LexicalIndex.ceiling`).
    """

    def __init__(
        self, embedder: Embedder, indexes: Indexes, passage_of: np.ndarray, settings: Settings
    ) -> None:
        self.embedder = embedder
        self.indexes = indexes
        self.passage_of = passage_of
        self.settings = settings

    def retrieve(
        self,
        question: str,
        mode: Mode,
        depth: int,
        query_vector: np.ndarray | None = None,
        scope: Scope = Scope(),
    ) -> Retrieval:
        """Rank up to `depth` sentences for `question`.

        Args:
            question: The question text.
            mode: Which retrievers rank the sentences.
            depth: How many ranked sentences to return (and to take from each retriever).
            query_vector: The question's embedding, when the caller has it already.
            scope: A follow-up's context and the sentences it may rank. In hybrid mode the
                context chooses the passage (passage scores, and candidates) while the
                sentence scores stay the question's own; the other modes search both together.

        Returns:
            The ranking, best first, each sentence with every signal's score and rank, and
            the question's best cosine similarity to any sentence (computed in every mode).
        """
        within = scope.within
        if scope.context and mode != Mode.HYBRID:
            question, query_vector = scope.topic(question), None
        if query_vector is None:
            query_vector = self.embed_question(question)
        recalled = None
        if mode == Mode.HYBRID and within is None:
            recalled = self._recalled(question, query_vector, depth)
        dense, bm25, cosines = recalled or self._searched(
            question, query_vector, mode, depth, within
        )
        best_similarity = max(cosines.values(), default=0.0)
        if mode == Mode.BM25:
            dense, cosines = [], {}  # only the best similarity was wanted
        signals = _Signals(cosine=cosines)
        if mode == Mode.HYBRID:
            topic = _Topic(question, query_vector)
            if scope.context:
                topic = self._topic(scope.topic(question), depth, within)
            fused = self._fuse(question, query_vector, bm25, dense, signals, depth, topic)
        else:
            fused = bm25 if mode == Mode.BM25 else dense
        bm25_hits = {hit.row: hit for hit in bm25}
        dense_ranks = {hit.row: hit.rank for hit in dense}
        ranking = tuple(
            Ranked(
                hit.row,
                rank,
                hit.score,
                _evidence(hit, bm25_hits.get(hit.row), dense_ranks.get(hit.row), signals),
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
        signals: _Signals,
        depth: int,
        topic: _Topic,
    ) -> list[Hit]:
        """Fuse the two rankings; linear fusion records the signals it computes in `signals`.
        Passages are scored against `topic`, which is the question unless it is a follow-up."""
        settings = self.settings
        if settings.fusion == Fusion.RRF:
            return fuse_rankings(
                [bm25, dense], (settings.bm25_weight, settings.dense_weight), k=settings.rrf_k
            )
        indexes = self.indexes
        candidates = np.array(
            list(
                dict.fromkeys(
                    [h.row for h in dense] + [h.row for h in bm25] + list(topic.candidates)
                )
            ),
            dtype=np.int64,
        )
        missing = candidates[[sid not in signals.cosine for sid in candidates.tolist()]]
        signals.cosine.update(
            zip(missing.tolist(), indexes.vectors.similarity(query_vector, missing).tolist())
        )
        ceiling = indexes.lexical.ceiling(question)
        lexical = {hit.row: hit.score / ceiling for hit in bm25}
        passages = self.passage_of[candidates]
        passage_ceiling = indexes.passage_lexical.ceiling(topic.text)
        passage_bm25 = {
            hit.row: hit.score / passage_ceiling  # a passage hit's id is the passage id
            for hit in indexes.passage_lexical.search(topic.text, depth)
        }
        unique = np.unique(passages)
        passage_cosine = dict(
            zip(unique.tolist(), indexes.passage_vectors.similarity(topic.vector, unique).tolist())
        )
        for sid, passage in zip(candidates.tolist(), passages.tolist()):
            signals.passage_bm25[sid] = passage_bm25.get(passage, 0.0)
            signals.passage_dense[sid] = passage_cosine[passage]
        return combine_scores(
            candidates.tolist(),
            [
                (signals.cosine, 1.0),
                (lexical, settings.lexical_weight),
                (signals.passage_bm25, settings.passage_lexical_weight),
                (signals.passage_dense, settings.passage_dense_weight),
            ],
        )

    def _topic(self, text: str, depth: int, within: np.ndarray | None) -> _Topic:
        """A follow-up with its context, and the sentences either retriever finds for it."""
        vector = self.embed_question(text)
        dense = self._dense(vector, depth, within)
        bm25 = self.indexes.lexical.search(text, depth, within)
        return _Topic(text, vector, tuple(h.row for h in [*dense, *bm25]))

    def embed_question(self, question: str) -> np.ndarray:
        """The question's unit vector, shape `(dimension,)`."""
        return embed_queries(self.embedder, [question])[0]

    def _searched(
        self,
        question: str,
        query_vector: np.ndarray,
        mode: Mode,
        depth: int,
        within: np.ndarray | None,
    ) -> tuple[list[Hit], list[Hit], dict[int, float]]:
        """The dense and BM25 hits each index finds by itself (BM25 mode: the best dense hit
        alone, for its similarity), and the dense hits' cosines."""
        dense = self._dense(query_vector, depth if mode != Mode.BM25 else 1, within)
        bm25 = self.indexes.lexical.search(question, depth, within) if mode != Mode.DENSE else []
        return dense, bm25, {hit.row: hit.score for hit in dense}

    def _recalled(
        self, question: str, query_vector: np.ndarray, depth: int
    ) -> tuple[list[Hit], list[Hit], dict[int, float]] | None:
        """Where the vectors live in a Milvus that searches BM25 itself, the candidates it
        finds (`MilvusVectors.hybrid`: dense and its own BM25 fused by RRF) ranked by each of
        qa's signals: dense and BM25 hits among them, and every candidate's cosine. The
        fusion that follows is then the same as over local indexes. None elsewhere."""
        hybrid = getattr(self.indexes.vectors, "hybrid", None)
        found = hybrid(query_vector, question, depth) if hybrid is not None else None
        if found is None:
            return None
        rows, cosines = found
        bm25 = self.indexes.lexical.search(question, depth, rows)
        return _by_score(rows, cosines, depth), bm25, dict(zip(rows.tolist(), cosines.tolist()))

    def _dense(
        self, query_vector: np.ndarray, depth: int, within: np.ndarray | None = None
    ) -> list[Hit]:
        if within is not None:
            return _by_score(within, self.indexes.vectors.similarity(query_vector, within), depth)
        scores, ids = self.indexes.vectors.search(query_vector[None, :], depth)
        return [
            Hit(row=int(sid), score=float(score), rank=rank)
            for rank, (score, sid) in enumerate(zip(scores[0], ids[0]), start=1)
            if sid >= 0
        ]


def _by_score(rows: np.ndarray, scores: np.ndarray, depth: int) -> list[Hit]:
    """The `depth` best of `rows` by `scores`, as ranked hits."""
    top = np.argsort(-scores, kind="stable")[:depth]
    return [
        Hit(row=int(rows[i]), score=float(scores[i]), rank=rank)
        for rank, i in enumerate(top, start=1)
    ]


def _evidence(fused: Hit, bm25: Hit | None, dense_rank: int | None, signals: _Signals) -> Evidence:
    sid = fused.row
    return Evidence(
        fused_score=fused.score,
        bm25_score=bm25.score if bm25 else None,
        bm25_rank=bm25.rank if bm25 else None,
        dense_score=signals.cosine.get(sid),
        dense_rank=dense_rank,
        passage_bm25=signals.passage_bm25.get(sid),
        passage_dense=signals.passage_dense.get(sid),
    )
