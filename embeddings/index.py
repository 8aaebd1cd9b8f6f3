"""A FAISS vector index with stable int64 ids; it takes vectors, never a model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from embeddings.errors import EmbeddingError

FORMAT_VERSION = 1
_INDEX_FILE = "vectors.faiss"
_MANIFEST_FILE = "vectors.json"


class VectorIndex:
    """Exact inner-product search over unit vectors (cosine similarity), keyed by int64 ids.

    Args:
        dimension: Length of every vector.
    """

    def __init__(self, dimension: int) -> None:
        import faiss

        if dimension <= 0:
            raise EmbeddingError(f"dimension must be positive, got {dimension}")
        self.dimension = dimension
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add `vectors` under `ids`; an id already present is an error."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = self._check_vectors(vectors)
        if len(ids) != len(vectors):
            raise EmbeddingError(
                f"{len(ids)} ids for {len(vectors)} vectors; pass one id per vector"
            )
        if len(np.unique(ids)) != len(ids):
            raise EmbeddingError("ids must be unique within one add() call")
        if len(self) and np.isin(ids, self.ids()).any():
            raise EmbeddingError("some ids are already in the index; remove them before re-adding")
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> int:
        """Remove `ids`; returns how many were present."""
        import faiss

        selector = faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64))
        return int(self._index.remove_ids(selector))

    def ids(self) -> np.ndarray:
        """All ids in insertion order."""
        import faiss

        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return `(scores, ids)`, each `(len(queries), k)`; missing slots have id -1."""
        queries = self._check_vectors(queries)
        if k <= 0:
            raise EmbeddingError(f"k must be positive, got {k}")
        if len(self) == 0:
            shape = (len(queries), k)
            return np.full(shape, -np.inf, dtype=np.float32), np.full(shape, -1, dtype=np.int64)
        scores, ids = self._index.search(queries, k)
        return scores, ids

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Inner product of one query vector with the stored vectors of `ids` (all present)."""
        return self.vectors(ids) @ np.asarray(query, dtype=np.float32)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of `ids` (all present), one row each."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self._index.reconstruct(int(i)) for i in ids])

    def save(self, folder: Path) -> None:
        """Write the index and its manifest into `folder`."""
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / _INDEX_FILE))
        manifest = {
            "format_version": FORMAT_VERSION,
            "dimension": self.dimension,
            "size": len(self),
        }
        (folder / _MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> VectorIndex:
        """Load an index written by `save`, checking its manifest."""
        import faiss

        manifest_path = folder / _MANIFEST_FILE
        if not manifest_path.is_file() or not (folder / _INDEX_FILE).is_file():
            raise EmbeddingError(f"no vector index in {folder}; rebuild it with `qa index`")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format_version") != FORMAT_VERSION:
            raise EmbeddingError(
                f"{folder} holds a vector index of format {manifest.get('format_version')}, "
                f"this version reads format {FORMAT_VERSION}; rebuild it with `qa index`"
            )
        index = cls(int(manifest["dimension"]))
        try:
            loaded = faiss.read_index(str(folder / _INDEX_FILE))
        except RuntimeError as exc:  # faiss reports a short or garbled file this way
            raise EmbeddingError(
                f"the vector index in {folder} is damaged (the file is truncated or garbled); "
                "rebuild it with `qa index`"
            ) from exc
        if not isinstance(loaded, faiss.IndexIDMap2):
            raise EmbeddingError(f"{folder} holds an index without ids; rebuild it with `qa index`")
        index._index = loaded
        if len(index) != manifest["size"] or index._index.d != index.dimension:
            raise EmbeddingError(
                f"the vector index in {folder} is damaged; rebuild it with `qa index`"
            )
        return index

    def _check_vectors(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise EmbeddingError(
                f"vectors of shape {vectors.shape} do not fit an index of dimension {self.dimension}"
            )
        return vectors
