"""A collection that changes while it answers: documents are added and removed from the chat,
each change is written to the store before anyone sees it, and questions keep being answered
from the last complete state while a change is being made."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from embeddings import Embedder
from qa.assistant import Assistant
from qa.errors import DamagedStoreError, QAError
from qa.index.locks import writing
from qa.index.store import holds_store, store_generation
from qa.ingest.files import Skipped, gathered, read_one
from qa.progress import Progress
from qa.serve.interface_text import say
from qa.types import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """What long work is doing: a text of `qa.serve.interface_text` and the values it shows."""

    key: str
    values: tuple[tuple[str, str], ...] = ()

    def said(self, language: str = "en") -> str:
        """The step in words of `language` ("en" or "zh")."""
        return say(self.key, language, **dict(self.values))


Report = Callable[[float, Step], None]
"""Called as `report(fraction_done, step)` during long work."""

_SHARES = {"reading": (0.0, 0.3), "splitting": (0.3, 0.4), "embedding": (0.4, 0.9)}
"""The part of an upload's progress bar each phase (`qa.progress`) fills."""


def _phases(report: Report) -> Progress:
    """`qa.progress.Progress` told to a `Report`: each phase fills its share of one bar."""

    def progress(phase: str, done: int, total: int) -> None:
        first, last = _SHARES[phase]
        fraction = done / total if total else 1.0
        step = Step(f"step_{phase}", (("done", f"{done:,}"), ("total", f"{total:,}")))
        report(first + (last - first) * fraction, step)

    return progress


@dataclass(frozen=True)
class Added:
    """What an upload did: the documents indexed, each file skipped with the reason, and the
    indexed files that hold almost no text (worth a look)."""

    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]
    near_empty: tuple[str, ...] = ()
    files: tuple[Path, ...] = ()
    """The file each of `documents` was read from, in the same order."""


@dataclass(frozen=True)
class _Snapshot:
    """An assistant and the store generation it holds (None: not known to match the disk)."""

    assistant: Assistant
    generation: int | None


class Collection:
    """An `Assistant` over a store folder that documents can be added to and removed from.

    Readers use `assistant`, a complete snapshot that a change replaces only after the store
    on disk has been rewritten (atomically, see `qa.index.store`). A change holds the store's
    write lock (`qa.index.locks.writing`) from reading the store to saving it, and starts from
    what another process (`qa docs remove`, `qa index`) may have written since, so no change is
    lost. A newer store written by another process is noticed on the next look (its manifest's
    generation) and loaded, while questions are answered from the snapshot before it.
    """

    def __init__(self, folder: Path, assistant: Assistant, generation: int | None = None) -> None:
        """`generation`: the store generation `assistant` was loaded from (default: the one on
        disk now)."""
        self.folder = Path(folder)
        if generation is None:
            generation = store_generation(self.folder)
        self._snapshot = _Snapshot(assistant, generation)
        self._lock = threading.Lock()  # this process's writers take turns
        self._swap = threading.Lock()  # guards replacing `_snapshot`
        self._reloading = threading.Lock()  # one load of a newer store at a time
        self._failed: int | None = None  # a generation that failed to load (not retried)

    @classmethod
    def open(
        cls, folder: str | Path, seed: Callable[[], Assistant], embedder: Embedder | None = None
    ) -> Collection:
        """Open the store in `folder` (with `embedder`, default the store's own model), or
        create it there from `seed()` when the folder does not exist yet (or is empty).

        A store whose indexes are damaged is embedded again from the documents it keeps.

        Raises:
            QAError: The folder holds something that is not a store, or a store whose
                documents cannot be read back, or a lock file or `.NAME.old` beside it is a
                link or another user's (the message says what to do).
        """
        folder = Path(folder)
        existed = holds_store(folder)
        opened = cls._opened(folder, embedder) if existed else None  # needs no write access
        if opened is not None:
            return opened
        with writing(folder):  # so two chats starting at once do not both create it
            # Another chat may have created it meanwhile; a damaged one is not loaded twice.
            opened = None if existed else cls._opened(folder, embedder)
            if opened is not None:
                return opened
            if holds_store(folder):  # damaged: its documents are embedded again
                assistant = _rebuilt(folder, embedder)
            else:
                assistant = seed()
                log.info(
                    "creating the collection %s (%d documents)",
                    folder,
                    len(assistant.corpus.documents),
                )
            assistant.save(folder)
            return cls(folder, assistant, store_generation(folder))

    @classmethod
    def _opened(cls, folder: Path, embedder: Embedder | None) -> Collection | None:
        """The collection of the store in `folder`; None when there is none yet, or it is
        damaged (said as a warning)."""
        if not holds_store(folder):
            return None
        generation = store_generation(folder)
        try:
            return cls(folder, Assistant.load(folder, embedder), generation)
        except DamagedStoreError as exc:
            log.warning("%s", exc)
            return None

    @property
    def assistant(self) -> Assistant:
        """The current collection's assistant (safe to use while a change is being made).

        When another process has written a newer store, it is loaded in the background and
        this snapshot is served until then: a question never waits for a load."""
        if self._outdated() and self._reloading.acquire(blocking=False):
            threading.Thread(target=self._reload_then_release, daemon=True).start()
        return self._snapshot.assistant

    def refreshed(self) -> Assistant:
        """The collection as the store on disk holds it now: a newer store written by another
        process is loaded first (or the load under way is waited for)."""
        with self._reloading:
            self._reload_if_outdated()
        return self._snapshot.assistant

    def documents(self) -> list[Document]:
        """The indexed documents, in the order they were added, as the store holds them now
        (`refreshed`)."""
        return list(self.refreshed().corpus.documents.values())

    def add_files(self, files: Sequence[tuple[Path, str]], report: Report | None = None) -> Added:
        """Read, index and save `files`, given as `(path, name shown in citations)`.

        A file that cannot be read, or whose text is already in the collection, is skipped
        with the reason; the others are indexed (only their sentences are embedded).

        Raises:
            QAError: The store was changed by another process into one that cannot be loaded.
        """
        with self._lock, writing(self.folder):
            return self._add(files, report or (lambda fraction, step: None))

    def add_uploads(
        self,
        files: Sequence[tuple[Path, str]],
        report: Report | None = None,
        keep: bool = False,
        max_chars: int | None = None,
    ) -> Added:
        """`add_files` for files uploaded to the chat, which are deleted afterwards, whether
        indexed, skipped or not read at all (and their folder when that is left empty: Gradio
        keeps each upload in a folder of its own), so no original is left to download. With
        `keep`, the original of each document indexed is moved to `originals/DOC_ID/` instead,
        and deleted when the document is removed. A file whose text is longer than
        `max_chars` is skipped, saying to index it with `qa index`.

        Raises:
            QAError: As `add_files`; or, with `keep`, `originals` is a link or another user's.
        """
        try:
            with self._lock, writing(self.folder):
                if keep:
                    _own_folder(self.originals)
                added = self._add(files, report or (lambda fraction, step: None), max_chars)
                for path, document in zip(added.files, added.documents):
                    if keep:
                        _keep(path, self.originals / document.doc_id)
        finally:
            for path in dict.fromkeys(Path(path) for path, _ in files):
                _delete_upload(path)
        return added

    @property
    def originals(self) -> Path:
        """Where uploaded originals are kept (`add_uploads(keep=True)`): `NAME.uploads` beside
        the store."""
        return originals_folder(self.folder)

    def _add(
        self, files: Sequence[tuple[Path, str]], report: Report, max_chars: int | None = None
    ) -> Added:
        """`add_files` under the locks (files longer than `max_chars` skipped)."""
        current = self._latest()
        report(0.0, Step("step_files", (("count", str(len(files))),)))
        paths = [(Path(path), name) for path, name in files]
        phases = _phases(report)
        outcomes = [
            (name, _within(read_one(path, name, phases), max_chars)) for path, name in paths
        ]
        ingested = gathered(outcomes, current.corpus.documents)
        origin = {id(read): path for (_, read), (path, _) in zip(outcomes, paths)}
        documents = ingested.documents
        if documents:
            updated = current.add_documents(documents, phases)
            report(0.9, Step("step_saving"))
            self._commit(updated)
        report(1.0, Step("step_done"))
        files_read = tuple(origin[id(d)] for d in documents)
        return Added(documents, ingested.skipped, ingested.near_empty, files_read)

    def remove(self, doc_id: str) -> Document:
        """Remove one document (nothing is re-embedded) and save; returns it.

        Raises:
            QAError: No such document (perhaps another process removed it), or it is the last
                one.
        """
        with self._lock, writing(self.folder):
            current = self._latest()
            document = current.corpus.documents.get(doc_id)
            self._commit(current.remove_documents([doc_id]))
            assert document is not None  # remove_documents raised otherwise
            forget_originals(self.folder, [doc_id])
            return document

    def _latest(self) -> Assistant:
        """Under the write lock: the snapshot, first reloaded where another process has
        written the store since (a load failing here raises: a change must not overwrite a
        store it has not read)."""
        generation = store_generation(self.folder)
        if generation is None or generation == self._snapshot.generation:
            return self._snapshot.assistant
        log.info("%s was changed by another process: loading it before changing it", self.folder)
        latest = _Snapshot(self._loaded(), generation)
        with self._swap:
            self._snapshot = latest
        return latest.assistant

    def _commit(self, updated: Assistant) -> None:
        updated.save(self.folder)
        with self._swap:
            self._snapshot = _Snapshot(updated, store_generation(self.folder))

    def _outdated(self) -> bool:
        """Whether the store on disk is another generation than the snapshot's (and not one
        that failed to load): one small file read."""
        generation = store_generation(self.folder)
        return generation is not None and generation not in (
            self._snapshot.generation,
            self._failed,
        )

    def _reload_then_release(self) -> None:
        try:
            self._reload_if_outdated()
        finally:
            self._reloading.release()

    def _reload_if_outdated(self) -> None:
        """Load the store when another process has written it; keep the snapshot (with a
        warning) when it cannot be loaded, or when a change of ours replaced it meanwhile."""
        before = self._snapshot
        generation = store_generation(self.folder)  # read first: the load is this or newer
        if generation is None or generation in (before.generation, self._failed):
            return
        try:
            loaded = self._loaded()
        except QAError as exc:
            log.warning("answering from the collection as it was: %s", exc)
            self._failed = generation
            return
        with self._swap:
            if self._snapshot is before:
                self._snapshot = _Snapshot(loaded, generation)
                log.info("reloaded %s, changed by another process", self.folder)

    def _loaded(self) -> Assistant:
        """The store on disk, with this snapshot's embedders where the store's models are the
        same (else the store's own models are loaded)."""
        return Assistant.load(self.folder, reuse=self._snapshot.assistant.embedders())


def _within(read: Document | QAError, max_chars: int | None) -> Document | QAError:
    """`read`, or why its text is too long for one upload."""
    if max_chars is None or isinstance(read, QAError) or len(read.text) <= max_chars:
        return read
    return QAError(
        f"{read.source} holds {len(read.text):,} characters of text, more than one upload may "
        f"({max_chars:,}, QA_UPLOAD_MAX_CHARS; embedding them would keep the chat busy for "
        "minutes); index it with `qa index FILE --store STORE`, which shows its progress, or "
        "start the chat with a larger QA_UPLOAD_MAX_CHARS",
        zh=f"{read.source} 有 {len(read.text):,} 个字符，超过单次上传允许的 {max_chars:,} 个"
        "（QA_UPLOAD_MAX_CHARS；为它们计算向量会让问答界面忙上好几分钟）；请用 "
        "`qa index FILE --store STORE` 索引它（会显示进度），或以更大的 QA_UPLOAD_MAX_CHARS "
        "启动问答界面",
    )


def remove_documents(
    store: str | Path, doc_ids: Sequence[str], embedder: Embedder | None = None
) -> list[Document]:
    """Remove the documents `doc_ids` from the store in `store` and save it, all under its
    write lock, so a writer in another process (the chat, `qa index`) loses nothing; nothing
    is re-embedded (`embedder`: default the store's own model). Returns the removed
    documents, in the order given.

    Raises:
        QAError: No store there, an id that is not in it, or no document would be left.
    """
    store = Path(store)
    wanted = list(dict.fromkeys(doc_ids))
    with writing(store):
        assistant = Assistant.load(store, embedder)
        assistant.remove_documents(wanted).save(store)  # raises on an unknown id
        forget_originals(store, wanted)
    return [assistant.corpus.documents[d] for d in wanted]


def originals_folder(store: str | Path) -> Path:
    """Where the chat keeps uploaded originals (`qa serve --keep-uploads`): one folder per
    document, `NAME.uploads/DOC_ID/`, beside the store folder `NAME`."""
    store = Path(os.path.abspath(store))
    return store.with_name(f"{store.name}.uploads")


def forget_originals(store: str | Path, doc_ids: Sequence[str]) -> None:
    """Delete the kept originals of the documents `doc_ids` (removed from `store`), if any."""
    folder = originals_folder(store)
    try:
        _own_folder(folder, create=False)
    except QAError as exc:
        log.warning("%s", exc)
        return
    for doc_id in doc_ids:
        kept = folder / doc_id
        if doc_id in ("", ".", "..") or kept.parent != folder:
            continue  # not a plain name: nothing was kept under it
        if kept.is_symlink() or kept.is_file():
            kept.unlink()
        elif kept.is_dir():
            shutil.rmtree(kept)


def _own_folder(folder: Path, create: bool = True) -> None:
    """Make sure `folder` is a real folder of this user's (created, private, when `create`
    and it is missing), as the store's lock files are (`qa.index.locks`)."""
    try:
        info = folder.lstat()
    except FileNotFoundError:
        if create:
            folder.mkdir(mode=0o700, parents=True)
        return
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise QAError(
            f"{folder} (where uploaded originals are kept) is not a folder of this user's; "
            "remove it, or serve without --keep-uploads"
        )


def _keep(path: Path, folder: Path) -> None:
    """Move the uploaded file `path` into `folder` (emptied first), under its own name."""
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(mode=0o700)
    shutil.move(path, folder / path.name)


def _delete_upload(path: Path) -> None:
    """Delete an uploaded file, and its folder when that is left empty."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not delete the uploaded file %s (%s); delete it by hand", path, exc)
        return
    with contextlib.suppress(OSError):  # not empty, or not ours to remove
        path.parent.rmdir()


def _rebuilt(folder: Path, embedder: Embedder | None) -> Assistant:
    try:
        return Assistant.rebuilt(folder, embedder)
    except DamagedStoreError as exc:
        raise QAError(
            f"{exc}. Move the folder aside (mv {folder} {folder}.damaged) and start again: a new "
            "collection is created, and the documents can be added to it again"
        ) from exc
