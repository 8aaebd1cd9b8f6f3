"""A collection that changes while it answers: documents are added and removed from the chat,
each change is written to the store before anyone sees it, and questions keep being answered
from the last complete state while a change is being made."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from embeddings import Embedder
from qa.assistant import Assistant
from qa.errors import DamagedStoreError, QAError
from qa.index.store import holds_store
from qa.ingest.files import read_files
from qa.progress import Progress
from qa.types import Document

log = logging.getLogger(__name__)

Report = Callable[[float, str], None]
"""Called as `report(fraction_done, what_is_happening)` during long work."""

_SHARES = {"reading": (0.0, 0.3), "splitting": (0.3, 0.4), "embedding": (0.4, 0.9)}
"""The part of an upload's progress bar each phase (`qa.progress`) fills."""


def _phases(report: Report) -> Progress:
    """`qa.progress.Progress` told to a `Report`: each phase fills its share of one bar."""
    units = {"reading": "bytes", "splitting": "characters", "embedding": "sentences"}

    def progress(phase: str, done: int, total: int) -> None:
        first, last = _SHARES[phase]
        fraction = done / total if total else 1.0
        report(first + (last - first) * fraction, f"{phase} {done:,}/{total:,} {units[phase]}")

    return progress


@dataclass(frozen=True)
class Added:
    """What an upload did: the documents indexed, each file skipped with the reason, and the
    indexed files that hold almost no text (worth a look)."""

    documents: tuple[Document, ...]
    skipped: tuple[tuple[str, str], ...]
    near_empty: tuple[str, ...] = ()


class Collection:
    """An `Assistant` over a store folder that documents can be added to and removed from.

    Writers take turns (a lock); readers use `assistant`, a complete snapshot that a change
    replaces only after the store on disk has been rewritten (atomically, see `qa.index.store`).
    """

    def __init__(self, folder: Path, assistant: Assistant) -> None:
        self.folder = Path(folder)
        self._assistant = assistant
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls, folder: str | Path, seed: Callable[[], Assistant], embedder: Embedder | None = None
    ) -> Collection:
        """Open the store in `folder` (with `embedder`, default the store's own model), or
        create it there from `seed()` when the folder does not exist yet (or is empty).

        A store whose indexes are damaged is embedded again from the documents it keeps.

        Raises:
            QAError: The folder holds something that is not a store, or a store whose
                documents cannot be read back (the message says what to do).
        """
        folder = Path(folder)
        if holds_store(folder):
            try:
                return cls(folder, Assistant.load(folder, embedder))
            except DamagedStoreError as exc:
                log.warning("%s", exc)
                assistant = _rebuilt(folder, embedder)
                assistant.save(folder)
                return cls(folder, assistant)
        assistant = seed()
        assistant.save(folder)
        log.info(
            "created the collection %s (%d documents)", folder, len(assistant.corpus.documents)
        )
        return cls(folder, assistant)

    @property
    def assistant(self) -> Assistant:
        """The current collection's assistant (safe to use while a change is being made)."""
        return self._assistant

    def documents(self) -> list[Document]:
        """The indexed documents, in the order they were added."""
        return list(self._assistant.corpus.documents.values())

    def add_files(self, files: Sequence[tuple[Path, str]], report: Report | None = None) -> Added:
        """Read, index and save `files`, given as `(path, name shown in citations)`.

        A file that cannot be read, or whose text is already in the collection, is skipped
        with the reason; the others are indexed (only their sentences are embedded).
        """
        report = report or (lambda fraction, message: None)
        with self._lock:
            current = self._assistant
            report(0.0, f"reading {len(files)} file(s)")
            paths = [(Path(path), name) for path, name in files]
            ingested = read_files(paths, current.corpus.documents, _phases(report))
            documents = ingested.documents
            if documents:
                updated = current.add_documents(documents, _phases(report))
                report(0.9, "saving the collection")
                self._commit(updated)
            report(1.0, "done")
            skipped = tuple((s.source, s.reason) for s in ingested.skipped)
            return Added(documents, skipped, ingested.near_empty)

    def remove(self, doc_id: str) -> Document:
        """Remove one document (nothing is re-embedded) and save; returns it.

        Raises:
            QAError: No such document, or it is the last one.
        """
        with self._lock:
            current = self._assistant
            document = current.corpus.documents.get(doc_id)
            self._commit(current.remove_documents([doc_id]))
            assert document is not None  # remove_documents raised otherwise
            return document

    def _commit(self, updated: Assistant) -> None:
        updated.save(self.folder)
        self._assistant = updated


def _rebuilt(folder: Path, embedder: Embedder | None) -> Assistant:
    try:
        return Assistant.rebuilt(folder, embedder)
    except DamagedStoreError as exc:
        raise QAError(
            f"{exc}. Move the folder aside (mv {folder} {folder}.damaged) and start again: a new "
            "collection is created, and the documents can be added to it again"
        ) from exc
