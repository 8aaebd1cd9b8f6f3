"""Bring a store's Milvus collections in line with a corpus: embed and write the sentences
and passages they lack, delete the ones the corpus no longer has.

What the collections hold is known from the previous corpus when it was indexed into the
same collections, and otherwise read from Milvus itself, so a write interrupted half-way (or
a store rebuilt from its documents) picks up where it stopped, embedding only what is
missing."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from embeddings import Embedder, normalize_rows
from qa.errors import DamagedStoreError
from qa.index.corpus import Corpus
from qa.index.embedding import embedding_calls
from qa.index.milvus.space import MAX_TEXT_BYTES, PASSAGES, SENTENCES, MilvusSpace
from qa.index.milvus.vectors import MilvusVectors
from qa.progress import Progress

log = logging.getLogger(__name__)


def passage_keys(corpus: Corpus) -> np.ndarray:
    """Each passage's Milvus id: the sentence id of its first sentence (stable, as those)."""
    return corpus.sentences.ids[corpus.passage_rows[0]]


def opened(space: MilvusSpace, corpus: Corpus) -> tuple[MilvusVectors, MilvusVectors]:
    """The sentence and passage vectors of `corpus` that an earlier `sync` wrote.

    Raises:
        DamagedStoreError: The collections are missing, hold another model's vectors, or
            fewer entries than the corpus has (a write was interrupted): `qa index` (or
            opening the collection in the chat) writes what is missing.
    """
    layout = space.layout()
    where = f"the Milvus collections {space.name}_* at {space.uri}"
    if layout is None or layout.embedder != space.model:
        found = "are missing" if layout is None else f"hold {layout.embedder} vectors"
        raise DamagedStoreError(f"{where} {found}; rebuild the store with `qa index`")
    space.load()
    passages = passage_keys(corpus)
    held = space.count(SENTENCES), space.count(PASSAGES)
    if held[0] < len(corpus.sentences) or held[1] < len(passages):
        raise DamagedStoreError(
            f"{where} hold {held[0]} sentences and {held[1]} passages, fewer than the store's "
            f"{len(corpus.sentences)} and {len(passages)} (an interrupted write?); "
            "run `qa index` again to write the rest"
        )
    return _views(space, corpus, layout.dimension)


def _views(
    space: MilvusSpace, corpus: Corpus, dimension: int
) -> tuple[MilvusVectors, MilvusVectors]:
    """The sentence and passage collections seen through `corpus`'s rows."""
    return (
        MilvusVectors(space, SENTENCES, corpus.sentences.ids, dimension),
        MilvusVectors(space, PASSAGES, passage_keys(corpus), dimension),
    )


def sync(
    space: MilvusSpace,
    corpus: Corpus,
    embedder: Embedder,
    previous: tuple[Corpus, MilvusVectors] | None,
    progress: Progress,
    text_of: Callable[[int], str],
) -> tuple[MilvusVectors, MilvusVectors]:
    """The sentence and passage vectors of `corpus` in `space`, written where missing.

    `text_of(row)` is the text embedded (and analysed for BM25) for a sentence; `previous`
    is the corpus the collections were last brought in line with, when known."""
    layout, made = space.prepare(embedder.dimension)
    sentence_ids = corpus.sentences.ids
    passages = passage_keys(corpus)
    if made:
        held = held_passages = np.zeros(0, dtype=np.int64)
    elif previous is not None and previous[1].space.same_place(space):
        held = np.sort(previous[1].keys)
        held_passages = np.sort(passage_keys(previous[0]))
    else:
        held, held_passages = space.keys(SENTENCES), space.keys(PASSAGES)
    space.delete(SENTENCES, np.setdiff1d(held, sentence_ids))
    space.delete(PASSAGES, np.setdiff1d(held_passages, passages))
    new_rows = np.flatnonzero(~np.isin(sentence_ids, held))
    log.info(
        "Milvus %s: writing %d new sentences, keeping %d",
        space.name,
        len(new_rows),
        len(sentence_ids) - len(new_rows),
    )
    new_passages = ~np.isin(passages, held_passages)
    sums, counts = _write_sentences(
        space, corpus, embedder, new_rows, new_passages, progress, text_of
    )
    _write_passages(space, corpus, passages, new_passages, sums, counts)
    return _views(space, corpus, layout.dimension)


def _write_sentences(
    space: MilvusSpace,
    corpus: Corpus,
    embedder: Embedder,
    rows: np.ndarray,
    new_passages: np.ndarray,
    progress: Progress,
    text_of: Callable[[int], str],
) -> tuple[dict[int, np.ndarray], dict[int, int]]:
    """Embed and write the sentences in `rows`; returns, for each passage that `new_passages`
    marks as missing from Milvus (by passage number), the sum of its sentences' new vectors
    and how many there were."""
    sentences, passage_of = corpus.sentences, corpus.passage_of
    sums: dict[int, np.ndarray] = {}
    counts: dict[int, int] = {}
    progress("embedding", 0, len(rows))
    done = 0
    for block in embedding_calls(rows):  # the calls indexing into FAISS makes (qa index --ray)
        texts = [text_of(row) for row in block.tolist()]
        vectors = embedder.embed(texts)
        space.upsert(
            SENTENCES,
            [
                {
                    "id": int(sentences.ids[row]),
                    "vector": vector,
                    "text": _clipped(text),
                    "doc_id": sentences.doc_ids[sentences.doc[row]],
                    "start": int(sentences.start[row]),
                    "end": int(sentences.end[row]),
                    "passage": int(passage_of[row]),
                }
                for row, text, vector in zip(block.tolist(), texts, vectors)
            ],
        )
        for row, vector in zip(block.tolist(), vectors):
            passage = int(passage_of[row])
            if new_passages[passage]:
                sums[passage] = sums.get(passage, 0) + vector
                counts[passage] = counts.get(passage, 0) + 1
        done += len(block)
        progress("embedding", done, len(rows))
    return sums, counts


def _write_passages(
    space: MilvusSpace,
    corpus: Corpus,
    keys: np.ndarray,
    new: np.ndarray,
    sums: dict[int, np.ndarray],
    counts: dict[int, int],
) -> None:
    """Write each new passage's vector, the normalised mean of its sentences' vectors: those
    embedded now (`sums`) or, for a passage an interrupted run had begun to write, all of
    them read back from Milvus."""
    first, stop = corpus.passage_rows
    rows: list[dict] = []
    for passage in np.flatnonzero(new).tolist():
        total = sums.get(passage)
        members = np.arange(first[passage], stop[passage])
        if counts.get(passage, 0) < len(members):
            stored = space.vectors(SENTENCES, corpus.sentences.ids[members])
            total = np.sum(list(stored.values()), axis=0)
        rows.append({"id": int(keys[passage]), "vector": total})
    if rows:
        vectors = normalize_rows(np.vstack([r["vector"] for r in rows]))
        space.upsert(PASSAGES, [{**r, "vector": v} for r, v in zip(rows, vectors)])


def _clipped(text: str) -> str:
    """`text` cut to Milvus's longest VARCHAR (in UTF-8 bytes)."""
    data = text.encode("utf-8")
    return text if len(data) <= MAX_TEXT_BYTES else data[:MAX_TEXT_BYTES].decode("utf-8", "ignore")
