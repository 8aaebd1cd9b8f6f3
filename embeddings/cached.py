"""An embedder that remembers the vectors of texts it has embedded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embeddings.base import Embedder


class CachedEmbedder:
    """Wraps an embedder; each distinct text is embedded once (texts not yet seen go to the
    wrapped embedder together, in one call), which lets evaluation embed a whole corpus in
    one batch and then index many subsets of it for free."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self._vectors: dict[str, np.ndarray] = {}

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Take vectors computed earlier (e.g. loaded from disk) for `texts`."""
        self._vectors.update(zip(texts, vectors))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit float32 rows, one per text, computing only the texts not seen before."""
        new = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if new:
            self._vectors.update(zip(new, self.inner.embed(new)))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])
