"""Turning a ranking into an answer: cited sentences with context, or an explicit abstention."""

from __future__ import annotations

from dataclasses import replace

from qa.answer.calibration import Calibration
from qa.index.corpus import Corpus
from qa.index.lexical import matched_terms
from qa.search.retrieval import Ranked, Retrieval
from qa.types import Answer, Citation, Mode


def cite(corpus: Corpus, question: str, ranked: Ranked, context: int) -> Citation:
    """Build the citation for one ranked sentence."""
    sentence = corpus.sentences[ranked.row]
    document = corpus.documents[sentence.doc_id]
    before, after = corpus.neighbours(sentence, context)
    evidence = ranked.evidence
    if evidence.bm25_score is not None:
        evidence = replace(evidence, matched_terms=matched_terms(question, sentence.text))
    return Citation(
        rank=ranked.rank,
        sentence=sentence,
        title=document.title,
        source=document.source,
        score=ranked.score,
        evidence=evidence,
        context_before=" ".join(s.text for s in before),
        context_after=" ".join(s.text for s in after),
        answer=ranked.answer,
        page=document.page_of(sentence.start),
        section=corpus.section_of(sentence),
        laid_out=corpus.is_laid_out(sentence),
    )


def answerability(retrieval: Retrieval, calibration: Calibration | None) -> float:
    """The calibrated answerability of a retrieval (the best cosine when uncalibrated); 0.0
    when the calibration needs the reader and nothing was read (an empty ranking)."""
    if calibration is None:
        return retrieval.best_similarity
    if calibration.reader and (retrieval.best_reading is None or retrieval.coverage is None):
        return 0.0
    return calibration.answerability(
        retrieval.best_similarity, retrieval.best_reading, retrieval.coverage
    )


def make_answer(
    corpus: Corpus,
    question: str,
    mode: Mode,
    retrieval: Retrieval,
    k: int,
    calibration: Calibration | None,
    context: int,
) -> Answer:
    """Assemble the answer from the top `k` sentences; abstain below the calibrated threshold.

    Answerability builds on the question's best cosine similarity to any sentence (a question
    the documents cannot answer finds no sentence close to it in embedding space, whereas BM25
    scores are not comparable across collections) and, when the reader ran, its probability
    that the best sentence it read answers the question (see `qa.answer.calibration`). Without a
    calibration the assistant never abstains.
    """
    score = answerability(retrieval, calibration)
    threshold = calibration.threshold if calibration else None
    abstained = not retrieval.ranking or (threshold is not None and score < threshold)
    return Answer(
        question=question,
        mode=mode,
        abstained=abstained,
        answerability=score,
        threshold=threshold,
        citations=tuple(cite(corpus, question, r, context) for r in retrieval.ranking[:k]),
    )
