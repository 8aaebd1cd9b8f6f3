"""Question sets in three formats: our JSONL, SQuAD v1.1/v2.0 JSON and ReQA-style JSON."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qa.errors import QAError
from qa.index.corpus import Corpus, StoredSentence, passage_numbers
from qa.ingest.documents import make_document
from qa.types import Document


@dataclass(frozen=True)
class EvalQuestion:
    """A question with its gold answers (empty = unanswerable), gold sentence ids and, where
    the set says, the title of the article it was asked about."""

    qid: str
    question: str
    answers: tuple[str, ...]
    gold: frozenset[int]
    article: str | None = None

    @property
    def answerable(self) -> bool:
        """Whether the documents hold an answer."""
        return bool(self.answers)


@dataclass(frozen=True)
class EvalSet:
    """A named corpus and the questions asked of it."""

    name: str
    corpus: Corpus
    questions: tuple[EvalQuestion, ...]

    def sample(self, n: int, seed: int = 0) -> EvalSet:
        """The same corpus with a fixed random sample of `n` questions, in their order."""
        if n >= len(self.questions):
            return self
        chosen = sorted(random.Random(seed).sample(range(len(self.questions)), n))
        return replace(
            self,
            name=f"{self.name} (sample of {n})",
            questions=tuple(self.questions[i] for i in chosen),
        )


def load_eval_set(path: str | Path, corpus_documents: Sequence[Document] | None = None) -> EvalSet:
    """Load a question set, detecting its format from its content.

    Args:
        path: A `.jsonl` question set, or a SQuAD or ReQA-style `.json` file (any may be
            gzipped, `.gz`).
        corpus_documents: The documents a JSONL set is asked of (SQuAD and ReQA files bring
            their own).

    Raises:
        QAError: The file cannot be read or parsed; the message names the file and line.
    """
    path = Path(path)
    text = _read_text(path)
    if ".jsonl" not in path.suffixes:
        data = _parse_json(path, text)
        if "sentences" in data and "questions" in data:
            return _from_reqa(path.name, data)
        if "data" in data:
            return from_squad(path.name, data)
        raise QAError(
            f"{path}: JSON with neither 'data' (SQuAD) nor 'sentences'/'questions' (ReQA)"
        )
    if corpus_documents is None:
        raise QAError(
            f"{path} is a JSONL question set; pass the documents it asks about (--corpus)"
        )
    return _from_jsonl(path, text, corpus_documents)


def _from_jsonl(path: Path, text: str, documents: Sequence[Document]) -> EvalSet:
    corpus = Corpus.build(documents)
    questions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row = _parse_line(path, number, line)
        answers = tuple(row.get("answers") or ())
        gold = row.get("gold_sentence_ids")
        gold_ids = (
            frozenset(int(g) for g in gold) if gold else _sentences_containing(corpus, answers)
        )
        questions.append(EvalQuestion(str(row["id"]), row["question"], answers, gold_ids))
    return EvalSet(path.name, corpus, tuple(questions))


def from_squad(name: str, data: dict[str, Any]) -> EvalSet:
    """Build a set from parsed SQuAD v1.1/v2.0 JSON: contexts become documents split by our
    splitter; gold = the sentences an answer span overlaps; `is_impossible` = unanswerable."""
    documents: list[Document] = []
    raw_questions: list[tuple[Document, dict[str, Any]]] = []
    for article in data["data"]:
        for number, paragraph in enumerate(article["paragraphs"]):
            doc = make_document(
                paragraph["context"], source=f"{article['title']} ¶{number}", title=article["title"]
            )
            documents.append(doc)
            raw_questions.extend((doc, qa) for qa in paragraph["qas"])
    corpus = Corpus.build(documents)
    by_doc: dict[str, list[int]] = {}
    for sentence in corpus.sentences:
        by_doc.setdefault(sentence.doc_id, []).append(sentence.row)
    questions = []
    for number, (doc, qa) in enumerate(raw_questions):
        impossible = qa.get("is_impossible", False)
        answers = () if impossible else tuple(a["text"] for a in qa["answers"])
        gold = (
            frozenset()
            if impossible
            else frozenset(
                sid
                for a in qa["answers"]
                for sid in by_doc[doc.doc_id]
                if _overlaps(
                    corpus.sentences[sid], a["answer_start"], a["answer_start"] + len(a["text"])
                )
            )
        )
        # Some rebuilt files carry no question ids; number those questions instead.
        qid = str(qa["id"]) if qa.get("id") is not None else f"q{number}"
        questions.append(EvalQuestion(qid, qa["question"], answers, gold, doc.title))
    return EvalSet(name, corpus, tuple(questions))


def _from_reqa(name: str, data: dict[str, Any]) -> EvalSet:
    # Candidates are indexed exactly as given: each paragraph is rebuilt from its sentences at
    # their recorded offsets, so the stored spans select precisely the given sentence texts.
    paragraphs: dict[str, list[dict[str, Any]]] = {}
    for row in data["sentences"]:
        paragraphs.setdefault(f"{row['article']}/{row['para']}", []).append(row)
    # A paragraph is one block, so its passages are as `passage_numbers` cuts one block.
    documents: list[Document] = []
    spans: list[StoredSentence] = []
    our_id: dict[int, int] = {}
    for key, rows in paragraphs.items():
        chars = [" "] * max(r["end"] for r in rows)
        for r in rows:
            chars[r["start"] : r["end"]] = r["text"]
        doc = make_document("".join(chars), source=key, title=rows[0]["article"].replace("_", " "))
        documents.append(doc)
        for r, passage in zip(rows, passage_numbers([len(rows)])):
            our_id[r["id"]] = len(spans)
            spans.append((len(spans), doc.doc_id, r["start"], r["end"], passage))
    corpus = Corpus.from_spans(documents, spans)
    questions = tuple(
        EvalQuestion(
            q["id"],
            q["question"],
            tuple(q["answers"]),
            frozenset(our_id[g] for g in q["gold_sentence_ids"]),
        )
        for q in data["questions"]
    )
    return EvalSet(name, corpus, questions)


def _overlaps(sentence: Any, start: int, end: int) -> bool:
    return sentence.start <= start < sentence.end or (start < sentence.start < end)


def _sentences_containing(corpus: Corpus, answers: Sequence[str]) -> frozenset[int]:
    wanted = [a.lower() for a in answers if a.strip()]
    return frozenset(s.row for s in corpus.sentences if any(a in s.text.lower() for a in wanted))


def _read_text(path: Path) -> str:
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise QAError(f"cannot read the question set {path}: {exc}") from exc


def _parse_json(path: Path, text: str) -> dict[str, Any]:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise QAError(f"{path}: invalid JSON ({exc})") from exc


def _parse_line(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except ValueError as exc:
        raise QAError(
            f"{path}, line {number}: invalid JSON ({exc.args[0]}); fix or remove that line"
        ) from exc
    if not isinstance(row, dict):
        raise QAError(
            f"{path}, line {number}: each line must be a JSON object with id, question, answers"
        )
    missing = [key for key in ("id", "question") if key not in row]
    if missing:
        raise QAError(
            f"{path}, line {number}: missing {', '.join(missing)}; each line needs id, question, answers"
        )
    return row
