"""Choosing the embedder class that serves a model name."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from embeddings.base import Embedder
from embeddings.fast import FastEmbedder
from embeddings.lazy import LazyEmbedder
from embeddings.multilingual import MULTILINGUAL_MODEL, MultilingualEmbedder


def make_embedder(model: str, precision: str = "auto", show_progress: bool = False) -> Embedder:
    """The embedder for `model`: `MultilingualEmbedder` for `MULTILINGUAL_MODEL`, else a
    sentence-transformers model name or folder through `FastEmbedder` (`precision` applies
    to it only; the multilingual engine has one precision, 4-bit weights)."""
    if model == MULTILINGUAL_MODEL:
        return MultilingualEmbedder(show_progress=show_progress)
    return FastEmbedder(model, precision=precision, show_progress=show_progress)


def embedder_for(
    model: str, reuse: Mapping[str, Embedder] | None = None, dimension: int | None = None
) -> Embedder:
    """The embedder for `model`: the one `reuse` holds under its name, else, with a known
    vector `dimension` (a store's), one that loads the model only when it first embeds,
    else `make_embedder(model)`."""
    if reuse and model in reuse:
        return reuse[model]
    if dimension is not None:
        return LazyEmbedder(partial(make_embedder, model), model, dimension)
    return make_embedder(model)
