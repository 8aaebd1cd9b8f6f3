"""A FAISS vector index with stable int64 ids; it takes vectors, never a model.

Its structure is chosen by how many vectors it will hold: an exact flat scan up to
`EXACT_LIMIT`, above it an approximate graph whose candidates are re-scored exactly
(`embeddings.approximate`). Measured by `scripts/ann_check.py` (docs/bench/ann.md) on the
2-core development machine, one 384-d query: a flat scan takes about 0.065 ms per thousand
vectors (100k: 6-7 ms, 1M: 60-70 ms), the graph about 1 ms at 1M with recall@10 0.997. Up to
100k the scan stays within a few milliseconds, so small collections keep exact results and
build in no time (the graph takes 11 s at 100k, 150 s at 1M)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np

from embeddings.approximate import ApproximateIndex
from embeddings.errors import EmbeddingError

FORMAT_VERSION = 2  # 2: the manifest names the structure; 1 (still read): always flat
EXACT_LIMIT = 100_000  # the most vectors searched exactly (see the module docstring)
Structure = Literal["flat", "hnsw-sq8"]
_INDEX_FILE = "vectors.faiss"
_MANIFEST_FILE = "vectors.json"


@contextmanager
def _one_thread() -> Iterator[None]:
    """FAISS on the calling thread alone: one question's search is over before OpenMP's
    threads get going, and waiting on them behind other libraries' busy threads (numpy's BLAS,
    ONNX Runtime) cost a 100k flat scan 40 ms at p95 instead of 12 (scripts/bench.py)."""
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


class VectorIndex:
    """Inner-product search over unit vectors (cosine similarity), keyed by int64 ids.

    Up to `exact_limit` vectors the search is exact (`faiss.IndexFlatIP`); above it an HNSW
    graph over 8-bit codes proposes candidates that are re-scored against the stored float32
    vectors. Either way `search` returns true cosines and `vectors`/`similarity` the exact
    vectors added.

    Args:
        dimension: Length of every vector.
        size: How many vectors it will hold, known before adding; it chooses the structure.
            0 (unknown) means exact.
        exact_limit: The most vectors searched exactly; None: `EXACT_LIMIT`.
    """

    def __init__(self, dimension: int, size: int = 0, exact_limit: int | None = None) -> None:
        if dimension <= 0:
            raise EmbeddingError(f"dimension must be positive, got {dimension}")
        self.dimension = dimension
        limit = EXACT_LIMIT if exact_limit is None else exact_limit
        self.structure: Structure = "flat" if size <= limit else "hnsw-sq8"
        self._index: _FlatIndex | ApproximateIndex = (
            _FlatIndex(dimension) if self.structure == "flat" else ApproximateIndex(dimension, size)
        )
        self._largest: int | None = None  # the largest id added, for a quick duplicate check

    def __len__(self) -> int:
        return len(self._index)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add `vectors` under `ids`; an id already present is an error."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = self._check_vectors(vectors)
        if len(ids) != len(vectors):
            raise EmbeddingError(
                f"{len(ids)} ids for {len(vectors)} vectors; pass one id per vector"
            )
        if not len(ids):
            return
        if len(np.unique(ids)) != len(ids):
            raise EmbeddingError("ids must be unique within one add() call")
        if len(self):
            if self._largest is None:  # a loaded index
                self._largest = int(self.ids().max())
            # Ids above every stored one (rows added in order) need no search through them all.
            if ids.min() <= self._largest and np.isin(ids, self.ids()).any():
                raise EmbeddingError(
                    "some ids are already in the index; remove them before re-adding"
                )
        self._index.add(ids, vectors)
        self._largest = (
            int(ids.max()) if self._largest is None else max(self._largest, int(ids.max()))
        )

    def remove(self, ids: np.ndarray) -> int:
        """Remove `ids` from an exact index; returns how many were present.

        Raises:
            EmbeddingError: The index is approximate (its graph cannot drop nodes).
        """
        if not isinstance(self._index, _FlatIndex):
            raise EmbeddingError(
                f"an approximate index ({len(self)} vectors) cannot remove vectors; build a new "
                "index without them"
            )
        return self._index.remove(ids)

    def ids(self) -> np.ndarray:
        """All ids in insertion order."""
        return self._index.ids()

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return `(scores, ids)`, each `(len(queries), k)`, best first; scores are exact inner
        products; missing slots have id -1."""
        queries = self._check_vectors(queries)
        if k <= 0:
            raise EmbeddingError(f"k must be positive, got {k}")
        if len(self) == 0:
            shape = (len(queries), k)
            return np.full(shape, -np.inf, dtype=np.float32), np.full(shape, -1, dtype=np.int64)
        if len(queries) > 1:
            return self._index.search(queries, k)
        with _one_thread():
            return self._index.search(queries, k)

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Inner product of one query vector with the stored vectors of `ids` (all present)."""
        return self.vectors(ids) @ np.asarray(query, dtype=np.float32)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of `ids` (all present), one row each, exactly as added."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._index.vectors(ids)

    def save(self, folder: Path) -> None:
        """Write the index and its manifest (which names the structure) into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        index, structure = self._index, self.structure
        if not len(index):  # nothing to approximate: an empty graph could not even be trained
            index, structure = _FlatIndex(self.dimension), "flat"
        parameters = index.save(folder)
        manifest = {
            "format_version": FORMAT_VERSION,
            "dimension": self.dimension,
            "size": len(self),
            "structure": structure,
            **parameters,
        }
        (folder / _MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> VectorIndex:
        """Load an index written by `save` (or by format 1), checking its manifest.

        Raises:
            EmbeddingError: The index is missing, damaged, or of an unknown format.
        """
        manifest_path = folder / _MANIFEST_FILE
        if not manifest_path.is_file():
            raise EmbeddingError(f"no vector index in {folder}; rebuild it with `qa index`")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            version, dimension, size = (
                manifest.get("format_version"),
                int(manifest["dimension"]),
                int(manifest["size"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EmbeddingError(
                f"the vector index manifest {manifest_path} is damaged; rebuild it with `qa index`"
            ) from exc
        if version not in (1, FORMAT_VERSION):
            raise EmbeddingError(
                f"{folder} holds a vector index of format {version}, this version reads formats "
                f"1 and {FORMAT_VERSION}; rebuild it with `qa index`"
            )
        structure = manifest.get("structure", "flat")  # format 1 had no other
        index = cls(dimension)
        if structure == "flat":
            index._index = _FlatIndex.load(folder, dimension, size)
        elif structure == "hnsw-sq8":
            index._index = ApproximateIndex.load(folder, dimension, size)
        else:
            raise EmbeddingError(
                f"{folder} holds a vector index of unknown structure {structure!r}; "
                "rebuild it with `qa index`"
            )
        index.structure = structure
        return index

    def _check_vectors(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise EmbeddingError(
                f"vectors of shape {vectors.shape} do not fit an index of dimension {self.dimension}"
            )
        return vectors


class _FlatIndex:
    """Exact search: `faiss.IndexIDMap2(faiss.IndexFlatIP)`, the float vectors in RAM."""

    def __init__(self, dimension: int) -> None:
        import faiss

        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> int:
        import faiss

        selector = faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64))
        return int(self._index.remove_ids(selector))

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, ids = self._index.search(queries, k)
        return scores, ids

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        return np.vstack([self._index.reconstruct(int(i)) for i in ids])

    def save(self, folder: Path) -> dict[str, Any]:
        import faiss

        faiss.write_index(self._index, str(folder / _INDEX_FILE))
        return {}

    @classmethod
    def load(cls, folder: Path, dimension: int, size: int) -> _FlatIndex:
        import faiss

        if not (folder / _INDEX_FILE).is_file():
            raise EmbeddingError(f"no vector index in {folder}; rebuild it with `qa index`")
        try:
            loaded = faiss.read_index(str(folder / _INDEX_FILE))
        except RuntimeError as exc:  # faiss reports a short or garbled file this way
            raise EmbeddingError(
                f"the vector index in {folder} is damaged (the file is truncated or garbled); "
                "rebuild it with `qa index`"
            ) from exc
        if not isinstance(loaded, faiss.IndexIDMap2):
            raise EmbeddingError(f"{folder} holds an index without ids; rebuild it with `qa index`")
        if loaded.ntotal != size or loaded.d != dimension:
            raise EmbeddingError(
                f"the vector index in {folder} is damaged; rebuild it with `qa index`"
            )
        index = cls(dimension)
        index._index = loaded
        return index
