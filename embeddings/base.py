"""The one interface every embedder implements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts.

        Args:
            texts: The texts to embed.

        Returns:
            A `(len(texts), dimension)` float32 matrix whose rows have unit L2 norm.
        """
        ...


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Return `matrix` as contiguous float32 with unit-length rows (zero rows stay zero)."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"expected a 2-D matrix, got shape {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, np.float32(1e-12))


@runtime_checkable
class QueryEmbedder(Embedder, Protocol):
    """An embedder whose model embeds questions differently from the texts searched (E5's
    "query: " and "passage: " prefixes); `embed` is for the texts searched."""

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions; rows as for `embed`."""
        ...


def embed_queries(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Questions' vectors: the embedder's `embed_queries` where it has one, else `embed`."""
    if isinstance(embedder, QueryEmbedder):
        return embedder.embed_queries(texts)
    return embedder.embed(texts)


def in_chunks(
    encode: Callable[[Sequence[str]], np.ndarray],
    texts: Sequence[str],
    chunk: int,
    show_progress: bool,
) -> np.ndarray:
    """`encode(texts)`, called on `chunk` texts at a time under a progress bar when
    `show_progress` and there is more than one chunk."""
    if not show_progress or len(texts) <= chunk:
        return encode(texts)
    from tqdm import tqdm

    parts = []
    with tqdm(total=len(texts), desc="embedding", unit=" sentences") as bar:
        for start in range(0, len(texts), chunk):
            parts.append(encode(texts[start : start + chunk]))
            bar.update(len(parts[-1]))
    return np.vstack(parts)
