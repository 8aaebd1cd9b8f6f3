"""Documents from text: a stable id from the text itself, and a title from its first line."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from qa.types import Document

_HASH_CHARS = 1 << 20
_TITLE_SCAN = 2_000  # a title is sought among the first characters only


def document_id(text: str) -> str:
    """A stable id for a document: the first 16 hex digits of its text's SHA-256."""
    digest = hashlib.sha256()
    for start in range(0, len(text), _HASH_CHARS):  # no copy of a large text at once
        digest.update(text[start : start + _HASH_CHARS].encode("utf-8"))
    return digest.hexdigest()[:16]


def make_document(
    text: str, source: str, title: str | None = None, pages: Sequence[int] = ()
) -> Document:
    """Build a `Document`, titling it by its first line (a Markdown heading's `#` marks
    dropped) when that line is headline-sized.

    `pages`: the offsets in `text` where each page starts, the first at 0 (PDF)."""
    if title is None:
        first_line = text[:_TITLE_SCAN].strip().split("\n", 1)[0].lstrip("#").strip()
        title = first_line if 0 < len(first_line) <= 150 else source
    return Document(document_id(text), title, source, text, tuple(pages))
