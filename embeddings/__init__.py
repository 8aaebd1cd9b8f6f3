"""Embedders and the FAISS vector index: strings and arrays in, arrays out."""

from embeddings.base import Embedder, QueryEmbedder, embed_queries, normalize_rows
from embeddings.cached import CachedEmbedder
from embeddings.choice import embedder_for, make_embedder
from embeddings.errors import EmbeddingError
from embeddings.fast import FastEmbedder
from embeddings.index import VectorIndex
from embeddings.lazy import LazyEmbedder
from embeddings.multilingual import MULTILINGUAL_MODEL, MultilingualEmbedder
from embeddings.onnx import OnnxEmbedder
from embeddings.sentence_transformer import DEFAULT_MODEL, SentenceTransformerEmbedder

__all__ = [
    "CachedEmbedder",
    "DEFAULT_MODEL",
    "Embedder",
    "EmbeddingError",
    "FastEmbedder",
    "LazyEmbedder",
    "MULTILINGUAL_MODEL",
    "MultilingualEmbedder",
    "OnnxEmbedder",
    "QueryEmbedder",
    "SentenceTransformerEmbedder",
    "VectorIndex",
    "embed_queries",
    "embedder_for",
    "make_embedder",
    "normalize_rows",
]
