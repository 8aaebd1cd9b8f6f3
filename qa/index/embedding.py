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
# an ASCII hyphen there is kept (a compound's, "self-\\ncontained"), only the break goes.
_TYPESET_HYPHEN = re.compile(r"(?<=[^\W\d_])[\u2010\u00ad]\n[ \t>]*(?=[^\W\d_])")
_ASCII_HYPHEN = re.compile(r"(?<=[^\W\d_])-\n[ \t>]*(?=[^\W\d_])")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t>]*")


def unwrapped(text: str) -> str:
    """`text` as one line: a word a typesetter hyphenated across a line end joined
    ("Lem\u2010\\npel" -> "Lempel"), an ASCII hyphen at a line end kept without the break,
    other line breaks (and an e-mail quote's "> " after them) a space. The sentence itself,
    and so its offsets, stays as written; this is what the models read."""
    if "\n" not in text:
        return text
    text = _ASCII_HYPHEN.sub("-", _TYPESET_HYPHEN.sub("", text))
    return _LINE_BREAK.sub(" ", text)


_UNWRAP = re.compile(
    f"(?P<typeset>{_TYPESET_HYPHEN.pattern})|(?P<ascii>{_ASCII_HYPHEN.pattern})|{_LINE_BREAK.pattern}"
)


def unwrapped_with_offsets(text: str) -> tuple[str, list[int]]:
    """`unwrapped(text)` and, for each of its characters, the offset in `text` it stands
    for, so that a span the reader marks in the unwrapped text is cited in the original."""
    pieces: list[str] = []
    offsets: list[int] = []
    position = 0
    for match in _UNWRAP.finditer(text):
        pieces.append(text[position : match.start()])
        offsets.extend(range(position, match.start()))
        written = "" if match.group("typeset") else "-" if match.group("ascii") else " "
        pieces.append(written)
        offsets.extend([match.start()] * len(written))
        position = match.end()
    pieces.append(text[position:])
    offsets.extend(range(position, len(text)))
    return "".join(pieces), offsets


def row_blocks(count: int) -> Iterator[np.ndarray]:
    """Rows 0..count-1 in blocks of `BLOCK_ROWS`, as indexing adds them to a vector index."""
    for start in range(0, count, BLOCK_ROWS):
        yield np.arange(start, min(start + BLOCK_ROWS, count), dtype=np.int64)
