"""An embedder that remembers the vectors of texts it has embedded."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from embeddings.base import Embedder, embed_queries


class CachedEmbedder:
    """Wraps an embedder; each distinct text is embedded once (texts not yet seen go to the
    wrapped embedder together, in one call), which lets evaluation embed a whole corpus in
    one batch and then index many subsets of it for free."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self._vectors: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Take vectors computed earlier (e.g. loaded from disk) for `texts`."""
        self._vectors.update(zip(texts, vectors))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit float32 rows, one per text, computing only the texts not seen before."""
        return self._cached(texts, self._vectors, self.inner.embed)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """As `embed`, for questions (`embeddings.base.embed_queries`)."""
        return self._cached(texts, self._queries, lambda new: embed_queries(self.inner, new))

    def _cached(
        self,
        texts: Sequence[str],
        vectors: dict[str, np.ndarray],
        compute: Callable[[Sequence[str]], np.ndarray],
    ) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in vectors))
        if new:
            vectors.update(zip(new, compute(new)))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([vectors[t] for t in texts])
