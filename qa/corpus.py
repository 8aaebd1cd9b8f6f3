"""Documents, their sentences and passages, with lookups by id and by neighbourhood.

A passage is a block of a document (the text between blank lines); a block of more than
`MAX_PASSAGE_SENTENCES` sentences is cut into near-equal runs. Passages give each sentence a
context that retrieval scores too: a sentence in a passage about the question's topic is more
likely the answer than an equally similar sentence elsewhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from qa.splitting import split_blocks
from qa.types import Document, Sentence

MAX_PASSAGE_SENTENCES = 8


def document_id(text: str) -> str:
    """A stable id for a document: the first 16 hex digits of its text's SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def make_document(
    text: str, source: str, title: str | None = None, pages: Sequence[int] = ()
) -> Document:
    """Build a `Document`, titling it by its first line (a Markdown heading's `#` marks
    dropped) when that line is headline-sized.

    `pages`: the offsets in `text` where each page starts, the first at 0 (PDF)."""
    if title is None:
        first_line = text.strip().split("\n", 1)[0].lstrip("#").strip()
        title = first_line if 0 < len(first_line) <= 150 else source
    return Document(document_id(text), title, source, text, tuple(pages))


def passage_numbers(block_sizes: Sequence[int], limit: int = MAX_PASSAGE_SENTENCES) -> list[int]:
    """The passage number of each sentence of a document whose blocks have `block_sizes`
    sentences: one passage per block, a longer block cut into `ceil(size / limit)` runs."""
    numbers: list[int] = []
    first = 0
    for size in block_sizes:
        parts = -(-size // limit)
        numbers.extend(first + i * parts // size for i in range(size))
        first += parts
    return numbers


def sentences_of(document: Document, first_id: int) -> list[Sentence]:
    """Split a document into sentences numbered from `first_id`."""
    blocks = split_blocks(document.text)
    spans = [span for block in blocks for span in block]
    passages = passage_numbers([len(block) for block in blocks])
    return [
        Sentence(
            sentence_id=first_id + i,
            doc_id=document.doc_id,
            index=i,
            start=span.start,
            end=span.end,
            text=document.text[span.start : span.end],
            passage=passage,
        )
        for i, (span, passage) in enumerate(zip(spans, passages))
    ]


@dataclass(frozen=True)
class Corpus:
    """Documents by id and sentences by id; sentence ids are dense from 0 in document order."""

    documents: dict[str, Document]
    sentences: tuple[Sentence, ...]

    @classmethod
    def build(cls, documents: Iterable[Document], known: Corpus | None = None) -> Corpus:
        """Split documents into sentences; a document whose text was seen already is skipped.
        A document `known` already has keeps its sentences there, without splitting again."""
        by_id: dict[str, Document] = {}
        sentences: list[Sentence] = []
        for doc in documents:
            if doc.doc_id in by_id:
                continue
            by_id[doc.doc_id] = doc
            first = len(sentences)
            if known is not None and doc.doc_id in known.documents:
                old = known.document_sentences(doc.doc_id)
                sentences.extend(replace(s, sentence_id=first + s.index) for s in old)
            else:
                sentences.extend(sentences_of(doc, first_id=first))
        return cls(by_id, tuple(sentences))

    @classmethod
    def from_spans(
        cls, documents: Sequence[Document], spans: Iterable[tuple[str, int, int, int]]
    ) -> Corpus:
        """Rebuild from stored `(doc_id, start, end, passage)` spans, in sentence id order."""
        by_id = {doc.doc_id: doc for doc in documents}
        sentences: list[Sentence] = []
        index_in_doc: dict[str, int] = {}
        for doc_id, start, end, passage in spans:
            index = index_in_doc.get(doc_id, 0)
            index_in_doc[doc_id] = index + 1
            text = by_id[doc_id].text[start:end]
            sentences.append(Sentence(len(sentences), doc_id, index, start, end, text, passage))
        return cls(by_id, tuple(sentences))

    def subset(self, sentence_ids: Sequence[int]) -> Corpus:
        """A corpus of just these sentences (in the order given), renumbered from 0."""
        members = [self.sentences[i] for i in sentence_ids]
        return Corpus.from_spans(
            [self.documents[d] for d in dict.fromkeys(s.doc_id for s in members)],
            [(s.doc_id, s.start, s.end, s.passage) for s in members],
        )

    @cached_property
    def passage_of(self) -> np.ndarray:
        """Corpus-wide passage id of each sentence (dense from 0, in sentence order)."""
        ids = np.zeros(len(self.sentences), dtype=np.int64)
        current, previous = -1, None
        for sentence in self.sentences:
            key = (sentence.doc_id, sentence.passage)
            if key != previous:
                current, previous = current + 1, key
            ids[sentence.sentence_id] = current
        return ids

    @cached_property
    def _document_ranges(self) -> dict[str, range]:
        ranges: dict[str, range] = {}
        for s in self.sentences:  # a document's sentences are consecutive
            first = ranges[s.doc_id].start if s.doc_id in ranges else s.sentence_id
            ranges[s.doc_id] = range(first, s.sentence_id + 1)
        return ranges

    def document_sentences(self, doc_id: str) -> tuple[Sentence, ...]:
        """The sentences of one document, in order (none for an unknown id)."""
        span = self._document_ranges.get(doc_id, range(0))
        return self.sentences[span.start : span.stop]

    def passage_text_of(self, sentence_id: int) -> str:
        """The text of the passage holding sentence `sentence_id`."""
        passage_of = self.passage_of
        p = passage_of[sentence_id]
        first = int(np.searchsorted(passage_of, p, side="left"))
        last = int(np.searchsorted(passage_of, p, side="right")) - 1
        a, b = self.sentences[first], self.sentences[last]
        return self.documents[a.doc_id].text[a.start : b.end]

    def passage_texts(self) -> list[str]:
        """Each passage's text, in passage id order."""
        firsts = np.flatnonzero(np.diff(self.passage_of, prepend=-1))
        return [self.passage_text_of(int(i)) for i in firsts]

    def neighbours(self, sentence: Sentence, width: int) -> tuple[list[Sentence], list[Sentence]]:
        """Up to `width` sentences of the same document before and after `sentence`."""
        sid = sentence.sentence_id
        before = [
            s for s in self.sentences[max(0, sid - width) : sid] if s.doc_id == sentence.doc_id
        ]
        after = [
            s for s in self.sentences[sid + 1 : sid + 1 + width] if s.doc_id == sentence.doc_id
        ]
        return before, after
