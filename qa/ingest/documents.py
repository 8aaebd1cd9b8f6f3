"""Documents from text: a stable id from the text itself, and a title from its first line."""

from __future__ import annotations

import hashlib
import re
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
        first_line = _first_line(text[:_TITLE_SCAN])
        title = first_line if 0 < len(first_line) <= 150 else source
    return Document(document_id(text), title, source, text, tuple(pages))


_FRONT_MATTER = re.compile(r"\A\s*(---|\+\+\+)\n.*?\n\1[ \t]*(\n|\Z)", re.S)


def _first_line(head: str) -> str:
    """The first line with a letter or digit in it, after any YAML/TOML front matter (a
    Markdown file's `---` block) and lines of rules or symbols only; `#` marks dropped."""
    for line in _FRONT_MATTER.sub("", head, count=1).split("\n"):
        line = line.strip().lstrip("#").strip()
        if any(ch.isalnum() for ch in line):
            return line
    return ""
