"""Documents, their sentences and passages, with lookups by id and by neighbourhood.

A passage is a block of a document (the text between blank lines); a block of more than
`MAX_PASSAGE_SENTENCES` sentences is cut into near-equal runs. The headings a sentence sits
under (`section_of`) are its context, for the embedder, BM25 and what a citation shows. Passages give each sentence a
context that retrieval scores too: a sentence in a passage about the question's topic is more
likely the answer than an equally similar sentence elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np

from qa.index.sentences import Sentences, StoredSentence, document_runs
from qa.ingest.block_splitting import split_structured
from qa.ingest.sections import Sections, document_blocks, headings_of, laid_out_ranges
from qa.ingest.splitting import split_blocks
from qa.progress import Progress, quiet
from qa.types import Document, Sentence

MAX_PASSAGE_SENTENCES = 8
# Headings are found in documents up to this size: reading a document's structure takes about
# 0.4 s per MB here, paid when its first sentence is indexed or cited after a load; a larger
# document (a 200 MB dump: 12 s on the first question) is read without sections.
MAX_SECTIONED_CHARS = 10_000_000


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


@dataclass(frozen=True)
class DocumentSplit:
    """A document's sentence spans and each sentence's passage number, before ids are given
    (`qa.scale.ray_index` computes them on other machines)."""

    spans: Sequence[tuple[int, int]]
    passages: Sequence[int]


def split_document(
    document: Document, progress: Callable[[int], None] | None = None
) -> DocumentSplit:
    """A document's sentences and passages, within its structure (headings, list items...:
    `qa.ingest.block_splitting`) up to `MAX_SECTIONED_CHARS`, else within its blank-line
    blocks; `progress(characters_done)` is called during a long document."""
    if len(document.text) <= MAX_SECTIONED_CHARS:
        groups = split_structured(document.text, document_blocks(document), progress)
    else:
        groups = split_blocks(document.text, progress)
    spans = [(span.start, span.end) for group in groups for span in group]
    return DocumentSplit(spans, passage_numbers([len(group) for group in groups]))


def sentences_of(
    document: Document,
    first_id: int,
    progress: Callable[[int], None] | None = None,
    split: DocumentSplit | None = None,
) -> Sentences:
    """Split a document (unless its `split` is given) into sentences with ids from
    `first_id`; `progress(characters_done)` is called during a long document."""
    split = split or split_document(document, progress)
    ids = range(first_id, first_id + len(split.spans))
    return Sentences.of_document(document, ids, split.spans, split.passages)


def _offset(progress: Progress, done: int, total: int, chars: int) -> None:
    progress("splitting", done + chars, total)


@dataclass(frozen=True)
class Corpus:
    """Documents by id and their sentences in rows (dense from 0, in document order).

    A sentence's `sentence_id` is stable across updates (see `build`); `next_id` is the id the
    next new sentence gets, so that no id is ever given twice.
    """

    documents: dict[str, Document]
    sentences: Sentences
    next_id: int = 0

    @classmethod
    def build(
        cls,
        documents: Iterable[Document],
        known: Corpus | None = None,
        progress: Progress = quiet,
        splits: Mapping[str, DocumentSplit] | None = None,
    ) -> Corpus:
        """Split documents into sentences; a document whose text was seen already is skipped.

        A document `known` already has keeps its sentences (and their ids) without being
        split again; a new document's sentences get ids from `known.next_id` on, from its
        split in `splits` (by document id) when there is one. Reports `splitting` progress in
        characters of the new documents."""
        by_id: dict[str, Document] = {}
        for doc in documents:
            by_id.setdefault(doc.doc_id, doc)  # the first of equal texts wins
        old = known.documents if known is not None else {}
        total = sum(len(doc.text) for doc in by_id.values() if doc.doc_id not in old)
        parts: list[Sentences] = []
        next_id = known.next_id if known is not None else 0
        done = 0
        for doc in by_id.values():
            if known is not None and doc.doc_id in old:
                parts.append(known.document_sentences(doc.doc_id))
                continue
            progress("splitting", done, total)
            split = splits.get(doc.doc_id) if splits else None
            new = sentences_of(doc, next_id, partial(_offset, progress, done, total), split)
            parts.append(new)
            next_id += len(new)
            done += len(doc.text)
        progress("splitting", done, total)
        return cls(by_id, Sentences.concatenate(by_id, parts), next_id)

    @classmethod
    def from_spans(
        cls,
        documents: Sequence[Document],
        spans: Iterable[StoredSentence],
        next_id: int | None = None,
    ) -> Corpus:
        """Rebuild from stored spans, in row order (a document's sentences consecutive).

        `next_id` defaults to one past the highest sentence id."""
        by_id = {doc.doc_id: doc for doc in documents}
        sentences = Sentences.from_stored(by_id, spans)
        if next_id is None:
            next_id = int(sentences.ids.max()) + 1 if len(sentences) else 0
        return cls(by_id, sentences, next_id)

    def subset(self, rows: Sequence[int]) -> Corpus:
        """A corpus of just these rows (in the order given), in rows from 0; the sentences
        keep their ids."""
        members = [self.sentences[i] for i in rows]
        return Corpus.from_spans(
            [self.documents[d] for d in dict.fromkeys(s.doc_id for s in members)],
            [(s.sentence_id, s.doc_id, s.start, s.end, s.passage) for s in members],
            self.next_id,
        )

    @cached_property
    def passage_of(self) -> np.ndarray:
        """Corpus-wide passage id of each row's sentence (dense from 0, in row order)."""
        doc, passage = self.sentences.doc, self.sentences.passage
        changes = np.ones(len(doc), dtype=bool)
        changes[1:] = (doc[1:] != doc[:-1]) | (passage[1:] != passage[:-1])
        return np.cumsum(changes, dtype=np.int64) - 1

    @cached_property
    def passage_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The first and past-the-last rows of each passage, in passage id order."""
        return document_runs(self.passage_of)

    @property
    def passage_count(self) -> int:
        """How many passages the corpus has."""
        return int(self.passage_of[-1]) + 1 if len(self.sentences) else 0

    @cached_property
    def _document_ranges(self) -> dict[str, range]:
        doc = self.sentences.doc
        first, stop = document_runs(doc)
        return {
            self.sentences.doc_ids[doc[a]]: range(a, b)
            for a, b in zip(first.tolist(), stop.tolist())
        }

    def document_sentences(self, doc_id: str) -> Sentences:
        """The sentences of one document, in order (none for an unknown id)."""
        span = self._document_ranges.get(doc_id, range(0))
        return self.sentences[span.start : span.stop]

    def passage_text_of(self, row: int) -> str:
        """The text of the passage holding the sentence in `row`."""
        return self._passage_text(int(self.passage_of[row]))

    def passage_texts(self) -> list[str]:
        """Each passage's text, in passage id order."""
        return [self._passage_text(p) for p in range(self.passage_count)]

    def _passage_text(self, passage: int) -> str:
        first, stop = self.passage_rows
        a, b = self.sentences[int(first[passage])], self.sentences[int(stop[passage]) - 1]
        return self.documents[a.doc_id].text[a.start : b.end]

    def section_of(self, sentence: Sentence) -> tuple[str, ...]:
        """The headings `sentence` sits under in its document, outermost first; the
        document's title (its first heading, as a rule) is not repeated there."""
        path = self._sections(sentence.doc_id).at(sentence.start)
        title = self.documents[sentence.doc_id].title
        return path[1:] if path and path[0] == title else path

    def context_of(self, row: int, skipped: frozenset[int] = frozenset()) -> str:
        """The text the sentence in `row` follows: the sentence before it in its passage,
        else its nearest heading, else its document's title (what the reader reads it after).
        Rows in `skipped` (sentences taken out, as calibration does) are read past."""
        sentence = self.sentences[row]
        before = row - 1
        while before in skipped:
            before -= 1
        if before >= 0 and int(self.passage_of[before]) == int(self.passage_of[row]):
            return self.sentences[before].text
        section = self.section_of(sentence)
        return section[-1] if section else self.documents[sentence.doc_id].title

    def is_heading(self, row: int) -> bool:
        """Whether the sentence in `row` is a heading of its document (context for the
        sentences under it rather than an answer)."""
        sentence = self.sentences[row]
        return sentence.start in self._sections(sentence.doc_id).starts

    def heading_named(self, row: int) -> int | None:
        """The row of the heading that the sentence in `row` names as an entry of its
        document's contents list (`Sections.named`), or None."""
        sentence = self.sentences[row]
        start = self._sections(sentence.doc_id).named(sentence.text, sentence.start)
        if start is None:
            return None
        rows = self._document_ranges[sentence.doc_id]
        starts = self.sentences.start[rows.start : rows.stop]  # ascending within a document
        at = int(np.searchsorted(starts, start))
        return rows.start + at if at < len(starts) and starts[at] == start else None

    def is_laid_out(self, sentence: Sentence) -> bool:
        """Whether `sentence` is code or a table, whose line breaks are layout, not wraps."""
        return self._sections(sentence.doc_id).laid_out(sentence.start)

    def _sections(self, doc_id: str) -> Sections:
        found = self._section_cache.get(doc_id)
        if found is None:  # read once per document, when one of its sentences is first cited
            document = self.documents[doc_id]
            blocks = document_blocks(document) if len(document.text) <= MAX_SECTIONED_CHARS else []
            found = Sections(headings_of(document.text, blocks), laid_out_ranges(blocks))
            self._section_cache[doc_id] = found
        return found

    @cached_property
    def _section_cache(self) -> dict[str, Sections]:
        return {}

    def neighbours(self, sentence: Sentence, width: int) -> tuple[list[Sentence], list[Sentence]]:
        """Up to `width` sentences of the same document before and after `sentence`."""
        row = sentence.row
        before = [
            s for s in self.sentences[max(0, row - width) : row] if s.doc_id == sentence.doc_id
        ]
        after = [
            s for s in self.sentences[row + 1 : row + 1 + width] if s.doc_id == sentence.doc_id
        ]
        return before, after
