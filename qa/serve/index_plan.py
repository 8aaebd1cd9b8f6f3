"""What a `qa index` run changes in a store: which documents its paths add, update, remove
and keep. `plan_index` says it without embedding or writing anything (`qa index --dry-run`);
`qa.serve.indexing.index_paths` carries it out.

Only files gone from the folders (or files) given are dropped: every other stored document
(other folders indexed before, the chat's uploads, the sample) is kept unless `prune` asks the
store to hold exactly what the paths hold.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.errors import DamagedStoreError, QAError
from qa.index.store import holds_store, load_documents
from qa.ingest.files import Ingested, ingest
from qa.progress import Progress, quiet
from qa.types import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexPlan:
    """What an `index_paths` run would change (`qa index --dry-run`), as the documents' sources:
    `add` files new to the store, `update` changed files (their old version is replaced, not
    listed in `remove`), `remove` documents dropped (their file is gone from a folder given;
    with `prune`, everything not under the paths), `unchanged` files read again, `keep`
    documents left as they are (not under the paths), `kept_previous` files that cannot be
    read now whose indexed version stays."""

    store: str
    add: list[str]
    update: list[str]
    remove: list[str]
    unchanged: list[str]
    keep: list[str]
    kept_previous: list[str]
    duplicates: list[str]
    skipped: list[dict[str, str]]
    near_empty: list[str]

    def to_json(self) -> str:
        return json.dumps({"dry_run": True, **asdict(self)}, ensure_ascii=False)


@dataclass(frozen=True)
class Change:
    """A store's documents before a run, and the three kinds it is to hold after."""

    before: Mapping[str, Document]
    read: tuple[Document, ...]  # read now from the paths
    kept_previous: tuple[Document, ...]  # unreadable now, indexed before: the indexed version
    kept: tuple[Document, ...]  # not under the paths: left as they are

    @property
    def documents(self) -> list[Document]:
        return [*self.read, *self.kept_previous, *self.kept]


@dataclass(frozen=True)
class _Scope:
    """The files and folders a run was given, resolved: the only places whose missing files
    a run drops from the store."""

    files: frozenset[Path]
    folders: tuple[Path, ...]

    @classmethod
    def of(cls, paths: Sequence[str | Path]) -> _Scope:
        resolved = [_resolved(str(p)) for p in paths]
        folders = tuple(p for p in resolved if p.is_dir())
        return cls(frozenset(p for p in resolved if p not in folders), folders)

    def covers(self, source: str) -> bool:
        """Whether a stored document's `source` names one of the files, or a file under one of
        the folders. A source without a folder (`festival.html`) is under none: it is either
        a file given by itself or an upload from the chat, whose text only the store holds,
        so only naming that file reaches it."""
        path = _resolved(source)
        if path in self.files:
            return True
        bare = Path(source).parent == Path(".") and not Path(source).is_absolute()
        return not bare and any(path.is_relative_to(folder) for folder in self.folders)


def _resolved(source: str) -> Path:
    """Where a source is on disk, for comparing it with the paths given.

    A stored source is the path as it was typed to `qa index` (`str(path)` in
    `qa.ingest.files.ingest`), so a relative one is relative to the folder that run was started
    in, which the store does not record. It is resolved against the current folder, as the
    paths given now are: `qa index` is normally run from the same place each time, and where it
    was not, the source lands outside the paths given and its document is kept. That mistake
    leaves a document the user can see (`qa docs list`) and remove (`--prune`, `qa docs
    remove`); the other way round would lose one they never named."""
    try:
        return Path(source).resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: compare the path as written
        return Path(os.path.abspath(source))


def plan_index(
    paths: Sequence[str | Path],
    store: str | Path,
    prune: bool = False,
    progress: Progress = quiet,
) -> IndexPlan:
    """What `index_paths(paths, store, prune=prune)` would change: the files are read, but no
    model is loaded, nothing is embedded and nothing is written.

    Raises:
        QAError: As `index_paths` would (a path does not exist, nothing could be read, the
            store folder holds something else).
    """
    store = Path(store)
    ingested = ingest(paths, progress)
    change = change_of(paths, stored_documents(store), ingested, prune)
    check_read(paths, ingested, change)
    return plan_of(store, change, ingested)


def change_of(
    paths: Sequence[str | Path],
    before: Mapping[str, Document],
    ingested: Ingested,
    prune: bool,
) -> Change:
    """What the store holds after a run: the documents read now; the indexed version of files
    that could not be read now; and, unless `prune`, every stored document whose file was not
    found now and is not under the paths (its file is elsewhere, or it is an upload)."""
    found = {_resolved(d.source) for d in ingested.documents}
    found |= {_resolved(s.source) for s in ingested.skipped}
    unreadable = {_resolved(s.source) for s in ingested.skipped if not s.duplicate}
    read = {d.doc_id for d in ingested.documents}
    others = [d for d in before.values() if d.doc_id not in read]
    kept_previous = tuple(d for d in others if _resolved(d.source) in unreadable)
    scope = _Scope.of(paths)
    kept = tuple(
        d
        for d in others
        if not prune and _resolved(d.source) not in found and not scope.covers(d.source)
    )
    return Change(before, ingested.documents, kept_previous, kept)


def check_read(paths: Sequence[str | Path], ingested: Ingested, change: Change) -> None:
    """Refuse a run that read nothing from `paths`: it would only drop documents.

    Raises:
        QAError: No document could be read (with each file's reason).
    """
    if change.read or change.kept_previous:
        return
    reasons = "; ".join(
        s.reason if s.reason.startswith(s.source) else f"{s.source}: {s.reason}"
        for s in ingested.skipped
    )
    raise QAError(
        f"no documents could be read from {', '.join(map(str, paths))}"
        + (f" ({reasons})" if reasons else "")
        + "; the store is left as it was"
    )


def plan_of(store: Path, change: Change, ingested: Ingested) -> IndexPlan:
    before = change.before
    after = {d.doc_id for d in change.documents}
    added = [d for d in change.read if d.doc_id not in before]
    removed = [d for d in before.values() if d.doc_id not in after]
    changed = {_resolved(d.source) for d in added} & {_resolved(d.source) for d in removed}
    return IndexPlan(
        store=str(store),
        add=[d.source for d in added if _resolved(d.source) not in changed],
        update=[d.source for d in added if _resolved(d.source) in changed],
        remove=[d.source for d in removed if _resolved(d.source) not in changed],
        unchanged=[d.source for d in change.read if d.doc_id in before],
        keep=[d.source for d in change.kept],
        kept_previous=[d.source for d in change.kept_previous],
        duplicates=[s.source for s in ingested.skipped if s.duplicate],
        skipped=[{"source": s.source, "reason": s.reason} for s in ingested.skipped],
        near_empty=list(ingested.near_empty),
    )


def stored_documents(store: Path) -> dict[str, Document]:
    """The documents a store holds, read from its metadata alone (no model, no index): what a
    run compares the files with, also when it indexes everything anew with another model.
    Empty for no store, or one whose documents cannot be read back.

    Raises:
        QAError: The folder holds something else, or a store of a format this qa cannot read.
    """
    if not holds_store(store):
        return {}
    try:
        return dict(load_documents(store)[1].documents)
    except DamagedStoreError as exc:
        log.info("no documents to compare with: %s", exc)
        return {}
