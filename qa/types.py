"""Value types of the pipeline: documents, sentences, hits, citations and answers."""

from __future__ import annotations

import bisect
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

    `text` is the exact text that sentence offsets point into (for a PDF, .docx or HTML file,
    the text extracted from it). `pages` holds the offset at which each page starts (the first
    at 0), for formats that have pages (PDF); empty otherwise.
    """

    doc_id: str
    title: str
    source: str
    text: str
    pages: tuple[int, ...] = ()

    def page_of(self, offset: int) -> int | None:
        """The 1-based page holding character `offset`, or None for a text without pages."""
        if not self.pages:
            return None
        return max(1, bisect.bisect_right(self.pages, offset))


@dataclass(frozen=True, slots=True)  # slots: a large corpus holds millions
class Sentence:
    """One sentence of a document: `document.text[start:end] == text` always holds.

    `sentence_id` is stable: a sentence keeps it while its document stays in the collection,
    whatever else is added or removed, and an id is never given to another sentence. `row`
    is the sentence's position in the current corpus (what the indexes are keyed by), and
    `index` its position in its document. `passage` numbers the sentence's passage within its
    document (see `qa.index.corpus`).
    """

    sentence_id: int
    row: int
    doc_id: str
    index: int
    start: int
    end: int
    text: str
    passage: int = 0


@dataclass(frozen=True)
class Hit:
    """A sentence's place in one retriever's or the fused ranking (scores live here, not on
    the sentence); `row` is its position in the corpus (a passage's, for passage indexes)."""

    row: int
    score: float
    rank: int


@dataclass(frozen=True)
class Evidence:
    """Why a sentence ranked where it did (None = that signal was not computed for it).

    Attributes:
        fused_score: The score the ranking is ordered by.
        bm25_score, bm25_rank: The sentence's BM25 score and rank.
        dense_score, dense_rank: The question's cosine similarity to the sentence and its rank.
        passage_bm25: BM25 of the sentence's passage, divided by the question's IDF ceiling.
        passage_dense: Cosine similarity of the question to the passage's mean vector.
        reader_score: The trained reader's probability that the sentence answers the question.
        matched_terms: The question's words found in the sentence.
    """

    fused_score: float
    bm25_score: float | None = None
    bm25_rank: int | None = None
    dense_score: float | None = None
    dense_rank: int | None = None
    passage_bm25: float | None = None
    passage_dense: float | None = None
    reader_score: float | None = None
    matched_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    """A cited source sentence with its provenance and neighbouring sentences as context;
    `page` is the 1-based page the sentence starts on, for documents with pages (PDF);
    `section` the headings it sits under in its document, outermost first; `laid_out` whether
    it is code or a table, whose line breaks are layout rather than wraps."""

    rank: int
    sentence: Sentence
    title: str
    source: str
    score: float
    evidence: Evidence
    context_before: str = ""
    context_after: str = ""
    answer: tuple[int, int] | None = None
    page: int | None = None
    section: tuple[str, ...] = ()
    laid_out: bool = False

    @property
    def answer_text(self) -> str | None:
        """The words within the sentence that answer the question, when the reader marked them.

        `answer` holds their `[start, end)` offsets in the document, inside the sentence's."""
        if self.answer is None:
            return None
        start, end = self.answer
        s = self.sentence
        return s.text[start - s.start : end - s.start]

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
    `searched` is what was searched when it differs from `question`: a follow-up question
    with the words it took from the conversation (see `qa.search.followup`).
    """

    question: str
    mode: Mode
    abstained: bool
    answerability: float
    threshold: float | None
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    searched: str | None = None

    @property
    def best(self) -> Citation | None:
        """Citation [1], or None when the assistant abstained or found nothing."""
        return None if self.abstained or not self.citations else self.citations[0]
