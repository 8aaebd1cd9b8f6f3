"""The four indexes retrieval reads: sentence and passage vectors, sentence and passage BM25."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings import Embedder, EmbeddingError, VectorIndex, normalize_rows
from qa.corpus import Corpus
from qa.errors import QAError
from qa.lexical import LexicalIndex
from qa.progress import Progress, quiet

log = logging.getLogger(__name__)

_FOLDERS = ("vectors", "bm25", "passage-vectors", "passage-bm25")
EMBED_BATCH = 256


def embed(
    embedder: Embedder,
    texts: Sequence[str],
    progress: Progress = quiet,
    out: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Embed `texts` in batches of `EMBED_BATCH`, reporting `embedding` progress after each.

    The vectors go into `out[rows]` when `out` is given (no second copy of a large corpus's
    vectors), else into a new array, which is returned either way."""
    if out is None:
        out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    progress("embedding", 0, len(texts))
    for start in range(0, len(texts), EMBED_BATCH):
        stop = min(start + EMBED_BATCH, len(texts))
        target = slice(start, stop) if rows is None else rows[start:stop]
        out[target] = embedder.embed(texts[start:stop])
        progress("embedding", stop, len(texts))
    return out


@dataclass(frozen=True)
class Indexes:
    """Sentence ids key the sentence indexes; `corpus.passage_of` ids key the passage ones.

    A passage's vector is the normalised mean of its sentences' vectors, so passages cost no
    extra embedding.
    """

    vectors: VectorIndex
    lexical: LexicalIndex
    passage_vectors: VectorIndex
    passage_lexical: LexicalIndex

    @classmethod
    def build(cls, corpus: Corpus, embedder: Embedder, progress: Progress = quiet) -> Indexes:
        """Embed every sentence of `corpus` and index sentences and passages."""
        log.info(
            "embedding %d sentences from %d documents", len(corpus.sentences), len(corpus.documents)
        )
        return cls.from_vectors(
            corpus, embed(embedder, [s.text for s in corpus.sentences], progress)
        )

    @classmethod
    def update(
        cls,
        corpus: Corpus,
        embedder: Embedder,
        previous: tuple[Corpus, Indexes],
        progress: Progress = quiet,
    ) -> Indexes:
        """Index `corpus`, embedding only the sentences the `previous` corpus did not have (same
        document, same span); the others keep their stored vectors."""
        old_corpus, old = previous
        known = {(s.doc_id, s.start, s.end): s.row for s in old_corpus.sentences}
        found = [known.get((s.doc_id, s.start, s.end), -1) for s in corpus.sentences]
        fresh = [i for i, old_id in enumerate(found) if old_id < 0]
        kept = [i for i, old_id in enumerate(found) if old_id >= 0]
        log.info("embedding %d new sentences, reusing %d", len(fresh), len(kept))
        vectors = np.zeros((len(found), old.dimension), dtype=np.float32)
        vectors[kept] = old.vectors.vectors(np.array([found[i] for i in kept], dtype=np.int64))
        if fresh:
            texts = [corpus.sentences[i].text for i in fresh]
            embed(embedder, texts, progress, out=vectors, rows=np.array(fresh, dtype=np.int64))
        return cls.from_vectors(corpus, vectors)

    @classmethod
    def from_vectors(cls, corpus: Corpus, embedded: np.ndarray) -> Indexes:
        """Index `corpus` given its sentences' vectors (row i = sentence id i)."""
        texts = [s.text for s in corpus.sentences]
        passage_texts = corpus.passage_texts()
        means = np.zeros((len(passage_texts), embedded.shape[1]), dtype=np.float32)
        np.add.at(means, corpus.passage_of, embedded)
        ids = np.arange(len(texts), dtype=np.int64)
        passage_ids = np.arange(len(passage_texts), dtype=np.int64)
        vectors = VectorIndex(embedded.shape[1])
        vectors.add(ids, embedded)
        passage_vectors = VectorIndex(embedded.shape[1])
        passage_vectors.add(passage_ids, normalize_rows(means))
        return cls(
            vectors,
            LexicalIndex.build(ids.tolist(), texts),
            passage_vectors,
            LexicalIndex.build(passage_ids.tolist(), passage_texts),
        )

    def save(self, folder: Path) -> None:
        """Write each index into its own subfolder of `folder`."""
        for name, index in zip(_FOLDERS, self._members()):
            index.save(folder / name)

    @classmethod
    def load(cls, folder: Path, corpus: Corpus) -> Indexes:
        """Load indexes written by `save` and check they cover `corpus`.

        Raises:
            QAError: An index is missing, damaged, or does not match the corpus.
        """
        try:
            vectors, passage_vectors = (VectorIndex.load(folder / f) for f in _FOLDERS[::2])
        except EmbeddingError as exc:  # its message says what is wrong and what to do
            raise QAError(f"the store {folder} is damaged: {exc}") from exc
        except (OSError, ValueError) as exc:
            raise QAError(
                f"the store {folder} is damaged ({exc}); rebuild it with `qa index`"
            ) from exc
        lexical, passage_lexical = (LexicalIndex.load(folder / f) for f in _FOLDERS[1::2])
        indexes = cls(vectors, lexical, passage_vectors, passage_lexical)
        sentences = len(corpus.sentences)
        passages = int(corpus.passage_of[-1]) + 1 if sentences else 0
        sizes = [len(index) for index in indexes._members()]
        if sizes != [sentences, sentences, passages, passages]:
            raise QAError(
                f"the store {folder} is inconsistent ({sentences} sentences and {passages} "
                f"passages, but indexes of {sizes} entries); rebuild it with `qa index`"
            )
        return indexes

    @property
    def dimension(self) -> int:
        return self.vectors.dimension

    def _members(self) -> tuple[VectorIndex | LexicalIndex, ...]:
        return (self.vectors, self.lexical, self.passage_vectors, self.passage_lexical)
