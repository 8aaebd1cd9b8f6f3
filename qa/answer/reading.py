"""The reading stage: the trained reader rescores the top of a ranking and marks the answers."""

from __future__ import annotations

from dataclasses import replace

from qa.answer.reader import Reader, log_odds
from qa.index.corpus import Corpus
from qa.index.embedding import unwrapped_with_offsets
from qa.search.retrieval import Retrieval


def read_ranking(
    reader: Reader,
    corpus: Corpus,
    question: str,
    retrieval: Retrieval,
    depth: int,
    weight: float,
    context: str = "",
    skipped: frozenset[int] = frozenset(),
) -> Retrieval:
    """Read the top `depth` sentences; reorder them by `score + weight * logit(p)`, where p is
    the reader's probability that the sentence answers the question, and mark each one's
    answer span. Sentences below `depth` keep their places.

    A follow-up (`context` given) is read twice, as asked and with its context, and p is the
    mean: the context tells "it" apart, while on its own it would pull the reader back to
    the previous answer ("When is it held? founded ..." reads as "when was it founded");
    the span is the one marked for the question as asked. Rows in `skipped` (taken out of
    the ranking, as calibration does) are not read as the context of the sentence after them."""
    top = retrieval.ranking[:depth]
    if not top:
        return retrieval
    sentences = [corpus.sentences[r.row] for r in top]
    read_as = [unwrapped_with_offsets(s.text) for s in sentences]  # as the embedder reads it
    texts = [text for text, _ in read_as]
    follows = [corpus.context_of(r.row, skipped) for r in top] if reader.config.context else None
    readings = reader.read(question, texts, follows)
    if context:
        with_context = reader.read(f"{question} {context}", texts, follows)
        readings = [
            replace(r, answerability=(r.answerability + c.answerability) / 2)
            for r, c in zip(readings, with_context)
        ]
    rescored = []
    for ranked, sentence, reading, (_, offsets) in zip(top, sentences, readings, read_as):
        answer = None
        if reading.span is not None:
            first, last = reading.span[0], reading.span[1] - 1
            answer = (sentence.start + offsets[first], sentence.start + offsets[last] + 1)
        p = reading.answerability
        rescored.append(
            replace(
                ranked,
                score=ranked.score + weight * log_odds(p),
                evidence=replace(ranked.evidence, reader_score=p),
                answer=answer,
            )
        )
    rescored.sort(key=lambda r: (-r.score, r.rank))
    ranking = tuple(replace(r, rank=rank) for rank, r in enumerate(rescored, start=1))
    return replace(
        retrieval,
        ranking=ranking + retrieval.ranking[depth:],
        best_reading=max(r.answerability for r in readings),
    )
