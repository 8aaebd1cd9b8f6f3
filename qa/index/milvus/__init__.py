"""Milvus as the store of sentence and passage vectors (and, from Milvus 2.5, BM25), chosen
by `Settings.milvus`; see docs/milvus.md. pymilvus is imported only when it is used."""

from qa.index.milvus.connect import URI_VARIABLE, collection_name, space_of
from qa.index.milvus.space import PASSAGES, SENTENCES, MilvusSpace
from qa.index.milvus.vectors import MilvusVectors

__all__ = [
    "PASSAGES",
    "SENTENCES",
    "MilvusSpace",
    "MilvusVectors",
    "URI_VARIABLE",
    "collection_name",
    "space_of",
]
