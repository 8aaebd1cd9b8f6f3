"""What indexing embeds for each sentence, and in which calls: one plan that the FAISS store,
Milvus and `qa index --ray` all follow, so each gets exactly the same vectors."""

from __future__ import annotations

import re
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
    """The text embedded and indexed for BM25 for sentence `row`: the sentence with its line
    wraps undone (`unwrapped`), after the headings it sits under (`Corpus.section_of`, joined
    by " > ") and ": ", and before those its document's title when `titled`
    (`Settings.titled`) and the document has a title of its own (a headline or the file's
    metadata, not its file name) other than the sentence. A sentence under no heading, of an
    untitled collection, is indexed as it stands."""
    sentence = corpus.sentences[row]
    document = corpus.documents[sentence.doc_id]
    context = list(corpus.section_of(sentence))
    if titled and document.title not in (document.source, sentence.text):
        context.insert(0, document.title)
    text = unwrapped(sentence.text)
    return f"{' > '.join(context)}: {text}" if context else text


# A typesetter's hyphen (man pages: U+2010, or a soft hyphen) at a line end splits one word;
# an ASCII hyphen there is kept (a compound's, "self-\\ncontained"), only the break goes; any
# other line break, with the spaces around it and an e-mail quote's "> " after it, is a space.
_WRAP = re.compile(
    r"(?P<typeset>(?<=[^\W\d_])[\u2010\u00ad]\n[ \t>]*(?=[^\W\d_]))"
    r"|(?P<ascii>(?<=[^\W\d_])-\n[ \t>]*(?=[^\W\d_]))"
    r"|[ \t]*\n[ \t>]*"
)


def _undone(wrap: re.Match[str]) -> str:
    """What a line wrap `_WRAP` found is read as."""
    return "" if wrap.group("typeset") else "-" if wrap.group("ascii") else " "


def unwrapped(text: str) -> str:
    """`text` as one line: a word a typesetter hyphenated across a line end joined
    ("Lem\u2010\\npel" -> "Lempel"), an ASCII hyphen at a line end kept without the break,
    other line breaks (and an e-mail quote's "> " after them) a space. The sentence itself,
    and so its offsets, stays as written; this is what the models read."""
    return _WRAP.sub(_undone, text) if "\n" in text else text


def unwrapped_with_offsets(text: str) -> tuple[str, list[int]]:
    """`unwrapped(text)` and, for each of its characters, the offset in `text` it stands
    for, so that a span the reader marks in the unwrapped text is cited in the original."""
    pieces: list[str] = []
    offsets: list[int] = []
    position = 0
    for wrap in _WRAP.finditer(text):
        written = _undone(wrap)
        pieces += [text[position : wrap.start()], written]
        offsets += [*range(position, wrap.start()), *[wrap.start()] * len(written)]
        position = wrap.end()
    pieces.append(text[position:])
    offsets += range(position, len(text))
    return "".join(pieces), offsets


def row_blocks(count: int) -> Iterator[np.ndarray]:
    """Rows 0..count-1 in blocks of `BLOCK_ROWS`, as indexing adds them to a vector index."""
    for start in range(0, count, BLOCK_ROWS):
        yield np.arange(start, min(start + BLOCK_ROWS, count), dtype=np.int64)
