"""Running a question set through the assistant and scoring every mode in one pass."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.assistant import Assistant
from qa.evaluation.datasets import EvalQuestion, EvalSet
from qa.evaluation.metrics import abstention_metrics, answer_hit, percentiles_ms, ranking_metrics
from qa.types import Mode


def evaluate(
    assistant: Assistant,
    eval_set: EvalSet,
    modes: Sequence[Mode],
    latency_sample: int = 300,
    details: Path | None = None,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Score each mode on `eval_set` and time `Assistant.ask` end to end.

    Ranking metrics use every question; question vectors are embedded in one batch for
    speed. Latency is the wall time of full `ask()` calls (embedding included) on a fixed
    random sample of `latency_sample` questions.

    Returns:
        `{"dataset", "questions", "sentences", "results": {mode: metrics}}`.
    """
    questions = eval_set.questions
    vectors = _question_vectors(assistant, questions)
    results: dict[str, Any] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    for mode in modes:
        results[mode.value], rows[mode.value] = _score_mode(
            assistant, questions, mode, vectors, show_progress
        )
        results[mode.value].update(_latency(assistant, questions, mode, latency_sample))
    if details is not None:
        _write_details(details, questions, rows)
    return {
        "dataset": eval_set.name,
        "questions": len(questions),
        "sentences": len(eval_set.corpus.sentences),
        "latency_questions": min(latency_sample, len(questions)),
        "results": results,
    }


def _question_vectors(assistant: Assistant, questions: Sequence[EvalQuestion]) -> np.ndarray:
    return assistant.retriever.embedder.embed([q.question for q in questions])


def _score_mode(
    assistant: Assistant,
    questions: Sequence[EvalQuestion],
    mode: Mode,
    vectors: np.ndarray,
    show_progress: bool,
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    from tqdm import tqdm

    runs: dict[str, list[int]] = {}
    hits1, hits3, abstained, rows = [], [], [], []
    sentences = assistant.corpus.sentences
    for i, q in enumerate(tqdm(questions, desc=mode.value, disable=not show_progress, file=None)):
        retrieval = assistant.retrieve(q.question, mode, vectors[i])
        ids = [r.sentence_id for r in retrieval.ranking]
        runs[q.qid] = ids
        score = retrieval.best_similarity
        abstained.append(assistant.threshold is not None and score < assistant.threshold)
        if q.answerable:
            hits1.append(answer_hit(q.answers, [sentences[s].text for s in ids[:1]]))
            hits3.append(answer_hit(q.answers, [sentences[s].text for s in ids[:3]]))
        rows.append(_detail(q, ids, score, sentences))
    metrics = ranking_metrics({q.qid: q.gold for q in questions}, runs)
    if hits1:
        metrics["answer_hit@1"] = float(np.mean(hits1))
        metrics["answer_hit@3"] = float(np.mean(hits3))
    if any(not q.answerable for q in questions):
        metrics.update(abstention_metrics([q.answerable for q in questions], abstained))
    return metrics, rows


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


def _detail(
    q: EvalQuestion, ids: list[int], score: float, sentences: Sequence[Any]
) -> dict[str, Any]:
    first = next((rank for rank, s in enumerate(ids, start=1) if s in q.gold), None)
    return {
        "id": q.qid,
        "question": q.question,
        "answers": list(q.answers),
        "gold_sentence_ids": sorted(q.gold),
        "first_correct_rank": first,
        "answerability": round(score, 4),
        "top": [{"sentence_id": s, "text": sentences[s].text} for s in ids[:3]],
    }


def _write_details(
    path: Path, questions: Sequence[EvalQuestion], rows: dict[str, list[dict[str, Any]]]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for mode, mode_rows in rows.items():
            for row in mode_rows:
                out.write(json.dumps({"mode": mode, **row}, ensure_ascii=False) + "\n")
