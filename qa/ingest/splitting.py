"""Sentence splitting with exact character offsets into the original text.

The text is first cut into blocks at blank lines (so a headline without a full stop stands
alone), each block is split by pysbd's English rules (abbreviations such as U.S., Dr., No. 5,
decimals, lists, quotations), and every piece is then cut after Chinese sentence enders
(。！？；, the Chinese ellipsis …… and a ; ! ? after a Chinese character), Simplified or
Traditional, with closing quotes and brackets kept on the sentence they close. A piece still
longer than its limit (`max_chars`: a list or a table without full stops) is cut at its last
clause mark, else space, before the limit. Offsets come from positions in the original
string, never from re-joined text, so `text[start:end] == sentence` holds by construction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from qa.ingest.language import CJK, is_chinese

PROGRESS_EVERY = 100_000
# Longer pieces are cut: the embedders read about 1,000 English characters (all-MiniLM-L6-v2's
# 256 tokens) or 500 Chinese ones (multilingual-e5-small's 512) at most. Measured: no
# sentence of CMRC 2018 or DRCD dev reaches 310 characters, none of SQuAD dev 1,000.
MAX_SENTENCE_CHARS = 1000
MAX_CHINESE_SENTENCE_CHARS = 500
_BLOCK_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# A Chinese ender (or a half-width ; ! ? after a CJK character), plus any closing quotes and
# brackets that belong to the same sentence.
_CLOSERS = "」』”’）)》】\"'"
_CJK_END = re.compile(rf"(?:[。！？；]+|…{{2,}}|(?<=[{CJK}])[;!?]+)[{_CLOSERS}]*")
# Where an overlong piece may be cut: after a clause mark, else at white space.
_CUT_AFTER = (re.compile(r"[，、；：,;:]"), re.compile(r"\s"))


@dataclass(frozen=True)
class Span:
    """A sentence's exact `[start, end)` character range in the text it came from."""

    start: int
    end: int


def split_sentences(text: str) -> list[Span]:
    """Split `text` into sentence spans without leading or trailing white space.

    Args:
        text: Any text; English, Chinese or mixed.

    Returns:
        Spans in order; `text[s.start:s.end]` is each sentence, stripped, never empty.
    """
    return [span for block in split_blocks(text) for span in block]


def split_blocks(text: str, progress: Callable[[int], None] | None = None) -> list[list[Span]]:
    """The sentence spans of `split_sentences`, grouped by block (text between blank lines);
    blocks without a sentence are left out. `progress(characters_done)` is called about every
    `PROGRESS_EVERY` characters of a long text."""
    blocks: list[list[Span]] = []
    reported = 0
    for block_start, block_end in _blocks(text):
        if progress is not None and block_start - reported >= PROGRESS_EVERY:
            progress(block_start)
            reported = block_start
        spans = [
            span
            for start, end in _english_pieces(text, block_start, block_end)
            for span in _cjk_pieces(text, start, end)
        ]
        if spans:
            blocks.append(spans)
    return blocks


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for brk in _BLOCK_BREAK.finditer(text):
        yield start, brk.start()
        start = brk.end()
    yield start, len(text)


def _english_pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """pysbd's sentence boundaries in `text[start:end]`, each moved past closing quotes."""
    block = text[start:end]
    if not block.strip():
        return
    boundaries = [0]
    cursor = 0
    for segment in _segmenter().segment(block):
        stripped = segment.strip()
        found = block.find(stripped, cursor) if stripped else -1
        if found < 0:
            # pysbd changed the text (it should not with clean=False); keep the rest whole
            # rather than inventing offsets.
            break
        cursor = found + len(stripped)
        while cursor < len(block) and block[cursor] in _CLOSERS:
            cursor += 1
        boundaries.append(cursor)
    boundaries.append(len(block))
    for left, right in zip(boundaries, boundaries[1:]):
        if right > left:
            yield start + left, start + right


def _cjk_pieces(text: str, start: int, end: int) -> Iterator[Span]:
    piece_start = start
    for match in _CJK_END.finditer(text, start, end):
        if match.group(0)[0] in "；;" and _open_bracket(text, piece_start, match.start()):
            continue  # a semicolon inside brackets separates items, not sentences
        yield from _stripped(text, piece_start, match.end())
        piece_start = match.end()
    yield from _stripped(text, piece_start, end)


def _open_bracket(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` leaves a round bracket open."""
    piece = text[start:end]
    return piece.count("（") + piece.count("(") > piece.count("）") + piece.count(")")


def _stripped(text: str, start: int, end: int) -> Iterator[Span]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # The cheap test first: no piece this short is ever cut.
    while end - start > MAX_CHINESE_SENTENCE_CHARS:
        most = max_chars(text, start, end)
        if end - start <= most:
            break
        cut = _cut(text, start, most)
        yield from _stripped(text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield Span(start, end)


def max_chars(text: str, start: int, end: int) -> int:
    """The longest a sentence in `text[start:end]` may be: `MAX_CHINESE_SENTENCE_CHARS` for
    Chinese text (`qa.ingest.language.is_chinese`), else `MAX_SENTENCE_CHARS`."""
    chinese = is_chinese(text[start : min(end, start + MAX_SENTENCE_CHARS)])
    return MAX_CHINESE_SENTENCE_CHARS if chinese else MAX_SENTENCE_CHARS


def _cut(text: str, start: int, most: int) -> int:
    """Where to end a piece of an overlong sentence starting at `start`: after its last
    clause mark in the second half of its `most` characters, else after its last space
    there, else at `most`."""
    limit = start + most
    for mark in _CUT_AFTER:
        ends = [m.end() for m in mark.finditer(text, start + most // 2, limit)]
        if ends:
            return ends[-1]
    return limit


@lru_cache(maxsize=1)
def _segmenter():  # noqa: ANN202 - pysbd has no type hints
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)
