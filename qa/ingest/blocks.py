"""A document's blocks (paragraphs, headings, list items, table rows, code, quotes) as exact
ranges of its text; `qa.ingest.structure` finds them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class BlockKind(Enum):
    """What a block is; only paragraphs, list items and quotes are running prose."""

    PARAGRAPH = "paragraph"
    HEADING = "heading"
    LIST_ITEM = "list_item"
    TABLE_ROW = "table_row"
    CODE = "code"
    QUOTE = "quote"


@dataclass(frozen=True)
class Block:
    """One block's exact `[start, end)` range in its text, its kind, and a heading's level
    (1-6; 0 for other blocks)."""

    start: int
    end: int
    kind: BlockKind
    level: int = 0


def stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """`[start, end)` narrowed past the white space at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
