"""Where a sentence sits in its document: the headings above it (heading > subheading), which
give its sentences their context instead of being cited themselves."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from qa.ingest.blocks import Block, BlockKind
from qa.ingest.structure import text_blocks
from qa.types import Document

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
MAX_HEADING_CHARS = 200  # a "heading" longer than this is shown cut, never in full


@dataclass(frozen=True)
class Heading:
    """A heading's start in its document, its level (1 outermost) and its text."""

    start: int
    level: int
    text: str


def is_markdown(document: Document) -> bool:
    """Whether the document is read as Markdown: its file is a .md or .markdown file."""
    return PurePath(document.source).suffix.lower() in MARKDOWN_SUFFIXES


def document_blocks(document: Document) -> list[Block]:
    """The document's blocks (`qa.ingest.structure.text_blocks`), read as Markdown or plain."""
    return text_blocks(document.text, is_markdown(document))


def headings_of(text: str, blocks: Sequence[Block]) -> tuple[Heading, ...]:
    """The heading blocks of `blocks`, in order."""
    return tuple(
        Heading(b.start, b.level, " ".join(text[b.start : b.end].split())[:MAX_HEADING_CHARS])
        for b in blocks
        if b.kind is BlockKind.HEADING
    )


def laid_out_ranges(blocks: Sequence[Block]) -> tuple[tuple[int, int], ...]:
    """The `[start, end)` ranges of the code blocks and table rows of `blocks`: text whose
    line breaks are its layout rather than wraps."""
    return tuple((b.start, b.end) for b in blocks if b.kind in _LAID_OUT)


_LAID_OUT = frozenset({BlockKind.CODE, BlockKind.TABLE_ROW})
_ENTRY_MARK = re.compile(r"^[\s•◦▪‣*+\-–—]+")
_DOT_LEADER = re.compile(r"\s*[.·…_]{2,}[\s.·…_]*\d*\s*$")


def entry_mark(text: str) -> str:
    """The list mark a contents entry opens with ("•", "-"; "" for none), as `contents_key`
    reads it."""
    mark = _ENTRY_MARK.match(text)
    return mark.group().strip() if mark else ""


def contents_key(text: str) -> str:
    """`text` as a contents list and its heading both write it: without a list mark before
    it or dot leaders and a page number after it, white space runs as one space, case folded."""
    text = _DOT_LEADER.sub("", _ENTRY_MARK.sub("", text))
    return " ".join(text.split()).casefold()


class Sections:
    """The section path at any offset of one document: the nearest heading before it of each
    level above, outermost first (a heading closes those of its level and deeper); and which
    offsets lie in code or a table (`laid_out_ranges`)."""

    def __init__(
        self, headings: Sequence[Heading], laid_out: Sequence[tuple[int, int]] = ()
    ) -> None:
        self._laid_out = sorted(laid_out)
        self._laid_out_starts = [start for start, _ in self._laid_out]
        self._starts = [h.start for h in headings]
        self.starts = frozenset(self._starts)
        self._by_text: dict[str, int] = {}
        for heading in headings:
            self._by_text.setdefault(contents_key(heading.text), heading.start)
        self._paths: list[tuple[str, ...]] = []
        stack: list[Heading] = []
        for heading in headings:
            while stack and stack[-1].level >= heading.level:
                stack.pop()
            stack.append(heading)
            self._paths.append(tuple(h.text for h in stack))

    def at(self, offset: int) -> tuple[str, ...]:
        """The path of headings that `offset` (a sentence's start) sits under; () before the
        first heading."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return self._paths[index] if index >= 0 else ()

    def named(self, text: str, start: int) -> int | None:
        """The start of the heading that `text`, a sentence starting at `start`, names as
        an entry of a contents list ("4. Valgrind behaves unexpectedly", "• Triagers",
        "Introduction ....... 3"): a heading elsewhere with the same words (`contents_key`)."""
        if start in self.starts or len(text) > MAX_HEADING_CHARS:
            return None
        found = self._by_text.get(contents_key(text))
        return found if found != start else None

    def laid_out(self, offset: int) -> bool:
        """Whether `offset` lies in a code block or a table row."""
        index = bisect.bisect_right(self._laid_out_starts, offset) - 1
        return index >= 0 and offset < self._laid_out[index][1]
