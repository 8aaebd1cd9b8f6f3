"""Running a question set through the assistant under several variants and scoring each."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import CachedEmbedder, Embedder, embed_queries
from qa.answer.answering import answerability
from qa.assistant import Assistant
from qa.evaluation.datasets import EvalQuestion, EvalSet
from qa.evaluation.metrics import (
    abstention_metrics,
    answer_hit,
    coverage_curve,
    percentiles_ms,
    ranking_metrics,
    roc_auc,
    span_scores,
)
from qa.index.embedding import indexed_text
from qa.settings import Settings
from qa.types import Mode


@dataclass(frozen=True)
class Variant:
    """One configuration to measure: a name for the report, a mode and settings."""

    name: str
    mode: Mode
    settings: Settings


@dataclass(frozen=True)
class Outcome:
    """What one variant did with one question."""

    question: EvalQuestion
    ranking: tuple[int, ...]
    answerability: float
    abstained: bool
    top_text: str
    answer_text: str | None


def evaluate(
    eval_set: EvalSet,
    embedder: Embedder,
    variants: Sequence[Variant],
    latency_sample: int = 300,
    details: Path | None = None,
    per_article: bool = False,
    show_progress: bool = False,
    indexing: Settings = Settings(),
) -> dict[str, Any]:
    """Score each variant on `eval_set`.

    Sentences and questions are embedded once, in batches, and shared by every variant.
    With `per_article`, each question is asked of its own article alone (documents sharing a
    title), as a user asks about the few articles they loaded; otherwise of the whole corpus.
    Latency is the wall time of full `ask()` calls on a fixed random sample of questions
    (whole-corpus runs only); question vectors come from the shared cache, so it leaves out
    embedding the question. The sentences are indexed under the `indexing` settings (which
    texts are indexed: `Settings.titled`); the variants only answer differently.

    Returns:
        `{"dataset", "questions", "sentences", "results": {variant: metrics}}`; a variant
        whose questions include unanswerable ones also carries its coverage curve.
    """
    cached = CachedEmbedder(embedder)
    corpus, titled = eval_set.corpus, indexing.titled
    cached.embed([indexed_text(corpus, row, titled) for row in range(len(corpus.sentences))])
    cached.embed_queries([q.question for q in eval_set.questions])
    parts = list(_by_article(eval_set)) if per_article else [eval_set]
    indexed = [Assistant.from_corpus(part.corpus, indexing, cached) for part in parts]
    results: dict[str, Any] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    for variant in variants:
        outcomes: list[Outcome] = []
        for part, base in _progress(
            list(zip(parts, indexed)), variant.name, show_progress and per_article
        ):
            assistant = base.with_settings(**variant.settings.to_json())
            outcomes += _outcomes(
                assistant, part, variant.mode, cached, show_progress and not per_article
            )
        results[variant.name] = _metrics(outcomes)
        if not per_article and latency_sample:
            results[variant.name].update(
                _latency(assistant, eval_set.questions, variant.mode, latency_sample)
            )
        rows[variant.name] = [_detail(o) for o in outcomes]
    if details is not None:
        _write_details(details, rows)
    return {
        "dataset": eval_set.name,
        "questions": len(eval_set.questions),
        "sentences": len(eval_set.corpus.sentences),
        "per_article": per_article,
        "results": results,
    }


def _outcomes(
    assistant: Assistant, eval_set: EvalSet, mode: Mode, embedder: Embedder, show_progress: bool
) -> list[Outcome]:
    questions = eval_set.questions
    vectors = embed_queries(embedder, [q.question for q in questions])
    sentences = assistant.corpus.sentences
    outcomes = []
    for i, q in enumerate(_progress(questions, mode.value, show_progress)):
        ranked = assistant.rank(q.question, mode, vectors[i])
        top = ranked.ranking[0] if ranked.ranking else None
        top_text = sentences[top.row].text if top else ""
        calibration = assistant.calibration_of(q.question, top_text)
        score = answerability(ranked, calibration)
        answer_text = None
        if top is not None and top.answer is not None:
            sentence = sentences[top.row]
            answer_text = sentence.text[
                top.answer[0] - sentence.start : top.answer[1] - sentence.start
            ]
        outcomes.append(
            Outcome(
                question=q,
                ranking=tuple(r.row for r in ranked.ranking),
                answerability=score,
                abstained=calibration is not None and score < calibration.threshold,
                top_text=top_text,
                answer_text=answer_text,
            )
        )
    return outcomes


def _metrics(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    metrics: dict[str, Any] = ranking_metrics(
        {o.question.qid: o.question.gold for o in outcomes},
        {o.question.qid: o.ranking for o in outcomes},
    )
    answerable = [o for o in outcomes if o.question.answerable]
    if answerable:
        metrics["answer_hit@1"] = float(
            np.mean([answer_hit(o.question.answers, [o.top_text]) for o in answerable])
        )
    spans = [
        span_scores(o.answer_text, o.question.answers)
        for o in answerable
        if o.answer_text is not None and o.ranking and o.ranking[0] in o.question.gold
    ]
    if spans:
        metrics["span_questions"] = len(spans)
        metrics["span_exact_match"] = float(np.mean([em for em, _ in spans]))
        metrics["span_f1"] = float(np.mean([f1 for _, f1 in spans]))
    if len(answerable) < len(outcomes):
        flags = [o.question.answerable for o in outcomes]
        scores = [o.answerability for o in outcomes]
        metrics.update(abstention_metrics(flags, [o.abstained for o in outcomes]))
        metrics["answerability_roc_auc"] = roc_auc(scores, flags)
        correct = [bool(o.ranking) and o.ranking[0] in o.question.gold for o in outcomes]
        metrics["coverage_curve"] = coverage_curve(scores, flags, correct)
    return metrics


def _by_article(eval_set: EvalSet) -> Iterator[EvalSet]:
    """One set per article title, with sentence ids (and gold ids) renumbered from 0."""
    corpus = eval_set.corpus
    title_of = {doc_id: doc.title for doc_id, doc in corpus.documents.items()}
    by_title: dict[str, list[int]] = {}
    for sentence in corpus.sentences:
        by_title.setdefault(title_of[sentence.doc_id], []).append(sentence.row)
    article_of = {sid: title for title, sids in by_title.items() for sid in sids}
    questions: dict[str, list[EvalQuestion]] = {}
    for q in eval_set.questions:
        title = q.article or (article_of[min(q.gold)] if q.gold else None)
        if title is None:
            raise ValueError(f"question {q.qid} names no article; it cannot be asked per article")
        questions.setdefault(title, []).append(q)
    for title, sids in by_title.items():
        new_id = {sid: i for i, sid in enumerate(sids)}
        part = corpus.subset(sids)
        asked = tuple(
            replace(q, gold=frozenset(new_id[g] for g in q.gold)) for q in questions.get(title, [])
        )
        if asked:
            yield EvalSet(f"{eval_set.name}/{title}", part, asked)


def _latency(
    assistant: Assistant, questions: Sequence[EvalQuestion], mode: Mode, sample: int
) -> dict[str, float]:
    chosen = random.Random(0).sample(list(questions), min(sample, len(questions)))
    timings = []
    for q in chosen:
        start = time.perf_counter()
        assistant.ask(q.question, k=3, mode=mode)
        timings.append(time.perf_counter() - start)
    return percentiles_ms(timings)


def _progress(items: Sequence[Any], desc: str, show: bool) -> Any:
    from tqdm import tqdm

    return tqdm(items, desc=desc, disable=not show)


def _detail(o: Outcome) -> dict[str, Any]:
    q = o.question
    first = next((rank for rank, s in enumerate(o.ranking, start=1) if s in q.gold), None)
    return {
        "id": q.qid,
        "question": q.question,
        "answers": list(q.answers),
        "gold_sentence_ids": sorted(q.gold),
        "first_correct_rank": first,
        "answerability": round(o.answerability, 4),
        "abstained": o.abstained,
        "top": o.top_text,
        "answer": o.answer_text,
        "ranking": list(o.ranking[:3]),
    }


def _write_details(path: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for variant, variant_rows in rows.items():
            for row in variant_rows:
                out.write(json.dumps({"variant": variant, **row}, ensure_ascii=False) + "\n")


def ablation_variants(settings: Settings) -> list[Variant]:
    """The pipeline built up one component at a time, each variant adding one to the last."""
    first_stage = settings.with_(reader=False)
    sentence_only = first_stage.with_(passage_lexical_weight=0.0, passage_dense_weight=0.0)
    return [
        Variant("bm25", Mode.BM25, first_stage),
        Variant("dense", Mode.DENSE, first_stage),
        Variant("hybrid rrf", Mode.HYBRID, first_stage.with_(fusion="rrf")),
        Variant("hybrid linear", Mode.HYBRID, sentence_only),
        Variant(
            "+ passage bm25",
            Mode.HYBRID,
            sentence_only.with_(passage_lexical_weight=settings.passage_lexical_weight),
        ),
        Variant("+ passage dense", Mode.HYBRID, first_stage),
        Variant("+ reader", Mode.HYBRID, settings.with_(reader=True)),
    ]
