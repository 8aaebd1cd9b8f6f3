"""The assistant: ingest -> split -> embed -> index, then retrieve -> fuse -> answer."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from embeddings import Embedder, SentenceTransformerEmbedder, VectorIndex
from qa.answering import make_answer
from qa.calibration import calibration_for
from qa.corpus import Corpus, make_document
from qa.errors import QAError
from qa.ingest import read_documents
from qa.lexical import LexicalIndex
from qa.retrieval import Retrieval, Retriever
from qa.settings import Settings
from qa.store import FORMAT_VERSION, StoredIndexes, load_store, save_store
from qa.types import Answer, Document, Mode

log = logging.getLogger(__name__)

SAMPLE_PATH = Path(__file__).parent / "data" / "yangtze-river-delta-industrial-chains.txt"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "qa-assistant"
MAX_QUESTION_CHARS = 2000


class Assistant:
    """Answers questions with cited sentences from a fixed collection of documents."""

    def __init__(
        self,
        corpus: Corpus,
        embedder: Embedder,
        vectors: VectorIndex,
        lexical: LexicalIndex,
        settings: Settings = Settings(),
    ) -> None:
        self.corpus = corpus
        self.settings = settings
        self.retriever = Retriever(embedder, vectors, lexical, settings)
        self.threshold = _threshold(settings)

    # ---- building ---------------------------------------------------------------------

    @classmethod
    def from_documents(
        cls,
        documents: Iterable[Document],
        settings: Settings = Settings(),
        embedder: Embedder | None = None,
    ) -> Assistant:
        """Index documents in memory.

        Args:
            documents: The documents; one whose text repeats an earlier one is skipped.
            settings: Indexing and answering settings.
            embedder: An embedder to use instead of loading `settings.embedder`.
        """
        return cls.from_corpus(Corpus.build(documents), settings, embedder)

    @classmethod
    def from_corpus(
        cls, corpus: Corpus, settings: Settings = Settings(), embedder: Embedder | None = None
    ) -> Assistant:
        """Embed and index an already split corpus."""
        if not corpus.sentences:
            raise QAError(
                "the documents contain no text to index; add documents with sentences in them"
            )
        embedder = embedder or SentenceTransformerEmbedder(settings.embedder)
        texts = [s.text for s in corpus.sentences]
        ids = np.arange(len(texts), dtype=np.int64)
        log.info("embedding %d sentences from %d documents", len(texts), len(corpus.documents))
        vectors = VectorIndex(embedder.dimension)
        vectors.add(ids, embedder.embed(texts))
        lexical = LexicalIndex.build(ids.tolist(), texts)
        return cls(corpus, embedder, vectors, lexical, settings)

    @classmethod
    def from_paths(
        cls,
        paths: Sequence[str | Path],
        settings: Settings = Settings(),
        embedder: Embedder | None = None,
    ) -> Assistant:
        """Index the text files at `paths` (folders are searched recursively)."""
        return cls.from_documents(read_documents(paths), settings, embedder)

    @classmethod
    def from_texts(
        cls, texts: Sequence[str], settings: Settings = Settings(), embedder: Embedder | None = None
    ) -> Assistant:
        """Index plain strings, each one document."""
        docs = [make_document(text, source=f"text {i + 1}") for i, text in enumerate(texts)]
        return cls.from_documents(docs, settings, embedder)

    @classmethod
    def load(cls, store: str | Path, embedder: Embedder | None = None) -> Assistant:
        """Open a store written by `save`.

        Raises:
            QAError: The store is missing, damaged, or was built with another embedder.
        """
        stored = load_store(Path(store))
        embedder = embedder or SentenceTransformerEmbedder(stored.settings.embedder)
        if embedder.dimension != stored.dimension:
            raise QAError(
                f"the store {store} was built with {stored.settings.embedder} "
                f"({stored.dimension}-d vectors) but the embedder gives {embedder.dimension}-d; "
                f"use {stored.settings.embedder} or rebuild the store with `qa index`"
            )
        return cls(stored.corpus, embedder, stored.vectors, stored.lexical, stored.settings)

    def save(self, store: str | Path) -> None:
        """Write the collection and its indexes to the folder `store` (atomically)."""
        r = self.retriever
        save_store(
            Path(store),
            StoredIndexes(self.settings, r.vectors.dimension, self.corpus, r.vectors, r.lexical),
        )

    @classmethod
    def sample(
        cls,
        cache_dir: str | Path | None = None,
        settings: Settings = Settings(),
        embedder: Embedder | None = None,
    ) -> Assistant:
        """The assistant over the bundled sample article, built once and cached under `cache_dir`
        (default `~/.cache/qa-assistant`)."""
        store = Path(cache_dir or DEFAULT_CACHE_DIR) / f"sample-{_sample_fingerprint(settings)}"
        if (store / "manifest.json").is_file():
            log.info("reusing the sample store %s", store)
            return cls.load(store, embedder)
        assistant = cls.from_paths([SAMPLE_PATH], settings, embedder)
        assistant.save(store)
        log.info("indexed the sample article into %s", store)
        return assistant

    # ---- answering --------------------------------------------------------------------

    def ask(self, question: str, k: int | None = None, mode: Mode | str | None = None) -> Answer:
        """Answer `question` with the `k` best source sentences, or abstain.

        Args:
            question: The question.
            k: Number of citations (default `settings.k`).
            mode: `hybrid`, `bm25` or `dense` (default `settings.mode`).

        Returns:
            The answer; `answer.abstained` is True when nothing clears the threshold.
        """
        question, k, mode = self._check(question, k, mode)
        retrieval = self.retrieve(question, mode)
        return make_answer(
            self.corpus,
            question,
            mode,
            retrieval,
            k,
            self.threshold,
            self.settings.context_sentences,
        )

    def retrieve(
        self, question: str, mode: Mode, query_vector: np.ndarray | None = None
    ) -> Retrieval:
        """The ranking behind an answer (up to `settings.depth` sentences) and its best similarity."""
        depth = min(self.settings.depth, len(self.corpus.sentences))
        return self.retriever.retrieve(question, mode, depth, query_vector)

    def _check(
        self, question: str, k: int | None, mode: Mode | str | None
    ) -> tuple[str, int, Mode]:
        question = " ".join(question.split()) if isinstance(question, str) else ""
        if not question:
            raise QAError("the question is empty; type a question about your documents")
        if len(question) > MAX_QUESTION_CHARS:
            raise QAError(
                f"the question has {len(question)} characters; shorten it to at most {MAX_QUESTION_CHARS}"
            )
        k = self.settings.k if k is None else k
        if k < 1 or k > self.settings.depth:
            raise QAError(f"k={k} is out of range; choose 1 to {self.settings.depth}")
        try:
            mode = Mode(mode or self.settings.mode)
        except ValueError:
            raise QAError(
                f"unknown mode {mode!r}; choose one of {', '.join(m.value for m in Mode)}"
            ) from None
        return question, k, mode


def _threshold(settings: Settings) -> float | None:
    if settings.abstain_threshold is not None:
        return settings.abstain_threshold
    calibration = calibration_for(settings.embedder)
    if calibration is None:
        log.warning("no abstention calibration for %s; answers never abstain", settings.embedder)
        return None
    return calibration.threshold


def _sample_fingerprint(settings: Settings) -> str:
    digest = hashlib.sha256()
    digest.update(SAMPLE_PATH.read_bytes())
    digest.update(repr((FORMAT_VERSION, settings.to_json())).encode())
    return digest.hexdigest()[:12]
