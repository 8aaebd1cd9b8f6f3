"""Approximate search over many unit vectors: an HNSW graph over 8-bit codes proposes
candidates, which are re-scored exactly against the float32 vectors kept beside it.

HNSW: Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
Hierarchical Navigable Small World graphs", TPAMI 2018 (FAISS `IndexHNSWSQ`). The codes keep
the graph small (384 bytes a 384-d vector instead of 1,536); the float32 vectors live in a
.npy file that `load` memory-maps, so a loaded index holds in RAM only the graph, its codes
and the ids, and reads the few float rows each search re-scores. Parameters were chosen by
measurement (`scripts/ann_check.py`, docs/bench/ann.md).
"""

from __future__ import annotations

import mmap
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.errors import EmbeddingError

NEIGHBOURS = 32  # HNSW's M: links per node (twice that on the bottom layer)
EF_CONSTRUCTION = 120  # candidates kept while linking a new node (80 left recall@10 at 0.989)
EF_SEARCH = 512  # candidates kept while searching (at least the number asked for)
EXTRA_CANDIDATES = 20  # candidates beyond k re-scored exactly, so code error cannot reorder k
_VECTORS_FILE = "vectors.npy"
_IDS_FILE = "ids.npy"
_GRAPH_FILE = "graph.faiss"


class ApproximateIndex:
    """HNSW over 8-bit scalar-quantised codes, exact float32 re-scoring, int64 ids; for unit
    vectors (the graph orders candidates by L2 distance, which ranks them as cosine does).

    The graph is built once the announced `capacity` vectors are in (or at the first search
    or save), so the quantiser's per-dimension ranges are trained on all of them, not on the
    first block; vectors added later go into the built graph, encoded with those ranges.

    Args:
        dimension: Length of every vector.
        capacity: How many vectors will be added.
    """

    def __init__(self, dimension: int, capacity: int) -> None:
        self.dimension = dimension
        self._vectors: np.ndarray = np.empty((max(capacity, 1), dimension), dtype=np.float32)
        self._mapped: _MappedRows | None = None  # where `_vectors` comes from, once loaded
        self._ids = np.empty(max(capacity, 1), dtype=np.int64)
        self._count = 0
        self._capacity = capacity
        self._sequential = True  # id == position for every row, the common case: no lookup
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None  # (sorted ids, positions)
        self._graph: Any = None
        self._building = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Append `vectors` under `ids` (checked by the caller)."""
        start, stop = self._count, self._count + len(ids)
        self._reserve(stop)
        self._vectors[start:stop] = vectors
        self._ids[start:stop] = ids
        self._sequential = self._sequential and bool(np.array_equal(ids, np.arange(start, stop)))
        self._lookup = None
        self._count = stop
        if self._graph is not None:
            self._graph.add(self._vectors[start:stop])
        elif stop >= self._capacity:
            self._built()

    def ids(self) -> np.ndarray:
        """All ids in insertion order."""
        return self._ids[: self._count].copy()

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top `k` by exact inner product among the graph's `k + EXTRA_CANDIDATES` nearest."""
        import faiss

        wanted = min(k + EXTRA_CANDIDATES, self._count)
        # faiss's bundled stubs lack SearchParametersHNSW and give IndexHNSWSQ's quantiser type
        # as an object, not the int the library takes: hence the two type: ignore.
        params = faiss.SearchParametersHNSW(efSearch=max(EF_SEARCH, wanted))  # type: ignore[attr-defined]
        _, candidates = self._built().search(queries, wanted, params=params)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        found = np.full((len(queries), k), -1, dtype=np.int64)
        for row, (query, positions) in enumerate(zip(queries, candidates)):
            positions = positions[positions >= 0]
            exact = self._rows(positions) @ query
            best = np.argsort(-exact, kind="stable")[:k]
            scores[row, : len(best)] = exact[best]
            found[row, : len(best)] = self._ids[positions[best]]
        return scores, found

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored float32 vectors of `ids`, exactly as added."""
        return self._rows(self._positions(ids))

    def save(self, folder: Path) -> dict[str, int]:
        """Write the vectors, ids and graph into `folder`; returns the manifest's parameters.

        Each file is written beside its final name and renamed over it, so an index
        memory-mapped from this same folder keeps reading the file it mapped."""
        import faiss

        graph = self._built()
        if self._mapped is not None:  # its pages in parallel, not one fault after another
            self._mapped.read_ahead(np.arange(self._count))
        _replace(folder / _VECTORS_FILE, lambda p: np.save(p, self._vectors[: self._count]))
        _replace(folder / _IDS_FILE, lambda p: np.save(p, self._ids[: self._count]))
        _replace(folder / _GRAPH_FILE, lambda p: faiss.write_index(graph, str(p)))
        return {"neighbours": NEIGHBOURS, "ef_construction": EF_CONSTRUCTION}

    @classmethod
    def load(cls, folder: Path, dimension: int, size: int) -> ApproximateIndex:
        """Load what `save` wrote; the float vectors are memory-mapped, not read.

        Raises:
            EmbeddingError: A file is missing, damaged, or does not hold `size` vectors.
        """
        import faiss

        damaged = (
            f"the vector index in {folder} is damaged (a file is missing, truncated or "
            "garbled); rebuild it with `qa index`"
        )
        try:
            mapped = _MappedRows(folder / _VECTORS_FILE)
            vectors = mapped.array
            ids = np.load(folder / _IDS_FILE)
            graph = faiss.read_index(str(folder / _GRAPH_FILE))
        except (OSError, ValueError, RuntimeError) as exc:  # RuntimeError: faiss's own
            raise EmbeddingError(damaged) from exc
        shapes = (vectors.shape, vectors.dtype, ids.shape, ids.dtype)
        if shapes != ((size, dimension), np.float32, (size,), np.int64) or not (
            isinstance(graph, faiss.IndexHNSWSQ)
            and (graph.ntotal, graph.d, graph.metric_type) == (size, dimension, faiss.METRIC_L2)
        ):
            raise EmbeddingError(damaged)
        index = cls(dimension, size)
        index._vectors, index._ids, index._count, index._graph = vectors, ids, size, graph
        index._mapped = mapped
        index._sequential = bool(np.array_equal(ids, np.arange(size)))
        return index

    def _built(self) -> Any:  # noqa: ANN401 - a faiss.IndexHNSWSQ
        """The graph, built over every vector added so far if it is not built yet."""
        with self._building:
            if self._graph is None:
                import faiss

                # L2, not inner product: on unit vectors both give the same order, and the
                # candidates are re-scored by inner product anyway; with METRIC_INNER_PRODUCT
                # 6 of 2,000 real questions lost their whole top 10 (the search ended in
                # another region of the graph), with L2 none did (scripts/ann_check.py set).
                graph = faiss.IndexHNSWSQ(
                    self.dimension,
                    faiss.ScalarQuantizer.QT_8bit,  # type: ignore[arg-type]
                    NEIGHBOURS,
                    faiss.METRIC_L2,
                )
                graph.hnsw.efConstruction = EF_CONSTRUCTION
                rows = self._vectors[: self._count]
                graph.train(rows)  # each dimension's min and max, over all the vectors
                graph.add(rows)  # labels are positions; `_ids` maps them to ids
                self._graph = graph
            return self._graph

    def _reserve(self, rows: int) -> None:
        """Room for `rows` vectors in memory (a memory-mapped index is copied in first)."""
        if rows <= len(self._vectors) and self._vectors.flags.writeable:
            return
        size = max(rows, 2 * len(self._vectors))
        vectors = np.empty((size, self.dimension), dtype=np.float32)
        ids = np.empty(size, dtype=np.int64)
        vectors[: self._count] = self._vectors[: self._count]
        ids[: self._count] = self._ids[: self._count]
        self._vectors, self._ids, self._mapped = vectors, ids, None

    def _rows(self, positions: np.ndarray) -> np.ndarray:
        """The float32 vectors at `positions`, copied out."""
        if self._mapped is not None:
            return self._mapped.rows(positions)
        return self._vectors[positions]

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        """The rows holding `ids`.

        Raises:
            EmbeddingError: An id is not in the index.
        """
        ids = np.asarray(ids, dtype=np.int64)
        if self._sequential:
            positions = ids
            known = (ids >= 0) & (ids < self._count)
        else:
            if self._lookup is None:
                order = np.argsort(self._ids[: self._count], kind="stable")
                self._lookup = (self._ids[order], order)
            ordered, order = self._lookup
            at = np.minimum(np.searchsorted(ordered, ids), max(self._count - 1, 0))
            positions = order[at] if self._count else ids
            known = ordered[at] == ids if self._count else np.zeros(len(ids), dtype=bool)
        if not known.all():
            raise EmbeddingError(
                f"ids {ids[~known][:5].tolist()} are not in the index; ask only for ids it holds"
            )
        return positions


class _MappedRows:
    """The float32 matrix of a .npy file, memory-mapped read-only, whose rows are asked of the
    kernel together before they are gathered.

    Re-scoring reads a hundred-odd rows scattered over the file. Asking for all of them at once
    (MADV_WILLNEED) lets the disk read them in parallel, and as each page is then in the cache
    when it is touched, the kernel reads no 128 KB around it. Measured at 1M rows on a cold
    cache, 150 searches of 120 random rows: 1.8 ms p50 / 2.1 ms p95 each and 112 MB of the file
    cached, against 0.4 / 11 ms and 817 MB faulting them in with the default read-around, or
    10 / 11 ms and 111 MB with MADV_RANDOM (which also made reading the whole file 8x slower);
    0.1 ms of overhead when the rows are cached.

    Args:
        path: The .npy file.

    Raises:
        ValueError: The file is not a whole .npy file of a C-ordered matrix.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as file:
            major, _ = np.lib.format.read_magic(file)
            header = (
                np.lib.format.read_array_header_1_0
                if major == 1
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = header(file)
            self._offset = file.tell()
            self._mapping = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        if fortran or len(shape) != 2:
            raise ValueError(f"{path} does not hold a C-ordered matrix")
        count = int(np.prod(shape))
        self.array = np.frombuffer(self._mapping, dtype, count, self._offset).reshape(shape)

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """The rows at `positions`, copied out."""
        self.read_ahead(positions)
        return self.array[positions]

    def read_ahead(self, positions: np.ndarray) -> None:
        """Ask the kernel to start reading the pages of the rows at `positions`, one request per
        run of adjacent pages."""
        if not len(positions) or not hasattr(mmap, "MADV_WILLNEED"):  # Linux, BSDs, macOS
            return
        size = self.array.shape[1] * self.array.itemsize
        starts = np.sort(self._offset + np.asarray(positions, dtype=np.int64) * size)
        first, last = starts // mmap.PAGESIZE, (starts + size - 1) // mmap.PAGESIZE
        breaks = np.flatnonzero(first[1:] > last[:-1] + 1) + 1
        for page, end in zip(
            first[np.r_[0, breaks]].tolist(), last[np.r_[breaks - 1, -1]].tolist()
        ):
            self._mapping.madvise(
                mmap.MADV_WILLNEED, page * mmap.PAGESIZE, (end - page + 1) * mmap.PAGESIZE
            )


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    """Run `write` on a temporary name beside `path` (same suffix), then rename it over `path`."""
    temporary = path.with_name(f".{path.stem}.tmp{path.suffix}")
    write(temporary)
    os.replace(temporary, path)
