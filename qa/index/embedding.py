"""What indexing embeds for each sentence, and in which calls: one plan that the FAISS store,
Milvus and `qa index --ray` all follow, so each gets exactly the same vectors."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from qa.index.corpus import Corpus

EMBED_BATCH = 1024  # a bulk embedder sorts each call by length: more texts, less padding
BLOCK_ROWS = 16 * EMBED_BATCH


def embedding_calls(rows: np.ndarray) -> list[np.ndarray]:
    """The rows each `embed` call of indexing takes, for new sentences in `rows` (ascending):
    those of one block of `BLOCK_ROWS` rows at a time, at most `EMBED_BATCH` a call. A bulk
    embedder's vectors depend a little on which texts share a call, so `qa index --ray` makes
    exactly these calls (`qa.scale.ray_embed.planned_calls`)."""
    rows = np.asarray(rows, dtype=np.int64)
    calls: list[np.ndarray] = []
    blocks = rows // BLOCK_ROWS
    for inside in np.split(rows, np.flatnonzero(np.diff(blocks)) + 1):
        calls.extend(inside[i : i + EMBED_BATCH] for i in range(0, len(inside), EMBED_BATCH))
    return [call for call in calls if len(call)]


def indexed_text(corpus: Corpus, row: int, titled: bool) -> str:
    """The text embedded and indexed for BM25 for sentence `row`: the sentence, after its
    document's title and ": " when `titled` (`Settings.titled`) and the document has a title
    of its own (a headline or the file's metadata, not its file name) other than the sentence."""
    sentence = corpus.sentences[row]
    document = corpus.documents[sentence.doc_id]
    if not titled or document.title in (document.source, sentence.text):
        return sentence.text
    return f"{document.title}: {sentence.text}"


def row_blocks(count: int) -> Iterator[np.ndarray]:
    """Rows 0..count-1 in blocks of `BLOCK_ROWS`, as indexing adds them to a vector index."""
    for start in range(0, count, BLOCK_ROWS):
        yield np.arange(start, min(start + BLOCK_ROWS, count), dtype=np.int64)
