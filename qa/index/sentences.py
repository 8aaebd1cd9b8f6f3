"""A corpus's sentences held as columns of numbers, each `Sentence` made when it is read.

As Python objects a sentence costs about 480 bytes (the object, its ints and a copy of its
text); as columns it costs 32, and its text is a slice of its document's, so the text cannot
disagree with the offsets. A million sentences: about 30 MB instead of about 480 MB.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import overload

import numpy as np

from qa.types import Document, Sentence

StoredSentence = tuple[int, str, int, int, int]
"""A stored sentence: `(sentence_id, doc_id, start, end, passage)`."""

_CHUNK = 100_000  # rows turned into arrays at a time, so few Python ints exist at once


@dataclass(frozen=True, eq=False)
class Sentences(Sequence[Sentence]):
    """Sentences in rows (a document's consecutive, in order): row i's `Sentence` has id
    `ids[i]`, document `doc_ids[doc[i]]`, span `[start[i], end[i])`, `passage[i]` and `position[i]`
    (its `index`, its place in its document). A slice is a view of the same columns whose sentences keep
    their rows (`first_row` on)."""

    documents: Mapping[str, Document]
    doc_ids: tuple[str, ...]
    ids: np.ndarray
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    passage: np.ndarray
    position: np.ndarray
    first_row: int = 0

    @classmethod
    def concatenate(
        cls, documents: Mapping[str, Document], parts: Sequence[Sentences]
    ) -> Sentences:
        """The rows of `parts` one after another, over `documents`."""
        number = {doc_id: i for i, doc_id in enumerate(documents)}

        def joined(name: str, dtype: type) -> np.ndarray:
            arrays = [getattr(p, name) for p in parts]
            return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype)

        doc = [_renumbered(p, number) for p in parts]
        return cls(
            documents,
            tuple(documents),
            joined("ids", np.int64),
            np.concatenate(doc) if doc else np.zeros(0, np.int32),
            joined("start", np.int64),
            joined("end", np.int64),
            joined("passage", np.int32),
            joined("position", np.int32),
        )

    @classmethod
    def of_document(
        cls,
        document: Document,
        ids: Sequence[int],
        spans: Sequence[tuple[int, int]],
        passages: Sequence[int],
    ) -> Sentences:
        """One document's sentences, in order."""
        n = len(spans)
        bounds = np.asarray(spans, dtype=np.int64).reshape(n, 2)
        return cls(
            {document.doc_id: document},
            (document.doc_id,),
            np.asarray(ids, dtype=np.int64),
            np.zeros(n, dtype=np.int32),
            bounds[:, 0].copy(),
            bounds[:, 1].copy(),
            np.asarray(passages, dtype=np.int32),
            np.arange(n, dtype=np.int32),
        )

    @classmethod
    def from_stored(
        cls, documents: Mapping[str, Document], stored: Iterable[StoredSentence]
    ) -> Sentences:
        """Rows from stored tuples (a document's consecutive), read a chunk at a time."""
        number = {doc_id: i for i, doc_id in enumerate(documents)}
        parts: list[tuple[np.ndarray, ...]] = []
        rows = iter(stored)
        while chunk := list(islice(rows, _CHUNK)):
            chunk_ids, chunk_docs, starts, ends, passages = zip(*chunk)
            numbers = np.fromiter((number[d] for d in chunk_docs), dtype=np.int32, count=len(chunk))
            columns = (chunk_ids, numbers, starts, ends, passages)
            parts.append(tuple(np.asarray(column) for column in columns))
        if not parts:
            return cls.concatenate(documents, [])
        ids, doc, start, end, passage = (np.concatenate(c) for c in zip(*parts))
        first, stop = document_runs(doc)
        position = np.arange(len(doc)) - np.repeat(first, stop - first)
        return cls(
            documents,
            tuple(documents),
            ids.astype(np.int64),
            doc,
            start.astype(np.int64),
            end.astype(np.int64),
            passage.astype(np.int32),
            position.astype(np.int32),
        )

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, key: int) -> Sentence: ...

    @overload
    def __getitem__(self, key: slice) -> Sentences: ...

    def __getitem__(self, key: int | slice) -> Sentence | Sentences:
        if isinstance(key, slice):
            lo, hi, step = key.indices(len(self))
            if step != 1:
                raise ValueError("Sentences slices take every row (step 1)")
            hi = max(lo, hi)
            return Sentences(
                self.documents,
                self.doc_ids,
                self.ids[lo:hi],
                self.doc[lo:hi],
                self.start[lo:hi],
                self.end[lo:hi],
                self.passage[lo:hi],
                self.position[lo:hi],
                self.first_row + lo,
            )
        i = operator.index(key)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"sentence row {key} out of range ({len(self)} sentences)")
        doc_id = self.doc_ids[self.doc[i]]
        start, end = int(self.start[i]), int(self.end[i])
        return Sentence(
            sentence_id=int(self.ids[i]),
            row=self.first_row + i,
            doc_id=doc_id,
            index=int(self.position[i]),
            start=start,
            end=end,
            text=self.documents[doc_id].text[start:end],
            passage=int(self.passage[i]),
        )

    def __iter__(self) -> Iterator[Sentence]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # compared by value, like a list

    def texts(self) -> Iterator[str]:
        """Each row's text, without making `Sentence` objects."""
        for d, start, end in zip(self.doc.tolist(), self.start.tolist(), self.end.tolist()):
            yield self.documents[self.doc_ids[d]].text[start:end]

    def spans(self) -> Iterator[tuple[str, int, int]]:
        """Each row's `(doc_id, start, end)`."""
        for d, start, end in zip(self.doc.tolist(), self.start.tolist(), self.end.tolist()):
            yield self.doc_ids[d], start, end


def document_runs(doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and past-the-last rows of each run of equal numbers in `doc` (a document's
    sentences are consecutive), in order."""
    first = np.flatnonzero(np.diff(doc, prepend=-1))
    return first, np.append(first[1:], len(doc)) if len(first) else first


def _renumbered(part: Sentences, number: Mapping[str, int]) -> np.ndarray:
    """`part.doc` as numbers in another document order (`number[doc_id]`); costs the part's
    own documents only, not all of `part.doc_ids`."""
    codes, inverse = np.unique(part.doc, return_inverse=True)
    return np.asarray([number[part.doc_ids[c]] for c in codes], dtype=np.int32)[inverse]
