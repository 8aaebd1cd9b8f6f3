"""Sentence splitting with exact character offsets into the original text.

The text is first cut into blocks at blank lines (so a headline without a full stop stands
alone). In a block a line break is only white space, so a hard-wrapped line never ends a
sentence: each block is split by sentencex's English rules (abbreviations such as U.S., Dr.,
No. 5, decimals, quotations; Wikimedia's segmenter, https://github.com/wikimedia/sentencex,
chosen by measurement in docs/quality.md) on a copy of it whose line breaks are spaces, a list
number ("1.", "b)") is kept with its item, and every piece is then cut after Chinese sentence
enders (。！？；, the Chinese ellipsis …… and a ; ! ? after a Chinese character), Simplified or
Traditional, with closing quotes and brackets kept on the sentence they close. A piece still
longer than its limit (`max_chars`: a list or a table without full stops) is cut at its last
clause mark, else space, before the limit. Offsets come from positions in the original
string, never from re-joined text, so `text[start:end] == sentence` holds by construction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise

from sentencex import get_sentence_boundaries

from qa.ingest.language import CJK, is_chinese

PROGRESS_EVERY = 100_000
# Bumped whenever splitting changes the sentences it gives, so caches built by an older one
# (the sample's index) are built again.
SPLITTER_VERSION = 5
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
# What a sentence ends with, before its closing quotes and brackets.
_ENDERS = ".!?。！？．…"
# Quotes and brackets that may open a sentence.
_OPENERS = "「『“‘（(《【\"'"
# `_CJK_END` can only match where one of these is (or the character before a piece is): a
# test 50 times faster than `_CJK_END` itself on English text.
_CJK_HINT = re.compile(f"[。！？；…{CJK}]")
# Line breaks other than \n and \r, which sentencex would take for sentence ends.
_OTHER_LINE_BREAK = re.compile("[\v\f\x1c-\x1e\x85\u2028\u2029]")
# A list item's number or letter ("1.", "(2)", "b)", "iv."): never a sentence of its own.
_LIST_NUMBER = re.compile(r"\s*\(?(?:\d{1,3}|[A-Za-z]|[ivx]{2,4})[.)]\s*")
# "Steps: 1." ends before the number, which starts the first item; both are looked for in the
# last `_LIST_TAIL` characters of a sentence.
_LIST_TAIL = 16
_LIST_AFTER_COLON = re.compile(r"[:：]\s+(\(?(?:\d{1,3}|[A-Za-z]|[ivx]{2,4})[.)])\s*$")
# sentencex takes time slightly more than linear in its input's length (0.1 s for 800 KB,
# 0.8 s for 3.2 MB), so it reads a long block in windows this long.
_WINDOW = 20_000
# A sentence start closer than this to a window's end may move once sentencex reads on.
_LOOKAHEAD = 300
# sentencex splits nothing in a text that opens with a bullet and a space ("• One. Two." is
# one sentence), so it is given a leading bullet as a hyphen, one character for one.
_LEADING_BULLET = re.compile(r"^(\s*)[•⁃⁌⁍■□▪▫▶▸►◆◇○●◦★☆➢➣➤]")
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
        spans = split_block(text, block_start, block_end)
        if spans:
            blocks.append(spans)
    return blocks


def split_block(text: str, start: int, end: int) -> list[Span]:
    """Split one block, `text[start:end]`, in which a line break is only white space.

    Args:
        text: The whole text the block lies in.
        start: Where the block starts in `text`.
        end: Where it ends.

    Returns:
        Spans in order with offsets into `text`; `text[s.start:s.end]` is each sentence,
        stripped, never empty. A hard-wrapped block gives the spans of the same block with
        its line breaks written as spaces.
    """
    return [
        span
        for piece_start, piece_end in _english_pieces(text, start, end)
        for span in _cjk_pieces(text, piece_start, piece_end)
    ]


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for brk in _BLOCK_BREAK.finditer(text):
        yield start, brk.start()
        start = brk.end()
    yield start, len(text)


def _english_pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """sentencex's sentences in `text[start:end]`, read with its line breaks as spaces (one
    character for one, so offsets do not move)."""
    block = text[start:end]
    if not block.strip():
        return
    flat = block.replace("\n", " ").replace("\r", " ")
    if _OTHER_LINE_BREAK.search(flat):
        flat = _OTHER_LINE_BREAK.sub(" ", flat)
    bounds = [0, *_sentence_starts(flat), len(flat)]
    for left, right in pairwise(bounds):
        yield start + left, start + right


def _sentence_starts(flat: str) -> Iterator[int]:
    """Where the sentences of `flat` after the first start, read `_WINDOW` characters at a
    time: each window starts at a sentence start and keeps the starts found before its last
    `_LOOKAHEAD` characters, whose sentence it has read whole."""
    window_start = 0
    while len(flat) - window_start > _WINDOW:
        window_end = window_start + _WINDOW
        safe = window_end - _LOOKAHEAD
        found = [s for s in _window_starts(flat, window_start, window_end) if s < safe]
        if not found:  # no sentence ends here: cut it anywhere, the length cut will anyway
            found = [_last_space(flat, window_start + _WINDOW // 2, safe)]
        yield from found
        window_start = found[-1]
    yield from _window_starts(flat, window_start, len(flat))


def _window_starts(flat: str, start: int, end: int) -> list[int]:
    """sentencex's sentence starts inside `flat[start:end]`, with quotes on the sentence they
    belong to (`_settle`), each after a sentence ender (`_after_ender`)."""
    bounds = [start]
    window = _LEADING_BULLET.sub(r"\1-", flat[start:end], count=1)
    for found in get_sentence_boundaries("en", window)[1:]:
        settled = _settle(flat, start + found["start_index"])
        if _after_ender(flat, settled):
            bounds.append(settled)
    bounds.append(end)
    return [s for s in _list_items_whole(flat, bounds) if start < s < end]


def _list_items_whole(flat: str, bounds: list[int]) -> list[int]:
    """`bounds` (sentence starts, then the end) with a list item's number ("1.", "b)") kept
    on its item: "Steps: 1." ends before the number, and a number alone joins what follows."""
    kept = [bounds[0]]
    for left, right in pairwise(bounds):
        left = max(left, kept[-1])
        item = _LIST_AFTER_COLON.search(flat, max(left, right - _LIST_TAIL), right)
        if item is not None:
            kept.append(item.start(1))
        short = right - kept[-1] <= _LIST_TAIL
        alone = short and _LIST_NUMBER.fullmatch(flat, kept[-1], right) is not None
        if right > kept[-1] and (right == bounds[-1] or not alone):
            kept.append(right)
    return kept


def _settle(flat: str, start: int) -> int:
    """Move a sentence start that follows the sentence before without a space: back before
    opening quotes that follow a space (they open this sentence), else on past closing quotes
    and brackets (they close the sentence before)."""
    if start == 0 or flat[start - 1].isspace():
        return start
    opening = start
    while opening > 0 and flat[opening - 1] in _OPENERS:
        opening -= 1
    if opening < start and (opening == 0 or flat[opening - 1].isspace()):
        return opening
    while start < len(flat) and flat[start] in _CLOSERS:
        start += 1
    return start


def _after_ender(flat: str, start: int) -> bool:
    """Whether white space separates `start` from a sentence ender before it (closing quotes
    and brackets aside). sentencex also ends sentences with no space after them ("Yahoo!奇摩",
    "T.F. Gilbert", "系列1.由于") or no ender ("西北 (A) 口"); the Chinese enders are cut
    later anyway."""
    before = start
    while before > 0 and flat[before - 1].isspace():
        before -= 1
    if before == start and not flat[start : start + 1].isspace():
        return False
    while before > 0 and flat[before - 1] in _CLOSERS:
        before -= 1
    return before > 0 and flat[before - 1] in _ENDERS


def _last_space(flat: str, start: int, end: int) -> int:
    space = max(flat.rfind(" ", start, end), flat.rfind("\t", start, end))
    return space + 1 if space >= 0 else end


def _cjk_pieces(text: str, start: int, end: int) -> Iterator[Span]:
    if _CJK_HINT.search(text, max(start - 1, 0), end) is None:  # no Chinese: the fast path
        yield from _stripped(text, start, end)
        return
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
