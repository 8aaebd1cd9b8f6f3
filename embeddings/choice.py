"""Choosing the embedder class that serves a model name."""

from __future__ import annotations

from embeddings.base import Embedder
from embeddings.fast import FastEmbedder
from embeddings.multilingual import MULTILINGUAL_MODEL, MultilingualEmbedder


def make_embedder(model: str, precision: str = "auto", show_progress: bool = False) -> Embedder:
    """The embedder for `model`: `MultilingualEmbedder` for `MULTILINGUAL_MODEL`, else a
    sentence-transformers model name or folder through `FastEmbedder` (`precision` applies
    to it only; the multilingual engine has one precision, 4-bit weights)."""
    if model == MULTILINGUAL_MODEL:
        return MultilingualEmbedder(show_progress=show_progress)
    return FastEmbedder(model, precision=precision, show_progress=show_progress)
