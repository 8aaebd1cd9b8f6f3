"""A Milvus collection seen as the `embeddings.VectorIndex` retrieval uses: keyed by the
corpus's rows, returning exact cosines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qa.errors import DamagedStoreError
from qa.index.milvus.space import SENTENCES, MilvusSpace


class MilvusVectors:
    """The vectors of one collection (`which`) for one corpus, whose row i has Milvus id
    `keys[i]`. Ids Milvus returns that the corpus lacks (written by a newer version of the
    store) are left out; scores are exact inner products of the stored float32 vectors."""

    def __init__(self, space: MilvusSpace, which: str, keys: np.ndarray, dimension: int) -> None:
        self.space = space
        self.which = which
        self.keys = np.ascontiguousarray(keys, dtype=np.int64)
        self.dimension = dimension
        self._order = np.argsort(self.keys, kind="stable")
        self._sorted = self.keys[self._order]

    def __len__(self) -> int:
        return len(self.keys)

    def save(self, folder: Path) -> None:
        """Nothing to write: the vectors are in Milvus. A note says where, for people."""
        folder.mkdir(parents=True, exist_ok=True)
        note = {"milvus": self.space.uri, "collection": self.space.collection(self.which)}
        (folder / "milvus.json").write_text(json.dumps(note), encoding="utf-8")

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """The row of each Milvus id; -1 where the corpus has no such id."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(self._sorted):
            return np.full(len(ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, ids), len(self._sorted) - 1)
        return np.where(self._sorted[at] == ids, self._order[at], -1)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """`(scores, rows)` of shape `(len(queries), k)`, best first; -1 rows pad."""
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        for q, query in enumerate(np.asarray(queries, dtype=np.float32)):
            hits = self.space.search(self.which, query, k)
            found = self.rows_of(np.array([i for i, _ in hits], dtype=np.int64))
            kept = [(row, score) for row, (_, score) in zip(found.tolist(), hits) if row >= 0]
            for j, (row, score) in enumerate(kept):
                rows[q, j], scores[q, j] = row, score
        return scores, rows

    def similarity(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Cosine of `query` to the sentence in each of `rows`."""
        return self.vectors(rows) @ np.asarray(query, dtype=np.float32)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of `rows`, in order.

        Raises:
            DamagedStoreError: Milvus lacks one of them.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = self.keys[rows]
        found = self.space.vectors(self.which, keys)
        missing = [int(k) for k in keys.tolist() if k not in found]
        if missing:
            raise DamagedStoreError(
                f"the Milvus collection {self.space.collection(self.which)} lacks the vectors of "
                f"{len(missing)} entries (e.g. id {missing[0]}); rebuild the store with `qa index`"
            )
        return np.vstack([found[int(k)] for k in keys.tolist()])

    def hybrid(
        self, query: np.ndarray, text: str, depth: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Candidate rows for a question found by Milvus itself (dense and BM25, fused by RRF,
        `MilvusSpace.hybrid`) with their exact cosines; None when the server has no BM25."""
        if self.which != SENTENCES or not self.space.lexical:
            return None
        found = self.space.hybrid(query, text, depth)
        ids = np.fromiter(found, dtype=np.int64, count=len(found))
        rows = self.rows_of(ids)
        kept = rows >= 0
        if not kept.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        vectors = np.vstack([found[int(i)] for i in ids[kept].tolist()])
        return rows[kept], vectors @ np.asarray(query, dtype=np.float32)
