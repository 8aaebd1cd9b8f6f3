"""Answerability askings from the real-document development collection (docs/eval/real-docs):
the features `qa.answer.calibration` combines, for questions written over real documents of
many kinds, so that answerability is fitted on more than SQuAD's Wikipedia.

Every English question of the collection is asked of all its English documents together:
an answerable one as it is (label 1) and with the sentences holding its answer taken out
("on_topic", label 0); an unanswerable one as it is ("unanswerable", label 0). Each asking
carries its document's name, for cross-validation by document (`scripts/tune_reader.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from embeddings import Embedder
from qa import Assistant, Mode, Settings
from qa.answer.reader import Reader, log_odds
from qa.answer.reading import read_ranking
from qa.evaluation.datasets import load_eval_set
from qa.ingest.converters import read_file
from qa.search.headings import headings_as_context
from qa.search.retrieval import Retrieval

ROOT = Path(__file__).resolve().parents[1] / "docs" / "eval" / "real-docs"


@dataclass(frozen=True)
class Askings:
    """Features (best cosine, reader log-odds, coverage) with labels, kinds and groups."""

    x: np.ndarray
    y: np.ndarray
    kinds: np.ndarray
    groups: np.ndarray


def asking_features(
    assistant: Assistant,
    reader: Reader,
    question: str,
    retrieval: Retrieval,
    depth: int,
    weight: float,
    removed: frozenset[int] = frozenset(),
) -> tuple[float, float, float]:
    """The calibration's features for one asking, as `Assistant.rank` computes them; the
    `removed` rows are taken out of the ranking and of the top sentence's passage first."""
    corpus = assistant.corpus
    ranked = headings_as_context(corpus, retrieval)
    if removed:
        kept = tuple(r for r in ranked.ranking if r.row not in removed)
        best = max(((r.evidence.dense_score or -1.0) for r in kept), default=-1.0)
        ranked = replace(ranked, ranking=kept, best_similarity=best)
    read = read_ranking(reader, corpus, question, ranked, depth, weight, skipped=removed)
    passage = corpus.passage_text_of(read.ranking[0].row)
    for row in removed:
        passage = passage.replace(corpus.sentences[row].text, " ")
    coverage = assistant.retriever.indexes.lexical.coverage(question, passage)
    return ranked.best_similarity, log_odds(read.best_reading), coverage


def real_doc_askings(embedder: Embedder, reader: Reader, depth: int, weight: float) -> Askings:
    """The askings of the collection's English questions (see the module docstring)."""
    rows = [json.loads(line) for line in (ROOT / "questions.jsonl").open(encoding="utf-8")]
    english = sorted({r["document"] for r in rows if r["kind"] != "chinese"})
    documents = [read_file(ROOT / "docs" / name) for name in english]
    lines = "".join(json.dumps(r) + "\n" for r in rows if r["document"] in english)
    path = Path(".qa-cache/tune/real-docs-english.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(lines, encoding="utf-8")
    eval_set = load_eval_set(path, documents)
    assistant = Assistant.from_corpus(eval_set.corpus, Settings(reader=False), embedder)
    document_of = {r["id"]: r["document"] for r in rows}
    x, y, kinds, groups = [], [], [], []
    for q in eval_set.questions:
        retrieval = assistant.retrieve(q.question, Mode.HYBRID)
        askings = [
            (
                frozenset(),
                1 if q.answerable else 0,
                "answerable" if q.answerable else "unanswerable",
            )
        ]
        if q.answerable and q.gold:
            askings.append((q.gold, 0, "on_topic"))
        for removed, label, kind in askings:
            x.append(
                asking_features(assistant, reader, q.question, retrieval, depth, weight, removed)
            )
            y.append(label)
            kinds.append(kind)
            groups.append(document_of[q.qid])
    return Askings(np.array(x), np.array(y), np.array(kinds), np.array(groups))
