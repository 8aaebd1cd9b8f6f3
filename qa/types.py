"""Value types of the pipeline: documents, sentences, hits, citations and answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Mode(str, Enum):
    """Which retrievers answer a question."""

    HYBRID = "hybrid"
    BM25 = "bm25"
    DENSE = "dense"


class Fusion(str, Enum):
    """How hybrid mode combines the BM25 and dense rankings."""

    LINEAR = "linear"
    RRF = "rrf"


@dataclass(frozen=True)
class Document:
    """One source text as the user gave it.

    `text` is the exact text that sentence offsets point into.
    """

    doc_id: str
    title: str
    source: str
    text: str


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document: `document.text[start:end] == text` always holds."""

    sentence_id: int
    doc_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Hit:
    """A sentence's place in one retriever's or the fused ranking (scores live here, not on
    the sentence)."""

    sentence_id: int
    score: float
    rank: int


@dataclass(frozen=True)
class Evidence:
    """Why a sentence ranked where it did: each retriever's score and rank (None = not retrieved)."""

    fused_score: float
    bm25_score: float | None = None
    bm25_rank: int | None = None
    dense_score: float | None = None
    dense_rank: int | None = None
    matched_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    """A cited source sentence with its provenance and neighbouring sentences as context."""

    rank: int
    sentence: Sentence
    title: str
    source: str
    score: float
    evidence: Evidence
    context_before: str = ""
    context_after: str = ""

    @property
    def doc_id(self) -> str:
        """The cited document's id."""
        return self.sentence.doc_id

    @property
    def text(self) -> str:
        """The cited sentence exactly as it stands in the document."""
        return self.sentence.text


@dataclass(frozen=True)
class Answer:
    """The answer to one question: ranked citations, or an explicit abstention.

    `answerability` is the score compared with `threshold`; below it the assistant abstains
    and `citations` holds the closest sentences for the user to inspect, not an answer.
    """

    question: str
    mode: Mode
    abstained: bool
    answerability: float
    threshold: float | None
    citations: tuple[Citation, ...] = field(default_factory=tuple)

    @property
    def best(self) -> Citation | None:
        """Citation [1], or None when the assistant abstained or found nothing."""
        return None if self.abstained or not self.citations else self.citations[0]
