"""`qa index`: bring a store up to date with some files and folders.

Run on a new store it indexes everything; run again it embeds only new or changed files and
drops the documents of files that are gone from the folders it is given. Every other document
(other files and folders indexed before, the chat's uploads, the sample) is kept as it is,
unless `prune` asks the store to hold exactly what the paths hold. A file that cannot be read
now but was indexed before keeps its indexed version (reported), so a passing permission
problem or a damaged copy loses nothing. What a run changes is decided in
`qa.serve.index_plan` (also its `--dry-run`). A run holds the store's
write lock from reading the store to saving it, so a concurrent writer (the chat, another
`qa index`) changes it before or after, never in between; every write is atomic
(`qa.index.store`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from embeddings import Embedder, LazyEmbedder, make_embedder
from qa.assistant import Assistant
from qa.errors import DamagedStoreError
from qa.index.locks import writing
from qa.index.store import holds_store, read_manifest
from qa.ingest.files import Ingested, ingest
from qa.progress import Progress, quiet
from qa.scale.ray_checkpoint import EmbeddingCheckpoint, checkpoint_folder
from qa.serve.index_plan import (
    Change,
    change_of,
    check_read,
    plan_of,
    stored_documents,
)
from qa.settings import Settings
from qa.types import Document

if TYPE_CHECKING:
    from qa.index.corpus import DocumentSplit
    from qa.scale.ray_index import RayCluster, RayIndexing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexReport:
    """What one `index_paths` run did (`qa index --json` prints it).

    Documents are counted by text: `added` texts new to the store (`updated` of them are new
    versions of files indexed before), `removed` texts that left it (those files' old versions
    among them), `unchanged` texts read again, `kept` documents left as they were because they
    are not under the paths given (other folders, uploads, the sample), and `kept_previous`
    files that could not be read now; `documents` = added + unchanged + kept + kept_previous.
    `embedded_sentences` is how many sentences were given new vectors (a damaged store
    rebuilt, or a change of model, embeds them all again).
    """

    store: str
    documents: int
    sentences: int
    added: int
    updated: int
    removed: int
    unchanged: int
    kept: int
    embedded_sentences: int
    duplicates: list[str]
    skipped: list[dict[str, str]]
    kept_previous: list[str]
    near_empty: list[str]
    embedder: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def index_paths(
    paths: Sequence[str | Path],
    store: str | Path,
    settings: Settings | None = None,
    embedder: Callable[[], Embedder] | None = None,
    progress: Progress = quiet,
    ray: RayCluster | None = None,
    prune: bool = False,
) -> IndexReport:
    """Index `paths` into `store`, creating it or bringing it up to date (module docstring).

    `settings` default to the store's own (a new store: `Settings()`, fitted to the documents'
    language); settings with another embedder than the store's index everything anew with
    it. `embedder()` gives the embedder (default: load `settings.embedder`); it is called only
    when something needs embedding. `ray`: read, split and embed on this Ray cluster
    (`qa.scale.ray_index`; `embedder` is sent to its actors), for the same store; run again after
    a failure, it embeds only what the failed run had not. `prune`: the store holds only what
    `paths` hold afterwards (by default documents not under them are kept).
    `progress` is told how the long phases go.

    Raises:
        QAError: A path does not exist, or no document could be read (the store is then left
            as it was; `qa docs remove` takes documents out); with `ray`, Ray is not
            installed or no cluster answers at its address.
    """
    store = Path(store)
    if ray is None:
        return _indexed(paths, store, settings, embedder, progress, prune)
    from qa.scale.ray_index import RayIndexing, connected

    with connected(ray) as workers:
        on_ray = RayIndexing(workers, EmbeddingCheckpoint(checkpoint_folder(store)))
        report = _indexed(paths, store, settings, embedder, progress, prune, on_ray)
    on_ray.checkpoint.remove()  # the store holds its vectors now
    return report


def _indexed(
    paths: Sequence[str | Path],
    store: Path,
    settings: Settings | None,
    embedder: Callable[[], Embedder] | None,
    progress: Progress,
    prune: bool,
    on_ray: RayIndexing | None = None,
) -> IndexReport:
    ingested, splits = on_ray.read(paths, progress) if on_ray else (ingest(paths, progress), {})
    with writing(store):  # from reading the store to saving it: no other writer in between
        settings = settings or stored_settings(store) or Settings()
        make: Callable[[], Embedder] = embedder or partial(make_embedder, settings.embedder)
        if on_ray:
            make = partial(on_ray.embedder, make, settings.embedder)
        rebuilding, updating = _EmbeddingTotals(progress), _EmbeddingTotals(progress)
        previous = _previous(store, settings, make, rebuilding)
        before = previous.corpus.documents if previous else stored_documents(store)
        change = change_of(paths, before, ingested, prune)
        check_read(paths, ingested, change)
        assistant = _updated(
            previous, change.documents, settings, embedder, updating, splits, on_ray
        )
        assistant.save(store)
    # On Ray the new sentences are embedded on the cluster first, then placed in the index in a
    # phase of their own over the same sentences: the last phase counts each of them once.
    # Indexed per language (`qa.assistant.MixedAssistant`), each language embeds in a phase.
    updated = updating.totals[-1:] if on_ray else updating.totals
    embedded = sum(rebuilding.totals) + sum(updated)
    return _report(store, change, ingested, assistant, embedded)


def _updated(
    previous: Assistant | None,
    documents: list[Document],
    settings: Settings,
    embedder: Callable[[], Embedder] | None,
    progress: Progress,
    splits: Mapping[str, DocumentSplit],
    on_ray: RayIndexing | None,
) -> Assistant:
    """The store's assistant made to hold `documents`: `previous` brought up to date, or a new
    one (no store yet, another model, or a store that could not be read back)."""
    if previous:
        if on_ray:
            on_ray.prepare_update(previous, documents, splits, embedder, progress)
        return previous.synced(documents, progress, splits)
    if on_ray:
        return on_ray.from_documents(documents, settings, embedder, splits, progress)
    given = embedder() if embedder else None  # without it the settings fit the documents' language
    return Assistant.from_documents(documents, settings, given, progress)


class _EmbeddingTotals:
    """A `Progress` passed on as it is that notes how many sentences each embedding phase
    embeds (a phase starts at `done == 0`): the count of what was really embedded, wherever
    it happened (a rebuild, a change of model, an update, on Ray)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self.totals: list[int] = []

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == "embedding" and done == 0:
            self.totals.append(total)
        self._progress(phase, done, total)


def _report(
    store: Path, change: Change, ingested: Ingested, assistant: Assistant, embedded: int
) -> IndexReport:
    plan = plan_of(store, change, ingested)
    before, after = change.before.keys(), assistant.corpus.documents.keys()
    return IndexReport(
        store=str(store),
        documents=len(after),
        sentences=len(assistant.corpus.sentences),
        added=len(after - before),
        updated=len(plan.update),
        removed=len(before - after),
        unchanged=len(plan.unchanged),
        kept=len(plan.keep),
        embedded_sentences=embedded,
        duplicates=plan.duplicates,
        skipped=plan.skipped,
        kept_previous=plan.kept_previous,
        near_empty=plan.near_empty,
        embedder=" + ".join(dict.fromkeys(assistant.models.values())),
    )


def stored_settings(store: Path) -> Settings | None:
    """The settings a store was built with, or None (no store, or an unreadable manifest)."""
    try:
        return Settings.from_json(read_manifest(store)["settings"]) if holds_store(store) else None
    except (DamagedStoreError, KeyError, TypeError, ValueError):
        return None


def _previous(
    store: Path, settings: Settings, embedder: Callable[[], Embedder], progress: Progress
) -> Assistant | None:
    """The store's assistant to bring up to date, or None to index anew: no store yet, one
    built with another model or keeping its vectors elsewhere (FAISS or another Milvus
    collection) than `settings` say, or a damaged one (said as a warning). Its model loads
    only if something new needs embedding; a store whose indexes are damaged is embedded again
    from its documents (told to `progress`).

    Raises:
        QAError: The folder holds something else, or a store of a format this qa cannot read.
    """
    if not holds_store(store):
        return None
    try:
        manifest = read_manifest(store)
        model = settings.embedder
        place = Settings.from_json(manifest["settings"]).vector_place
        if place != settings.vector_place:
            log.warning(
                "the store keeps its vectors in %s; indexing anew into %s",
                place,
                settings.vector_place,
            )
            return None
        if manifest.get("embedder") != model:
            log.warning(
                "the store was built with %s; indexing anew with %s",
                manifest.get("embedder"),
                model,
            )
            return None
        lazy = LazyEmbedder(embedder, model, int(manifest["dimension"]))
    except (DamagedStoreError, KeyError, TypeError, ValueError) as exc:
        log.warning("indexing anew: %s", exc)
        return None
    try:
        return Assistant.load(store, lazy)
    except DamagedStoreError as exc:
        log.warning("%s", exc)
    try:  # its documents may still be there to embed again, keeping their sentence ids
        return Assistant.rebuilt(store, lazy, progress)
    except DamagedStoreError as exc:
        log.warning("indexing anew: %s", exc)
        return None
