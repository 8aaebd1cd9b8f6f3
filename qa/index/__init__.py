"""Indexing, the second stage: sentences become searchable, and a store keeps them on disk.

`corpus` holds the documents with their sentences (`sentences`, as columns) and passages;
`embedding` says what text is embedded for each sentence and in which calls; `tokenize` and
`lexical` are BM25's analysis and index; `indexes` ties the four indexes retrieval reads
(sentence and passage vectors, sentence and passage BM25); `store` and `metadata` write and
load them as a folder with a manifest, `locks` keeps its writers in turn; `milvus/` keeps the
vectors in Milvus instead of FAISS.
"""

from qa.index.corpus import Corpus
from qa.index.indexes import Indexes
from qa.index.lexical import LexicalIndex
from qa.index.sentences import Sentences
from qa.index.store import StoredIndexes, load_documents, load_store, read_manifest, save_store

__all__ = [
    "Corpus",
    "Indexes",
    "LexicalIndex",
    "Sentences",
    "StoredIndexes",
    "load_documents",
    "load_store",
    "read_manifest",
    "save_store",
]
