"""The four indexes retrieval reads: sentence and passage vectors, sentence and passage BM25."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embeddings import Embedder, EmbeddingError, VectorIndex, normalize_rows
from qa.errors import QAError
from qa.index.corpus import Corpus
from qa.index.embedding import embedding_calls, indexed_text, row_blocks
from qa.index.lexical import LexicalIndex
from qa.progress import Progress, quiet

if TYPE_CHECKING:
    from qa.index.milvus import MilvusSpace, MilvusVectors

log = logging.getLogger(__name__)

_FOLDERS = ("vectors", "bm25", "passage-vectors", "passage-bm25")


@dataclass(frozen=True)
class Indexes:
    """Sentence rows key the sentence indexes; `corpus.passage_of` ids key the passage ones.

    A passage's vector is the normalised mean of its sentences' vectors, so passages cost no
    extra embedding. The vectors live in the store folder (FAISS) or in Milvus (`qa.index.milvus`);
    BM25 is always qa's own, whose scores linear fusion divides by their IDF ceiling.
    """

    vectors: VectorIndex | MilvusVectors
    lexical: LexicalIndex
    passage_vectors: VectorIndex | MilvusVectors
    passage_lexical: LexicalIndex

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        embedder: Embedder,
        progress: Progress = quiet,
        titled: bool = False,
        space: MilvusSpace | None = None,
    ) -> Indexes:
        """Embed and index every sentence of `corpus` (`indexed_text`), and its passages;
        into the Milvus `space` when one is given (embedding only what it lacks)."""
        return cls.update(corpus, embedder, None, progress, titled, space)

    @classmethod
    def update(
        cls,
        corpus: Corpus,
        embedder: Embedder,
        previous: tuple[Corpus, Indexes] | None,
        progress: Progress = quiet,
        titled: bool = False,
        space: MilvusSpace | None = None,
    ) -> Indexes:
        """Index `corpus`, embedding only the sentences the `previous` corpus did not have (same
        document, same span; `indexed_text`); the others keep their stored vectors.

        Vectors go into the index a block of rows at a time, so a large corpus's vectors are
        held once (in the index), not also in an array beside it. With a Milvus `space` they
        go there instead (`qa.index.milvus.sync`)."""
        if space is not None:
            return cls._in_milvus(corpus, embedder, previous, progress, titled, space)
        found = np.full(len(corpus.sentences), -1, dtype=np.int64)
        if previous is not None:
            old_corpus, old = previous
            known = {span: row for row, span in enumerate(old_corpus.sentences.spans())}
            found[:] = [known.get(span, -1) for span in corpus.sentences.spans()]
        fresh = int((found < 0).sum())
        log.info("embedding %d new sentences, reusing %d", fresh, len(found) - fresh)
        blocks = cls._blocks(corpus, embedder, found, previous, progress, titled)
        return cls._assemble(corpus, embedder.dimension, blocks, titled)

    @classmethod
    def _in_milvus(
        cls,
        corpus: Corpus,
        embedder: Embedder,
        previous: tuple[Corpus, Indexes] | None,
        progress: Progress,
        titled: bool,
        space: MilvusSpace,
    ) -> Indexes:
        from qa.index.milvus import MilvusVectors
        from qa.index.milvus.sync import sync

        known = None
        if previous is not None and isinstance(previous[1].vectors, MilvusVectors):
            known = (previous[0], previous[1].vectors)
        vectors, passage_vectors = sync(
            space, corpus, embedder, known, progress, lambda row: indexed_text(corpus, row, titled)
        )
        lexical, passage_lexical = cls._lexical(corpus, titled)
        return cls(vectors, lexical, passage_vectors, passage_lexical)

    @staticmethod
    def _blocks(
        corpus: Corpus,
        embedder: Embedder,
        found: np.ndarray,
        previous: tuple[Corpus, Indexes] | None,
        progress: Progress,
        titled: bool,
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """`(rows, vectors)` in blocks of `BLOCK_ROWS` (`qa.index.embedding`): stored vectors
        where `found` names the previous row, new ones embedded elsewhere."""
        total, done = int((found < 0).sum()), 0
        progress("embedding", 0, total)
        for rows in row_blocks(len(found)):
            start = int(rows[0])
            block = np.zeros((len(rows), embedder.dimension), dtype=np.float32)
            kept = found[rows] >= 0
            if kept.any() and previous is not None:
                block[kept] = previous[1].vectors.vectors(found[rows][kept])
            for call in embedding_calls(rows[~kept]):
                texts = [indexed_text(corpus, i, titled) for i in call.tolist()]
                block[call - start] = embedder.embed(texts)
                done += len(call)
                progress("embedding", done, total)
            yield rows, block

    @classmethod
    def from_vectors(cls, corpus: Corpus, embedded: np.ndarray) -> Indexes:
        """Index `corpus` given its sentences' vectors (row i = the sentence in row i)."""
        rows = np.arange(len(embedded), dtype=np.int64)
        return cls._assemble(corpus, embedded.shape[1], [(rows, embedded)])

    @classmethod
    def _assemble(
        cls,
        corpus: Corpus,
        dimension: int,
        blocks: Iterable[tuple[np.ndarray, np.ndarray]],
        titled: bool = False,
    ) -> Indexes:
        """Index `corpus` given its sentences' vectors as `(rows, vectors)` blocks."""
        vectors = VectorIndex(dimension, size=len(corpus.sentences))  # size picks the structure
        passages = corpus.passage_count
        means = np.zeros((passages, dimension), dtype=np.float32)
        for rows, block in blocks:
            vectors.add(rows, block)
            np.add.at(means, corpus.passage_of[rows], block)
        passage_vectors = VectorIndex(dimension)
        passage_vectors.add(np.arange(passages, dtype=np.int64), normalize_rows(means))
        lexical, passage_lexical = cls._lexical(corpus, titled)
        return cls(vectors, lexical, passage_vectors, passage_lexical)

    @staticmethod
    def _lexical(corpus: Corpus, titled: bool) -> tuple[LexicalIndex, LexicalIndex]:
        """BM25 over the sentences (`indexed_text`) and over the passages."""
        sentences = range(len(corpus.sentences))
        texts = (indexed_text(corpus, row, titled) for row in sentences)
        passages = range(corpus.passage_count)
        return (
            LexicalIndex.build(sentences, texts),
            LexicalIndex.build(passages, corpus.passage_texts()),
        )

    def save(self, folder: Path) -> None:
        """Write each index into its own subfolder of `folder`."""
        for name, index in zip(_FOLDERS, self._members()):
            index.save(folder / name)

    @classmethod
    def load(cls, folder: Path, corpus: Corpus, space: MilvusSpace | None = None) -> Indexes:
        """Load indexes written by `save` (the vectors from the Milvus `space` when given) and
        check they cover `corpus`.

        Raises:
            QAError: An index is missing, damaged, or does not match the corpus.
        """
        vectors: VectorIndex | MilvusVectors
        passage_vectors: VectorIndex | MilvusVectors
        try:
            if space is not None:
                from qa.index.milvus.sync import opened

                vectors, passage_vectors = opened(space, corpus)
            else:
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
        passages = corpus.passage_count
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

    def _members(self) -> tuple[VectorIndex | MilvusVectors | LexicalIndex, ...]:
        return (self.vectors, self.lexical, self.passage_vectors, self.passage_lexical)
