"""An embedder that loads its model only when it first has something to embed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from embeddings.base import Embedder, embed_queries
from embeddings.errors import EmbeddingError


class LazyEmbedder:
    """Stands in for `make()` until texts arrive: bringing an unchanged store up to date then
    never loads a model (most of `qa index`'s time when nothing is new).

    Args:
        make: Builds the real embedder.
        name: Its model name.
        dimension: Its vector length, known beforehand (from the store built with it); the
            real embedder must agree.
    """

    def __init__(self, make: Callable[[], Embedder], name: str, dimension: int) -> None:
        self.name = name
        self.dimension = dimension
        self._make = make
        self._inner: Embedder | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit float32 rows, one per text; the first non-empty call loads the model."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._loaded().embed(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """As `embed`, for questions (`embeddings.base.embed_queries`)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return embed_queries(self._loaded(), texts)

    def _loaded(self) -> Embedder:
        if self._inner is None:
            inner = self._make()
            if inner.dimension != self.dimension:
                raise EmbeddingError(
                    f"{self.name} gives {inner.dimension}-d vectors, not the {self.dimension} "
                    "its store was built with; rebuild the store with this model"
                )
            self._inner = inner
        return self._inner
