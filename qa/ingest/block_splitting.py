"""Sentences within a document's structure: each block (`qa.ingest.structure`) is split on
its own, so a sentence never crosses a paragraph, heading, list item or table row, and a
rule or underline is in no sentence.

A heading is one sentence, whatever full stops it has ("1.1. How do you pronounce it?"); it
opens the passage of the block under it. A run of list items or table rows is one passage,
as is each paragraph, quote or code block. A fragment opening the answer under a FAQ's
question ("Yes!", "No.", "From Nordic mythology.") is one sentence with the sentence after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.ingest.blocks import Block, BlockKind, stripped
from qa.ingest.language import CJK_CHAR
from qa.ingest.splitting import PROGRESS_EVERY, Span, max_chars, split_block

_RUNS = frozenset({BlockKind.LIST_ITEM, BlockKind.TABLE_ROW})
_FRAGMENT_WORDS = 3
_FRAGMENT_CHARS = 40
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of letters (not "1.", "e.", "A.")


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
        spans = _sentences(text, block, _asks(text, previous))
        if not spans:
            continue
        if passages and _continues(previous, block):
            passages[-1].extend(spans)
        else:
            passages.append(spans)
        previous = block
    return passages


def _asks(text: str, block: Block | None) -> bool:
    """Whether `block` is a heading that asks a question (a FAQ's)."""
    if block is None or block.kind is not BlockKind.HEADING:
        return False
    return text[block.start : block.end].rstrip(" \t\n\"'”’)").endswith(("?", "？"))


def _sentences(text: str, block: Block, under_question: bool) -> list[Span]:
    start, end = stripped(text, block.start, block.end)  # str.isspace() is the judge here
    if start >= end:
        return []
    if block.kind is BlockKind.HEADING and end - start <= max_chars(text, start, end):
        return [Span(start, end)]
    spans = split_block(text, block.start, block.end)
    if under_question and len(spans) > 1 and _is_fragment(text[spans[0].start : spans[0].end]):
        # A FAQ answer opening with "Yes!", "No." or "From Nordic mythology." (at most three
        # words) under its question is one sentence with the one after it: alone, that is a
        # citation saying nothing, and the sentence after it loses what it answers.
        return [Span(spans[0].start, spans[1].end), *spans[2:]]
    return spans


def _is_fragment(sentence: str) -> bool:
    return (
        len(sentence) <= _FRAGMENT_CHARS
        and sentence[-1] in ".!"
        and 0 < len(_WORD.findall(sentence)) <= _FRAGMENT_WORDS
        and not CJK_CHAR.search(sentence)  # a Chinese sentence has no spaces between words
    )


def _continues(previous: Block | None, block: Block) -> bool:
    """Whether `block` belongs to the passage `previous` is in."""
    if previous is None or block.kind is BlockKind.HEADING:
        return False
    if previous.kind is BlockKind.HEADING:
        return True
    return previous.kind in _RUNS and block.kind is previous.kind
