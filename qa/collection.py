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
from qa.errors import QAError
from qa.readers import read_file
from qa.store import MANIFEST, recover
from qa.types import Document

log = logging.getLogger(__name__)

Report = Callable[[float, str], None]
"""Called as `report(fraction_done, what_is_happening)` during long work."""


@dataclass(frozen=True)
class Added:
    """What an upload did: the documents indexed, and each file skipped with the reason."""

    documents: tuple[Document, ...]
    skipped: tuple[tuple[str, str], ...]


class Collection:
    """An `Assistant` over a store folder that documents can be added to and removed from.

    Writers take turns (a lock); readers use `assistant`, a complete snapshot that a change
    replaces only after the store on disk has been rewritten (atomically, see `qa.store`).
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

        Raises:
            QAError: The folder holds something that is not a store, or a damaged store.
        """
        folder = Path(folder)
        recover(folder)
        if (folder / MANIFEST).is_file():
            return cls(folder, Assistant.load(folder, embedder))
        if folder.exists() and any(folder.iterdir()):
            raise QAError(
                f"{folder} is not empty and holds no store ({MANIFEST} is missing); "
                "choose an empty or new folder for the collection"
            )
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
            seen = {d.doc_id: d for d in current.corpus.documents.values()}
            documents: list[Document] = []
            skipped: list[tuple[str, str]] = []
            for i, (path, name) in enumerate(files):
                report(0.3 * i / len(files), f"reading {name}")
                try:
                    document = read_file(Path(path), source=name)
                except QAError as exc:
                    skipped.append((name, str(exc)))
                    continue
                if document.doc_id in seen:
                    skipped.append(
                        (name, f"already in the collection as {seen[document.doc_id].title!r}")
                    )
                    continue
                seen[document.doc_id] = document
                documents.append(document)
            if documents:
                report(0.3, f"splitting {len(documents)} document(s) into sentences")
                updated = current.add_documents(
                    documents,
                    lambda done, total: report(
                        0.3 + 0.6 * done / max(total, 1), f"embedding {done}/{total} sentences"
                    ),
                )
                report(0.9, "saving the collection")
                self._commit(updated)
            report(1.0, "done")
            return Added(tuple(documents), tuple(skipped))

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
