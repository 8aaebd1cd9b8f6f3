"""Documents and their sentences, with lookups by id and by neighbourhood."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa.splitting import split_sentences
from qa.types import Document, Sentence


def document_id(text: str) -> str:
    """A stable id for a document: the first 16 hex digits of its text's SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def make_document(text: str, source: str, title: str | None = None) -> Document:
    """Build a `Document`, titling it by its first line when that line is headline-sized."""
    if title is None:
        first_line = text.strip().split("\n", 1)[0].strip()
        title = first_line if 0 < len(first_line) <= 150 else source
    return Document(doc_id=document_id(text), title=title, source=source, text=text)


def sentences_of(document: Document, first_id: int) -> list[Sentence]:
    """Split a document into sentences numbered from `first_id`."""
    return [
        Sentence(
            sentence_id=first_id + i,
            doc_id=document.doc_id,
            index=i,
            start=span.start,
            end=span.end,
            text=document.text[span.start : span.end],
        )
        for i, span in enumerate(split_sentences(document.text))
    ]


@dataclass(frozen=True)
class Corpus:
    """Documents by id and sentences by id; sentence ids are dense from 0 in document order."""

    documents: dict[str, Document]
    sentences: tuple[Sentence, ...]

    @classmethod
    def build(cls, documents: Iterable[Document]) -> Corpus:
        """Split documents into sentences; a document whose text was seen already is skipped."""
        by_id: dict[str, Document] = {}
        sentences: list[Sentence] = []
        for doc in documents:
            if doc.doc_id in by_id:
                continue
            by_id[doc.doc_id] = doc
            sentences.extend(sentences_of(doc, first_id=len(sentences)))
        return cls(by_id, tuple(sentences))

    @classmethod
    def from_spans(
        cls, documents: Sequence[Document], spans: Iterable[tuple[str, int, int]]
    ) -> Corpus:
        """Rebuild from stored `(doc_id, start, end)` spans, in sentence id order."""
        by_id = {doc.doc_id: doc for doc in documents}
        sentences: list[Sentence] = []
        index_in_doc: dict[str, int] = {}
        for doc_id, start, end in spans:
            index = index_in_doc.get(doc_id, 0)
            index_in_doc[doc_id] = index + 1
            text = by_id[doc_id].text[start:end]
            sentences.append(Sentence(len(sentences), doc_id, index, start, end, text))
        return cls(by_id, tuple(sentences))

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
