"""Markdown's blocks, from markdown-it-py's block tokens (CommonMark with tables), whose source
line ranges give each block's exact offsets in the original text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from qa.ingest.blocks import Block, BlockKind, stripped

# YAML or TOML front matter: no blank line inside, unlike two thematic breaks.
_FRONT_MATTER = re.compile(r"(---|\+\+\+)[ \t]*\n(?:.*\S.*\n)*?(?:\1|\.\.\.)[ \t]*(?:\n|$)")
_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")
_CONTAINERS = {"blockquote_open": BlockKind.QUOTE, "list_item_open": BlockKind.LIST_ITEM}


@lru_cache(maxsize=1)
def _markdown_parser() -> Any:  # noqa: ANN401 - markdown_it.MarkdownIt
    from markdown_it import MarkdownIt

    # Only the block structure is needed: the inline rules would be most of the time.
    return MarkdownIt("commonmark").enable("table").disable("inline")


def markdown_blocks(text: str) -> list[Block]:
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    front = _FRONT_MATTER.match(text)
    skipped = front.group(0).count("\n") if front else 0
    # Same lines, same line numbers: front matter left out, a stray \r read as a space.
    source = "\n" * skipped + text[front.end() if front else 0 :].replace("\r", " ")
    blocks: list[Block] = []
    containers: list[BlockKind] = []
    tokens = _markdown_parser().parse(source)
    for at, token in enumerate(tokens):
        if token.type in _CONTAINERS:
            containers.append(_CONTAINERS[token.type])
        elif token.type in ("blockquote_close", "list_item_close"):
            containers.pop()
        elif token.map is not None:
            first, last = token.map[0], token.map[1] - 1
            kind = containers[-1] if containers else BlockKind.PARAGRAPH
            blocks.extend(_markdown_leaf(text, starts, token, tokens, at, first, last, kind))
    return blocks


def _markdown_leaf(
    text: str,
    starts: list[int],
    token: Any,  # noqa: ANN401 - markdown_it.token.Token
    tokens: list[Any],
    at: int,
    first: int,
    last: int,
    kind: BlockKind,
) -> Iterator[Block]:
    """The blocks of one leaf token (lines `first..last`), split at blank lines."""
    if token.type == "heading_open":
        content = tokens[at + 1].content
        if content:
            last = last if token.markup.startswith("#") else last - 1  # no setext underline
            yield _heading(text, starts, first, last, content, int(token.tag[1]))
        return
    if token.type == "paragraph_open":
        pass
    elif token.type == "tr_open":
        kind = BlockKind.TABLE_ROW
    elif token.type in ("fence", "code_block"):
        kind = BlockKind.CODE
        if token.type == "fence":
            first += 1
            fence = re.compile(
                rf"[ \t>]*{re.escape(token.markup[0])}{{{len(token.markup)},}}[ \t]*"
            )
            if last >= first and fence.fullmatch(_line(text, starts, last)):
                last -= 1
    elif token.type == "html_block" and not token.content.lstrip().startswith("<!--"):
        kind = BlockKind.CODE
    else:
        return  # hr, comments, the tokens that open lists and tables
    if last >= first:
        yield from _unblanked(text, starts[first], _line_end(text, starts, last), kind)


def _heading(
    text: str, starts: list[int], first: int, last: int, content: str, level: int
) -> Block:
    """A heading's block: its title text, without `#` marks or underline."""
    head = content.split("\n", 1)[0]
    start = text.find(head, starts[first], _line_end(text, starts, first))
    if start < 0:  # not found as written (a tab markdown-it expanded): the whole line
        start = starts[first]
    end = _line_end(text, starts, last)
    if "\n" not in content:
        found = text.find(content, start, end)
        if found >= 0:
            start, end = found, found + len(content)
    block = stripped(text, start, end)
    return Block(block[0], block[1], BlockKind.HEADING, level)


def _line(text: str, starts: list[int], number: int) -> str:
    return text[starts[number] : _line_end(text, starts, number)]


def _line_end(text: str, starts: list[int], number: int) -> int:
    return starts[number + 1] - 1 if number + 1 < len(starts) else len(text)


def _unblanked(text: str, start: int, end: int, kind: BlockKind) -> Iterator[Block]:
    """`text[start:end]` cut at blank lines, each piece stripped, empty ones left out."""
    for brk in _BLANK_LINES.finditer(text, start, end):
        piece = stripped(text, start, brk.start())
        if piece[1] > piece[0]:
            yield Block(piece[0], piece[1], kind)
        start = brk.end()
    piece = stripped(text, start, end)
    if piece[1] > piece[0]:
        yield Block(piece[0], piece[1], kind)
