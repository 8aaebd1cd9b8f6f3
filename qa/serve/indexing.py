"""`qa index`: bring a store up to date with some files and folders.

Run on a new store it indexes everything; run again it embeds only new or changed files and
drops the documents of files that are gone. A file that cannot be read now but was indexed
before keeps its indexed version (reported), so a passing permission problem or a damaged
copy loses nothing. Every write is atomic (`qa.index.store`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from embeddings import Embedder, LazyEmbedder, make_embedder
from qa.assistant import Assistant
from qa.errors import DamagedStoreError, QAError
from qa.index.store import holds_store, read_manifest
from qa.ingest.files import Ingested, ingest
from qa.progress import Progress, quiet
from qa.scale.ray_checkpoint import EmbeddingCheckpoint, checkpoint_folder
from qa.settings import Settings
from qa.types import Document

if TYPE_CHECKING:
    from qa.scale.ray_index import RayCluster, RayIndexing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexReport:
    """What one `index_paths` run did (`qa index --json` prints it)."""

    store: str
    documents: int
    sentences: int
    added: int
    removed: int
    unchanged: int
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
) -> IndexReport:
    """Index `paths` into `store`, creating it or bringing it up to date (module docstring).

    `settings` default to the store's own (a new store: `Settings()`, fitted to the documents'
    language); settings with another embedder than the store's index everything anew with
    it. `embedder()` gives the embedder (default: load `settings.embedder`); it is called only
    when something needs embedding. `ray`: read, split and embed on this Ray cluster
    (`qa.scale.ray_index`; `embedder` is sent to its actors), for the same store; run again after
    a failure, it embeds only what the failed run had not.
    `progress` is told how the long phases go.

    Raises:
        QAError: A path does not exist, or no document could be read (the store is then left
            as it was; `qa docs remove` takes documents out); with `ray`, Ray is not
            installed or no cluster answers at its address.
    """
    store = Path(store)
    if settings is None:
        settings = stored_settings(store) or Settings()
    if ray is None:
        return _indexed(paths, store, settings, embedder, progress)
    from qa.scale.ray_index import RayIndexing, connected

    with connected(ray) as workers:
        on_ray = RayIndexing(workers, EmbeddingCheckpoint(checkpoint_folder(store)))
        report = _indexed(paths, store, settings, embedder, progress, on_ray)
    on_ray.checkpoint.remove()  # the store holds its vectors now
    return report


def _indexed(
    paths: Sequence[str | Path],
    store: Path,
    settings: Settings,
    embedder: Callable[[], Embedder] | None,
    progress: Progress,
    on_ray: RayIndexing | None = None,
) -> IndexReport:
    ingested, splits = on_ray.read(paths, progress) if on_ray else (ingest(paths, progress), {})
    make: Callable[[], Embedder] = embedder or partial(make_embedder, settings.embedder)
    if on_ray:
        make = partial(on_ray.embedder, make, settings.embedder)
    previous = _previous(store, settings, make)
    kept = _kept_previous(ingested, previous)
    documents = [*ingested.documents, *kept]
    if not documents:
        reasons = "; ".join(f"{s.source}: {s.reason}" for s in ingested.skipped)
        raise QAError(
            f"no documents could be read from {', '.join(map(str, paths))}"
            + (f" ({reasons})" if reasons else "")
            + "; the store is left as it was"
        )
    if previous:
        if on_ray:
            on_ray.prepare_update(previous, documents, splits, embedder, progress)
        assistant = previous.synced(documents, progress, splits)
    elif on_ray:
        assistant = on_ray.from_documents(documents, settings, embedder, splits, progress)
    else:  # without an embedder given, the settings are fitted to the documents' language
        given = embedder() if embedder else None
        assistant = Assistant.from_documents(documents, settings, given, progress)
    assistant.save(store)
    before = previous.corpus.documents if previous else {}
    after = assistant.corpus.documents
    new = after.keys() - before.keys()
    return IndexReport(
        store=str(store),
        documents=len(after),
        sentences=len(assistant.corpus.sentences),
        added=len(new),
        removed=len(before.keys() - after.keys()),
        unchanged=len(after.keys() & before.keys()),
        embedded_sentences=sum(len(assistant.corpus.document_sentences(d)) for d in new),
        duplicates=[s.source for s in ingested.skipped if s.duplicate],
        skipped=[{"source": s.source, "reason": s.reason} for s in ingested.skipped],
        kept_previous=[d.source for d in kept],
        near_empty=list(ingested.near_empty),
        embedder=assistant.settings.embedder,
    )


def stored_settings(store: Path) -> Settings | None:
    """The settings a store was built with, or None (no store, or an unreadable manifest)."""
    try:
        return Settings.from_json(read_manifest(store)["settings"]) if holds_store(store) else None
    except (DamagedStoreError, KeyError, TypeError, ValueError):
        return None


def _previous(
    store: Path, settings: Settings, embedder: Callable[[], Embedder]
) -> Assistant | None:
    """The store's assistant to bring up to date, or None to index anew: no store yet, one
    built with another model or keeping its vectors elsewhere (FAISS or another Milvus
    collection) than `settings` say, or a damaged one (said as a warning). Its model loads
    only if something new needs embedding.

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
        return Assistant.rebuilt(store, lazy)
    except DamagedStoreError as exc:
        log.warning("indexing anew: %s", exc)
        return None


def _kept_previous(ingested: Ingested, previous: Assistant | None) -> list[Document]:
    """The stored documents of files that were indexed before but could not be read now."""
    if previous is None:
        return []
    unreadable = {s.source for s in ingested.skipped if not s.duplicate}
    return [d for d in previous.corpus.documents.values() if d.source in unreadable]
