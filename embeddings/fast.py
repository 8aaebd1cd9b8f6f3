"""The default embedder: each call on the path that is fastest for its number of texts."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from embeddings.base import Embedder
from embeddings.onnx import OnnxEmbedder, OnnxExportError
from embeddings.sentence_transformer import (
    DEFAULT_MODEL,
    SentenceTransformerEmbedder,
    check_precision,
    native_bf16,
)

log = logging.getLogger(__name__)

BULK_FROM = 64


class FastEmbedder:
    """Embeds a few texts (a question) with ONNX Runtime, which loads in a fraction of a second
    and needs neither torch nor sentence-transformers, and many texts (documents) with torch in
    bfloat16 where the CPU computes it natively (about 2.5x ONNX's float32 rate there), else
    with ONNX as well. torch is loaded only when a bulk call first needs it. A model ONNX
    cannot export falls back to sentence-transformers for everything, with a warning.

    Args:
        model: As for `SentenceTransformerEmbedder`.
        precision: "auto" (bulk in bf16 where native), "bf16" (bulk in bf16) or "fp32"
            (everything in float32 through ONNX, matching sentence-transformers' vectors).
        show_progress: Show a progress bar while embedding many texts with torch.
    """

    def __init__(
        self, model: str = DEFAULT_MODEL, precision: str = "auto", show_progress: bool = False
    ) -> None:
        check_precision(precision)
        self.name = model
        self.precision = precision
        self.show_progress = show_progress
        self._bulk: Embedder | None = None
        try:
            self._small: Embedder = OnnxEmbedder(model)
        except OnnxExportError as exc:
            log.warning("%s; embedding with sentence-transformers instead", exc)
            self._small = self._bulk = self._torch()
        self.dimension = self._small.dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit float32 rows, one per text."""
        if len(texts) < BULK_FROM:
            return self._small.embed(texts)
        if self._bulk is None:
            bf16 = self.precision == "bf16" or (self.precision == "auto" and native_bf16())
            self._bulk = self._torch() if bf16 else self._small
        return self._bulk.embed(texts)

    def _torch(self) -> SentenceTransformerEmbedder:
        return SentenceTransformerEmbedder(
            self.name, show_progress=self.show_progress, precision=self.precision
        )
