"""Vectors embedded so far, on disk beside the store, so a run that stops half-way (killed,
out of memory, a node lost) is resumed by running the same command again.

Each embedding call's vectors are one `.npy` file named by a hash of the model and the call's
texts, written to a temporary file and renamed into place: a file that exists is complete.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def checkpoint_folder(store: Path) -> Path:
    """Where `store`'s checkpoint lives: a hidden folder beside it (not inside: saving a store
    replaces its folder)."""
    store = store.resolve()  # `--store .` has a name too
    return store.parent / f".{store.name}.ray-checkpoint"


def call_key(model: str, texts: Sequence[str]) -> str:
    """A name for the vectors of `model` embedding `texts` in one call (SHA-256, each text's
    length before it, so no two different calls share one)."""
    digest = hashlib.sha256(model.encode("utf-8"))
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:32]


class EmbeddingCheckpoint:
    """The vectors of embedding calls, by `call_key`, in `folder` (created on first write)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def vectors(self, key: str) -> np.ndarray:
        """The vectors saved under `key`.

        Raises:
            KeyError: Nothing is saved under `key`.
        """
        try:
            return np.load(self._path(key), allow_pickle=False)
        except FileNotFoundError as exc:
            raise KeyError(key) from exc

    def save(self, key: str, vectors: np.ndarray) -> None:
        """Keep `vectors` under `key` (atomically: a crash leaves the file whole or absent)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as file:
                np.save(file, np.ascontiguousarray(vectors, dtype=np.float32))
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def remove(self) -> None:
        """Delete the checkpoint (once the store holding its vectors is saved)."""
        if self.folder.exists():
            shutil.rmtree(self.folder)
            log.info("removed the embedding checkpoint %s", self.folder)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.npy"
