"""`qa index --ray`: reading, splitting and embedding on a Ray cluster (docs/ray.md).

Ray runs the pure, expensive steps; this process keeps the one sequence `qa.serve.indexing` follows
(document order, sentence ids, writing the store), so the store is the one the
single-process path writes, whatever its backend:

- reading and splitting: a Ray Dataset over the files, one task per file, each returning its
  document and its sentence spans and passages (`qa.index.corpus.split_document`); here they are
  put back in file order, checked as `qa.ingest.files` checks them, and numbered by `Corpus.build`;
- embedding: the calls indexing will make, on a pool of actors (`qa.scale.ray_embed`), their
  vectors saved beside the store as they arrive (`qa.scale.ray_checkpoint`) and read back when
  indexing makes the calls, so a run that stops half-way resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import Embedder, make_embedder
from qa.assistant import Assistant
from qa.errors import QAError
from qa.index.corpus import Corpus, DocumentSplit, split_document
from qa.index.embedding import indexed_text
from qa.ingest.files import Ingested, files_in, gathered, read_one
from qa.progress import Progress
from qa.scale.ray_checkpoint import EmbeddingCheckpoint
from qa.scale.ray_cluster import RayCluster, connected
from qa.scale.ray_embed import RayEmbedder, planned_calls
from qa.settings import Settings
from qa.types import Document

__all__ = ["RayCluster", "RayIndexing", "connected"]

log = logging.getLogger(__name__)

MAX_READ_BLOCKS = 2_000  # one file per Ray task up to this many files, then a few per task


class RayIndexing:
    """The Ray side of one `index_paths` run: `workers` embedding actors, and the
    `checkpoint` the run's vectors wait in until the store is saved."""

    def __init__(self, workers: int, checkpoint: EmbeddingCheckpoint) -> None:
        self.workers = workers
        self.checkpoint = checkpoint
        self._embedders: dict[str, RayEmbedder] = {}

    def read(
        self, paths: Sequence[str | Path], progress: Progress
    ) -> tuple[Ingested, dict[str, DocumentSplit]]:
        """`qa.ingest.files.ingest(paths)`, read and split on Ray, with each document's split.

        Raises:
            QAError: As `ingest`; or a file is missing on the Ray machine that read it.
        """
        import ray.data

        files = files_in(paths)
        if not files:
            return gathered([]), {}
        sizes = [path.stat().st_size for path in files]
        items = [{"index": i, "path": str(path)} for i, path in enumerate(files)]
        dataset = ray.data.from_items(items, override_num_blocks=min(len(items), MAX_READ_BLOCKS))
        rows: dict[int, dict[str, Any]] = {}
        done, total = 0, sum(sizes)
        progress("reading", done, total)
        for row in dataset.map(_read_and_split, num_cpus=1).iter_rows():
            rows[int(row["index"])] = row
            done += sizes[int(row["index"])]
            progress("reading", done, total)
        absent = [row["path"] for row in rows.values() if row["absent"]]
        if absent:
            raise QAError(
                f"{len(absent)} files (such as {absent[0]}) are not on the Ray machines that "
                "read them; put them on a file system every machine mounts at the same path "
                "(docs/ray.md)"
            )
        outcomes = [_outcome(rows[i]) for i in range(len(files))]
        splits = {
            d.doc_id: _split(rows[i])
            for i, (_, d) in enumerate(outcomes)
            if isinstance(d, Document)
        }
        return gathered(outcomes), splits

    def embedder(self, make: Callable[[], Embedder], name: str) -> RayEmbedder:
        """The run's embedder for the model `name`, whose actors each call `make()` once (one
        per model: what it learns, such as the vector length, serves every later use)."""
        if name not in self._embedders:
            self._embedders[name] = RayEmbedder(make, name, self.checkpoint, self.workers)
        return self._embedders[name]

    def from_documents(
        self,
        documents: Sequence[Document],
        settings: Settings,
        embedder: Callable[[], Embedder] | None,
        splits: Mapping[str, DocumentSplit],
        progress: Progress,
    ) -> Assistant:
        """`Assistant.from_documents`, its documents split and its sentences embedded on Ray
        (`embedder`, else the model of the settings fitted to the documents' language)."""
        corpus = Corpus.build(documents, progress=progress, splits=splits)
        if embedder is None:
            settings = settings.for_texts(d.text for d in corpus.documents.values())
        remote = self.embedder(
            embedder or partial(make_embedder, settings.embedder), settings.embedder
        )
        if corpus.sentences:  # else `from_corpus` says there is nothing to index
            _prepare(remote, corpus, 0, settings, progress)
        return Assistant.from_corpus(corpus, settings, remote, progress)

    def prepare_update(
        self,
        previous: Assistant,
        documents: Sequence[Document],
        splits: Mapping[str, DocumentSplit],
        embedder: Callable[[], Embedder] | None,
        progress: Progress,
    ) -> None:
        """Embed on Ray what `previous.synced(documents)` will embed (the sentences of the
        documents it lacks, after the rows of those it keeps), so that it finds them done."""
        held = previous.corpus
        new = Corpus.build([d for d in documents if d.doc_id not in held.documents], splits=splits)
        if not new.sentences:
            return
        kept = {d.doc_id for d in documents} & held.documents.keys()
        first_row = sum(len(held.document_sentences(doc_id)) for doc_id in kept)
        model = previous.settings.embedder
        if previous.settings.for_texts(d.text for d in new.documents.values()).embedder != model:
            log.warning("the collection changes model: its sentences are embedded here, not on Ray")
            return
        remote = self.embedder(embedder or partial(make_embedder, model), model)
        _prepare(remote, new, first_row, previous.settings, progress)


def _prepare(
    embedder: RayEmbedder, corpus: Corpus, first_row: int, settings: Settings, progress: Progress
) -> None:
    """Embed `corpus`'s sentences (indexed as `settings` say) in the calls indexing makes for
    them when their rows start at `first_row`."""
    rows = range(len(corpus.sentences))
    texts = [indexed_text(corpus, row, settings.titled) for row in rows]
    embedder.prepare(planned_calls(texts, first_row), progress)


def _read_and_split(item: dict[str, Any]) -> dict[str, Any]:
    """On a Ray worker: one file's document and split, or why it could not be read."""
    path = Path(item["path"])
    row = {**item, "absent": not path.exists(), "error": ""}
    if row["absent"]:
        return {**row, **_document_fields(None)}
    document = read_one(path, item["path"])  # as `qa index` reads, encoded data refused too
    if isinstance(document, QAError):
        return {**row, "error": str(document), **_document_fields(None)}
    split = split_document(document)
    return {
        **row,
        **_document_fields(document),
        "spans": np.asarray(split.spans, dtype=np.int64).tobytes(),
        "passages": np.asarray(split.passages, dtype=np.int64).tobytes(),
    }


def _document_fields(document: Document | None) -> dict[str, Any]:
    """A row's document columns; each row has them all, of the same types (bytes for
    numbers, which Arrow would otherwise type by the first row it sees)."""
    if document is None:
        return dict.fromkeys(("doc_id", "title", "text"), "") | dict.fromkeys(
            ("pages", "spans", "passages"), b""
        )
    return {
        "doc_id": document.doc_id,
        "title": document.title,
        "text": document.text,
        "pages": np.asarray(document.pages, dtype=np.int64).tobytes(),
    }


def _outcome(row: dict[str, Any]) -> tuple[str, Document | QAError]:
    if row["error"]:
        return row["path"], QAError(row["error"])
    pages = tuple(np.frombuffer(row["pages"], dtype=np.int64).tolist())
    return row["path"], Document(row["doc_id"], row["title"], row["path"], row["text"], pages)


def _split(row: dict[str, Any]) -> DocumentSplit:
    spans = np.frombuffer(row["spans"], dtype=np.int64).reshape(-1, 2).tolist()
    passages = np.frombuffer(row["passages"], dtype=np.int64).tolist()
    return DocumentSplit([(a, b) for a, b in spans], passages)
