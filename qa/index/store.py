"""A store is a folder: a manifest, the metadata (documents and sentence spans, in SQLite), the
vector and BM25 indexes of sentences and passages.

Writes go to a sibling temporary folder that replaces the old store only when complete, so
an interrupted write leaves the previous store in place. The replacement is two renames (the
old store aside to `.NAME.old`, the new one in); a process killed between them leaves only
`.NAME.old`, which `recover` (called on every load) puts back. Lock files beside the store
(`.NAME.write.lock`, `.NAME.swap.lock`; flock, released when a process dies) let one writer
in at a time and keep readers out of the swap, so a reader in another process never sees the
moment between the renames; the next write clears the temporary folders a killed writer
left. A change that reads the store and writes it back holds the write lock throughout
(`qa.index.locks.writing`), so two writers never both start from the same state and lose one's change.

Every save numbers the store anew: the manifest's `generation` (absent in stores written
before it: generation 0) grows by one per save, so a process holding a store in memory
tells cheaply (`store_generation`) whether another one has written it since.

The store's parent may be a folder others can write (`/tmp`): lock files are opened without
following symbolic links and refused when they are links or belong to another user (than this
one or the parent folder's owner, who controls it anyway), and a `.NAME.old` or temporary
folder that is a link or another user's is never adopted or used.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import DamagedStoreError, QAError
from qa.index.corpus import Corpus
from qa.index.indexes import Indexes
from qa.index.locks import locked, store_folder, writing
from qa.index.metadata import read_metadata, write_metadata
from qa.index.milvus import space_of
from qa.settings import Settings

# 5: a part per language (`qa.assistant.MixedAssistant`); 4: stable sentence ids; 3: metadata in SQLite
FORMAT_VERSION = 5
READABLE_VERSIONS = (3, 4, 5)
MANIFEST = "manifest.json"
PARTS, ROWS = "parts", "rows.npy"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPart:
    """One language's indexes in a store indexed per language (`qa.assistant.MixedAssistant`): its settings,
    its sentences' rows in the whole corpus (ascending) and indexes over just those."""

    language: str
    settings: Settings
    rows: np.ndarray
    indexes: Indexes


@dataclass(frozen=True)
class StoredIndexes:
    """Everything a store holds, loaded: the indexes of the whole corpus, or (`indexes`
    None) those of each language's `parts`, in `parts/LANGUAGE/`."""

    settings: Settings
    corpus: Corpus
    indexes: Indexes | None
    parts: tuple[StoredPart, ...] = ()


def save_store(folder: Path, stored: StoredIndexes) -> None:
    """Write `stored` to `folder`, replacing any store there only once the write is complete.

    Writers take turns (a lock file beside the store); readers (`load_store`) are kept out
    only during the swap itself, so they always read one complete store. The store's
    generation grows by one.

    Raises:
        QAError: A lock file or `.NAME.old` beside the store is a link or another user's.
    """
    folder = Path(folder)
    with writing(folder):
        _clear_temporary(folder)
        recover(folder)
        generation = (store_generation(folder) or 0) + 1
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        try:
            _write(tmp, stored, generation)
            with locked(folder, "swap"):
                _recover(folder)
                if folder.exists():
                    old = _own_aside(folder)
                    shutil.rmtree(old, ignore_errors=True)
                    folder.rename(old)
                    tmp.rename(folder)
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    tmp.rename(folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def recover(folder: Path) -> None:
    """Finish a replacement that was interrupted between its two renames: with no store at
    `folder` but the previous one set aside, put the previous one back.

    Raises:
        QAError: `.NAME.old` is a symbolic link or another user's (it is never adopted), or a
            lock file is.
    """
    with locked(folder, "swap"):
        _recover(folder)


def _recover(folder: Path) -> None:
    if folder.exists() or not os.path.lexists(_aside(folder)):
        return
    old = _own_aside(folder)
    if (old / MANIFEST).is_file():
        old.rename(folder)


def _own_aside(folder: Path) -> Path:
    """`.NAME.old`, checked to be this user's own (or absent) before it is adopted or reused.

    Raises:
        QAError: It is a symbolic link or belongs to another user: someone else may have put
            it there to have their files taken for the store.
    """
    old = _aside(folder)
    try:
        info = old.lstat()
    except FileNotFoundError:
        return old
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else f"owned by uid {info.st_uid}"
        raise QAError(
            f"{old} is {what}, not a store this user set aside, so it is not used as {folder}; "
            f"remove it (rm -r {old}) if you did not make it, and keep stores in a folder only "
            "you can write"
        )
    return old


def _clear_temporary(folder: Path) -> None:
    """Remove the temporary folders a killed writer left (only this user's own folders)."""
    for stale in folder.parent.glob(f".{folder.name}.tmp-*"):
        info = stale.lstat()
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            log.warning("leaving %s alone: not a folder of this user's (remove it)", stale)


def holds_store(folder: Path) -> bool:
    """Whether `folder` holds a store (after `recover`); False for a new or empty folder.

    Raises:
        QAError: The folder holds other files: a store written there would replace them.
    """
    recover(store_folder(folder))
    if (folder / MANIFEST).is_file():
        return True
    if folder.exists() and any(folder.iterdir()):
        raise QAError(
            f"{folder} is not empty and holds no store ({MANIFEST} is missing); "
            "choose an empty or new folder for the store"
        )
    return False


def _aside(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.old")


def load_store(folder: Path) -> StoredIndexes:
    """Load a store written by `save_store`.

    Raises:
        QAError: The folder is not a store or is of another format version.
        DamagedStoreError: A file of the store is missing, truncated or inconsistent.
    """
    folder = Path(folder)
    recover(folder)
    with locked(folder, "swap", shared=True):
        return _load(folder)


def _load(folder: Path) -> StoredIndexes:
    manifest = read_manifest(folder)
    settings = Settings.from_json(manifest["settings"])
    try:
        corpus = read_metadata(folder)
        if "parts" in manifest:
            return StoredIndexes(settings, corpus, None, _load_parts(folder, manifest, corpus))
        indexes = Indexes.load(folder, corpus, space_of(settings))
    except (OSError, KeyError, TypeError, ValueError, sqlite3.Error) as exc:
        raise DamagedStoreError(
            f"the store {folder} is damaged ({exc}); rebuild it with `qa index`"
        ) from exc
    except QAError as exc:
        raise DamagedStoreError(str(exc)) from exc
    return StoredIndexes(settings, corpus, indexes)


def _load_parts(folder: Path, manifest: dict, corpus: Corpus) -> tuple[StoredPart, ...]:
    parts = []
    for entry in manifest["parts"]:
        language = entry["language"]
        where = folder / PARTS / language
        rows = np.load(where / ROWS)
        indexes = Indexes.load(where, corpus.subset(rows.tolist()))
        parts.append(StoredPart(language, Settings.from_json(entry["settings"]), rows, indexes))
    if sum(len(p.rows) for p in parts) != len(corpus.sentences):
        raise ValueError(
            f"its parts hold {sum(len(p.rows) for p in parts)} sentences, not {len(corpus.sentences)}"
        )
    return tuple(parts)


def load_documents(folder: Path) -> tuple[Settings, Corpus]:
    """The settings and corpus (documents, sentences and their ids) of a store whose indexes
    may be damaged: what it takes to embed and index them again.

    Raises:
        QAError: As `load_store`; DamagedStoreError when the metadata itself is damaged.
    """
    folder = Path(folder)
    recover(folder)
    manifest = read_manifest(folder)
    try:
        return Settings.from_json(manifest["settings"]), read_metadata(folder)
    except (OSError, KeyError, TypeError, ValueError, sqlite3.Error) as exc:
        raise DamagedStoreError(
            f"the store {folder} is damaged and its documents cannot be read back ({exc})"
        ) from exc


def read_manifest(folder: Path) -> dict:
    """The store's manifest, once its format version is known to be readable.

    Raises:
        QAError: No manifest, or a format version this qa does not read.
        DamagedStoreError: The manifest is unreadable.
    """
    path = store_folder(folder) / MANIFEST
    if not path.is_file():
        raise QAError(
            f"{folder} is not a store (no {MANIFEST}); create one with `qa index PATH --store {folder}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DamagedStoreError(
            f"the manifest {path} is unreadable ({exc}); rebuild the store with `qa index`"
        ) from exc
    version = manifest.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise QAError(
            f"the store {folder} has format version {version}, newer than this version of qa "
            f"reads ({FORMAT_VERSION}); upgrade qa (`git pull` and `./dev.sh`), or rebuild the "
            "store with this version's `qa index` into another folder."
        )
    if version not in READABLE_VERSIONS:
        raise QAError(
            f"the store {folder} has format version {version}; this version of qa reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}. Rebuild it with `qa index`."
        )
    return manifest


def store_generation(folder: Path) -> int | None:
    """How many saves the store in `folder` has seen (read from its manifest; 0 for a store
    written before generations were counted); None where no manifest can be read (no store,
    or a writer between its swap's renames). Cheap: the manifest only, no lock.
    """
    try:
        generation = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8")).get(
            "generation", 0
        )
    except (OSError, ValueError, AttributeError):
        return None
    return generation if isinstance(generation, int) else 0


def _write(folder: Path, stored: StoredIndexes, generation: int) -> None:
    corpus = stored.corpus
    write_metadata(folder, corpus)
    first = stored.parts[0].indexes if stored.parts else stored.indexes
    assert first is not None  # a store holds the whole corpus's indexes or its parts'
    if stored.indexes is not None:
        stored.indexes.save(folder)
    for part in stored.parts:
        where = folder / PARTS / part.language
        part.indexes.save(where)
        np.save(where / ROWS, part.rows)
    manifest: dict = {
        "format_version": FORMAT_VERSION,
        "generation": generation,
        "embedder": stored.settings.embedder,
        "dimension": first.dimension,
        "documents": len(corpus.documents),
        "sentences": len(corpus.sentences),
        "settings": stored.settings.to_json(),
    }
    if stored.parts:
        manifest["parts"] = [
            {
                "language": p.language,
                "embedder": p.settings.embedder,
                "dimension": p.indexes.dimension,
                "sentences": len(p.rows),
                "settings": p.settings.to_json(),
            }
            for p in stored.parts
        ]
    # The manifest goes last: a folder without one is never taken for a store.
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
