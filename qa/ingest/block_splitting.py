"""Sentences within a document's structure: each block (`qa.ingest.structure`) is split on
its own, so a sentence never crosses a paragraph, heading, list item or table row, and a
rule or underline is in no sentence.

A heading is one sentence, whatever full stops it has ("1.1. How do you pronounce it?"); it
opens the passage of the block under it. A run of list items or table rows is one passage,
as is each paragraph, quote or code block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.ingest.blocks import Block, BlockKind, stripped
from qa.ingest.splitting import PROGRESS_EVERY, Span, max_chars, split_block

_RUNS = frozenset({BlockKind.LIST_ITEM, BlockKind.TABLE_ROW})


def split_structured(
    text: str, blocks: Sequence[Block], progress: Callable[[int], None] | None = None
) -> list[list[Span]]:
    """The sentence spans of `text`'s `blocks`, grouped into passages (see the module
    docstring); `progress(characters_done)` is called about every `PROGRESS_EVERY`
    characters."""
    passages: list[list[Span]] = []
    previous: Block | None = None
    reported = 0
    for block in blocks:
        if progress is not None and block.start - reported >= PROGRESS_EVERY:
            progress(block.start)
            reported = block.start
        spans = _sentences(text, block)
        if not spans:
            continue
        if passages and _continues(previous, block):
            passages[-1].extend(spans)
        else:
            passages.append(spans)
        previous = block
    return passages


def _sentences(text: str, block: Block) -> list[Span]:
    start, end = stripped(text, block.start, block.end)  # str.isspace() is the judge here
    if start >= end:
        return []
    if block.kind is BlockKind.HEADING and end - start <= max_chars(text, start, end):
        return [Span(start, end)]
    return split_block(text, block.start, block.end)


def _continues(previous: Block | None, block: Block) -> bool:
    """Whether `block` belongs to the passage `previous` is in."""
    if previous is None or block.kind is BlockKind.HEADING:
        return False
    if previous.kind is BlockKind.HEADING:
        return True
    return previous.kind in _RUNS and block.kind is previous.kind
