"""A document's blocks: paragraphs, headings, list items, table rows, code and quotes.

Markdown is parsed by markdown-it-py (CommonMark with tables), whose block tokens carry their
source lines. Plain text, which is also what the HTML, Word and PDF converters extract, is read
by the layout rules of hard-wrapped text files, READMEs, FAQs, e-mail and man pages:

- a blank line always ends a block; inside the lines between blank lines, wrapped lines are
  one paragraph, and a new block starts at a list marker (`- * + • 1. 1) (a) a)`), a table
  row (`| a | b |`), a heading line, quoted lines (`> `), or a FAQ answer (`A: `);
- a heading is a line (up to three) underlined, or over- and underlined, by `===` (level 1),
  `---` (2), `***` or `###` (1) or another repeated symbol (3); an ALL-CAPS line (man pages'
  NAME, level 2); a numbered section title (`2.3 Installing`: its number's depth), unless
  its neighbours are numbered items of its depth; a FAQ question (`1.2. ...?`: its number's
  depth; `Q: ...?`: level 6); a `# Title` line; or a short line (<= 80 characters, 30 with
  Chinese) starting with a capital, without final punctuation, alone between blank lines,
  followed by more text and not by another such line (level 2), but not in a run of such
  lines after a line ending with `:` (an unmarked list) nor after an unfinished sentence;
- lines of code (braces, `;` at line ends, `=`, calls, prompts, snake_case) or aligned
  columns, without sentences, are CODE; indentation alone is not (man pages indent prose);
- rule lines (`-----`, `***`), table separators (`|---|`, `+---+`) and code fences are
  left out of every block.

Every block is an exact `[start, end)` range of the text, stripped, never empty, in order and
not overlapping; both readings take time linear in the text's length.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from qa.ingest.blocks import Block, BlockKind, stripped
from qa.ingest.language import CJK_CHAR
from qa.ingest.markdown_blocks import markdown_blocks


def text_blocks(text: str, markdown: bool) -> list[Block]:
    """Cut a text into blocks (see the module docstring for the rules).

    Args:
        text: A document's whole text; `\\n` ends a line (converters normalise newlines).
        markdown: Read it as Markdown (a `.md` or `.markdown` file), else as plain text.

    Returns:
        Blocks in order; `text[b.start:b.end]` is non-empty and stripped and never spans a
        blank line. A heading's block is its title: no `#` marks, no underline. List items,
        quotes and table rows keep their markers (`- `, `> `, `|`).
    """
    return markdown_blocks(text) if markdown else _plain_blocks(text)


# --- plain text ----------------------------------------------------------------------------

# A line ending in one of these (closing quotes and brackets aside) is not a heading's.
_NOT_TITLE_END = frozenset(".!?:;,，。！？：；、")
_SENTENCE_END = frozenset(".!?。！？")
_CLOSERS = "\"'”’」』)）]】》"
_OPENERS = "\"'“‘「『(（[【《"
_SHORT = 80
_SHORT_CHINESE = 30
_RULE = re.compile(r"([-=~*#+_^])(?:[ \t]*\1){2,}")
_UNDERLINE_LEVEL = {"=": 1, "#": 1, "*": 1, "-": 2}  # other symbols: 3
_TABLE_SEPARATOR = re.compile(r"[|+:]?[-=]{3,}[-=:|+ \t]*|[|+][-=:|+ \t]*[-=]{3,}[-=:|+ \t]*")
_ITEM = re.compile(
    r"(?:[-*+•◦▪‣]|\d{1,3}[.)]|\(?[A-Za-z]\)|\((?:\d{1,3}|[ivxlc]{1,6}|[IVXLC]{1,6})\)"
    r"|\d{1,3}(?:\.\d{1,3})+\.?(?=[ \t]+[^\sa-z]))(?:[ \t]|$)"
)
_NUMBERED = re.compile(r"(\d{1,3}(?:\.\d{1,3})*)\.?[ \t]+(?=\S)")
_QUESTION = re.compile(r"(?:Q\d*|Question(?:[ \t]+\d+)?|问题?\d*)[ \t]*[:：.][ \t]*(?=\S)")
_ANSWER = re.compile(r"(?:A\d*|Answer|答)[ \t]*[:：]")
_ATX = re.compile(r"(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?")
_QUOTE_MARKS = re.compile(r"(?:>[ \t]?)+")
_FENCE = re.compile(r"`{3,}")
# Signs of code on a line; a sentence end is a sign of prose.
_CODE_SIGN = re.compile(
    r"[{}]|;$|^[$%#] |^>>> |::=|->|=>|[=!<>]=|[^\s=]\s?=\s?[^\s=]|&&|\|\||^\||^\.{0,2}/\w"
    r"|\w\((?!s\))(?!\d\w?\))[\w.]*\)|\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\"[^\"\w\s]+\"|^\.\.\.(?: |$)"
    r"|^(?:def|import|return|#include)\b"
    r"|^(?:sudo|make|cd|bash|sh|pip3?|npm|git|apt(?:-get)?|python3?|gcc|cc|cmake|cargo|export"
    r"|tar|curl|wget|docker|less)\s+(?:-|\S*[/.=]|install\b)"
)
_PROSE_SIGN = re.compile(
    rf"(?:[^\W\d_]|[{re.escape(_CLOSERS)}])[.!?。！？][{re.escape(_CLOSERS)}]*(?:\s|$)"
)
_COLUMN_GAP = re.compile(r"\S(?: {3,}|\t)\S")
# Not code by themselves: a link's query (?a=b), a man page's option (--width=COLS).
_NO_CODE_SIGN = re.compile(r"\b\w+://\S+|(?<!\S)--?\w[\w-]*\[?=\S*")  # \b: linear time
_GAP = re.compile(r"(?<=\S)(?: {2,}|\t+)(?=\S)")


@dataclass(frozen=True)
class _Line:
    start: int  # the first character that is not white space
    end: int  # past the last one
    indent: int  # columns of white space before `start`
    s: str  # text[start:end]


@dataclass
class _Unit:
    """A block being built: lines `first..last` of a group (indexes into its lines)."""

    kind: BlockKind
    first: int
    last: int
    level: int = 0
    fresh: bool = False  # starts a group or follows a rule line: may be a title
    depth: int = 0  # quote depth, or a numbered line's section depth
    span: tuple[int, int] | None = None  # a heading whose marks are left out


@dataclass
class _Group:
    """The lines between two blank lines and their blocks, or a block of fenced code."""

    lines: list[_Line]
    units: list[_Unit]
    code: Block | None = None


def _plain_blocks(text: str) -> list[Block]:
    groups: list[_Group] = []
    before: _Unit | None = None  # the last block of the group before
    for piece in _pieces(_lines(text)):
        if isinstance(piece, Block):
            groups.append(_Group([], [], piece))
            before = None
            continue
        units = _segment(piece, before)
        if units:  # a group of rule lines alone has none
            groups.append(_Group(piece, units))
            before = units[-1]
    _promote_titles(groups)
    blocks: list[Block] = []
    for group in groups:
        if group.code is not None:
            blocks.append(group.code)
        for unit in group.units:
            start, end = unit.span or (group.lines[unit.first].start, group.lines[unit.last].end)
            start, end = stripped(text, start, end)  # a `# Title` may end in odd space
            if end > start:
                blocks.append(Block(start, end, unit.kind, unit.level))
    return blocks


def _lines(text: str) -> list[_Line | None]:
    """Each line of `text`, None where it is blank."""
    lines: list[_Line | None] = []
    position = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = position + lead
            lines.append(
                _Line(start, start + len(stripped), len(raw[:lead].expandtabs()), stripped)
            )
        else:
            lines.append(None)
        position += len(raw) + 1
    return lines


def _pieces(lines: Sequence[_Line | None]) -> Iterator[list[_Line] | Block]:
    """Groups of lines between blank lines, and the CODE blocks of ``` fenced code."""
    fenced = _fenced(lines)
    group: list[_Line] = []
    code: list[_Line] = []
    for index, line in enumerate(lines):
        role = fenced.get(index)  # True: a line of code; False: a fence; None: neither
        if role is None and line is not None:
            if code:
                yield Block(code[0].start, code[-1].end, BlockKind.CODE)
                code = []
            group.append(line)
            continue
        if group:
            yield group
            group = []
        if role and line is not None:
            code.append(line)
        elif code:  # a fence, or a blank line inside or outside code
            yield Block(code[0].start, code[-1].end, BlockKind.CODE)
            code = []
    if group:
        yield group
    if code:
        yield Block(code[0].start, code[-1].end, BlockKind.CODE)


def _fenced(lines: Sequence[_Line | None]) -> dict[int, bool]:
    """Lines of ``` fenced code (True) and their fences (False); a fence never closed is an
    ordinary line."""
    fenced: dict[int, bool] = {}
    opened: tuple[int, int] | None = None  # the open fence's line and length
    for index, line in enumerate(lines):
        if line is None or not line.s.startswith("```"):
            continue
        if opened is None:
            if line.indent <= 3:
                opened = (index, len(line.s) - len(line.s.lstrip("`")))
        elif _FENCE.fullmatch(line.s) and len(line.s) >= opened[1]:
            fenced[opened[0]] = fenced[index] = False
            for inner in range(opened[0] + 1, index):
                fenced[inner] = True
            opened = None
    return fenced


def _segment(lines: list[_Line], before: _Unit | None) -> list[_Unit]:
    """The blocks of one group of lines between blank lines; `before` is the previous
    group's last block."""
    units: list[_Unit] = []
    current: _Unit | None = None
    fresh = True  # a title may start here: at the group's start or after a rule line
    grid = False  # inside a grid table (+---+ borders), whose rows span lines
    width = max(line.indent + len(line.s) for line in lines)
    index = 0
    while index < len(lines):
        line = lines[index]
        rule = _RULE.fullmatch(line.s)
        if rule or _TABLE_SEPARATOR.fullmatch(line.s):
            if rule and current is not None and _is_title(current, lines):
                current.kind = BlockKind.HEADING
                current.level = _UNDERLINE_LEVEL.get(line.s[0], 3)
            grid = not rule and (grid or "+" in line.s)
            current, fresh = None, bool(rule)
            index += 1
            continue
        grid = grid and _is_table_row(line.s)
        last = units[-1] if units else before
        unit = _start_of_block(lines, index, current, last, fresh, width, grid)
        if unit is None:
            assert current is not None  # only a block already begun is continued
            current.last = index
        elif unit.kind is BlockKind.QUOTE and not _QUOTE_MARKS.sub("", line.s, count=1):
            current = None  # a quoted blank line: no block, but the quoted paragraph ends
        else:
            current = unit
            units.append(unit)
        index = current.last + 1 if current is not None else index + 1
        fresh = False
    return [_coded(unit, lines) for unit in units]


def _start_of_block(
    lines: list[_Line],
    index: int,
    current: _Unit | None,
    last: _Unit | None,
    fresh: bool,
    width: int,
    grid: bool,
) -> _Unit | None:
    """The block that line `index` starts, or None when it continues `current`; `last` is the
    block before it, in this group or the one before."""
    line = lines[index]
    s = line.s
    kind = current.kind if current is not None else None
    quote = _quote_depth(s)
    if quote:
        same = current is not None and kind is BlockKind.QUOTE and current.depth == quote
        if same and _QUOTE_MARKS.sub("", s, count=1):
            return None
        return _Unit(BlockKind.QUOTE, index, index, depth=quote)
    if _is_table_row(s):
        if grid and kind is BlockKind.TABLE_ROW:
            return None  # one row of a grid table, in several lines
        return _Unit(BlockKind.TABLE_ROW, index, index)
    previous = lines[index - 1] if index else None
    after_end = (
        fresh
        or previous is None
        or _last_char(previous.s) in _SENTENCE_END
        or previous.indent + len(previous.s) < 0.6 * width
        or kind is BlockKind.HEADING
    )
    heading = _heading_at(lines, index, last, fresh, after_end)
    if heading is not None:
        return heading
    # A wrapped line may start with a number ("... in chapter\n3. Tickets..."): a numbered
    # item needs a line before it that ended a sentence or an item, or was short.
    if _ITEM.match(s) and (after_end or kind is BlockKind.LIST_ITEM or not s[0].isdigit()):
        return _Unit(BlockKind.LIST_ITEM, index, index, fresh=fresh, depth=_depth(s))
    if current is None or kind not in _RUNNING or (after_end and _ANSWER.match(s)):
        # "A: ..." after a question answers it; after a line that ends mid-sentence, it is
        # the sentence's wrapped rest ("Tide tide;\nA: ...")
        return _Unit(BlockKind.PARAGRAPH, index, index, fresh=fresh)
    if kind is BlockKind.LIST_ITEM and _item_ended(lines, index, current, width):
        return _Unit(BlockKind.PARAGRAPH, index, index)
    return None


def _depth(s: str) -> int:
    """The depth of a line's section number (2 for `2.3 Installing`), 0 without one."""
    numbered = _NUMBERED.match(s)
    return numbered.group(1).count(".") + 1 if numbered else 0


def _is_table_row(s: str) -> bool:
    return s.startswith("|") and s.count("|") >= 2


_RUNNING = frozenset({BlockKind.PARAGRAPH, BlockKind.LIST_ITEM})


def _item_ended(lines: list[_Line], index: int, item: _Unit, width: int) -> bool:
    """Whether line `index`, after a list item, is a new paragraph: not indented past the
    item's marker, after a line that ended a sentence well before the group's width, starting
    like a sentence."""
    line, previous = lines[index], lines[index - 1]
    return (
        line.indent <= lines[item.first].indent
        and _last_char(previous.s) in _SENTENCE_END
        and previous.indent + len(previous.s) < 0.6 * width
        and not line.s[0].islower()
    )


def _heading_at(
    lines: list[_Line], index: int, last: _Unit | None, fresh: bool, after_end: bool
) -> _Unit | None:
    """A heading starting at line `index`: `# Title`, a FAQ question, a numbered title or an
    ALL-CAPS line (underlined titles are found at their underline); a numbered line after or
    before a numbered list item of its depth is an item too."""
    line = lines[index]
    s = line.s
    following = lines[index + 1] if index + 1 < len(lines) else None
    atx = _ATX.fullmatch(s)
    if atx and fresh and line.indent == 0 and atx.group(2) and _short(atx.group(2)):
        start = line.start + atx.start(2)
        return _Unit(
            BlockKind.HEADING,
            index,
            index,
            len(atx.group(1)),
            span=(start, start + len(atx.group(2))),
        )
    numbered = _NUMBERED.match(s)
    depth = numbered.group(1).count(".") + 1 if numbered else 0
    if numbered and (
        (last is not None and last.kind is BlockKind.LIST_ITEM and last.depth == depth)
        or (following is not None and _ITEM.match(following.s) and _depth(following.s) == depth)
    ):
        after_end = False  # one of a numbered list
    if after_end and (numbered or _QUESTION.match(s)):
        question = _question_end(lines, index)
        if question is not None:
            return _Unit(BlockKind.HEADING, index, question, depth or 6, fresh=fresh)
    if after_end and numbered and depth > 1 and s[numbered.end()].isupper():
        title = _statement_end(lines, index)
        if title is not None:
            return _Unit(BlockKind.HEADING, index, title, depth, fresh=fresh)
    if numbered and (after_end or _glued_title(lines, index, numbered, depth)):
        heading = _numbered_heading(lines, index, numbered, depth, fresh, after_end)
        if heading is not None:
            return heading
    return _caps_heading(lines, index, fresh)


def _numbered_heading(
    lines: list[_Line],
    index: int,
    numbered: re.Match[str],
    depth: int,
    fresh: bool,
    after_end: bool,
) -> _Unit | None:
    """The numbered title at line `index`, if it is one; one alone between blank lines is
    returned as a paragraph or item, decided with its neighbours (`_promote_titles`)."""
    if not after_end:  # `_glued_title`
        return _Unit(BlockKind.HEADING, index, index, depth, fresh=fresh, depth=depth)
    line, s = lines[index], lines[index].s
    following = lines[index + 1] if index + 1 < len(lines) else None
    if not _is_numbered_title(s, numbered, line, following, fresh):
        return None
    if following is None:
        kind = BlockKind.LIST_ITEM if _ITEM.match(s) else BlockKind.PARAGRAPH
        return _Unit(kind, index, index, fresh=fresh, depth=depth)
    return _Unit(BlockKind.HEADING, index, index, depth, fresh=fresh, depth=depth)


def _caps_heading(lines: list[_Line], index: int, fresh: bool) -> _Unit | None:
    """An ALL-CAPS title at line `index`, between lines that are not."""
    line, s = lines[index], lines[index].s
    previous = lines[index - 1] if index else None
    following = lines[index + 1] if index + 1 < len(lines) else None
    if (
        _is_caps(s)
        and _could_be_title(s)
        and (previous is None or not _is_caps(previous.s))
        and (following is None or (not _is_caps(following.s) and not _continues(following, line)))
    ):
        return _Unit(BlockKind.HEADING, index, index, 2, fresh=fresh)
    return None


def _question_end(lines: list[_Line], index: int) -> int | None:
    """The line that ends a question starting at line `index` (within three lines)."""
    for end in range(index, min(index + 3, len(lines))):
        s = lines[end].s
        if end > index and (_ITEM.match(s) or _quote_depth(s) or len(s) > 2 * _SHORT):
            return None
        if _last_char(s) in "?？":
            return end
    return None


_WRAPPED = 40
"""A line at least this long, not ending a sentence, may be wrapped."""


def _statement_end(lines: list[_Line], index: int) -> int | None:
    """The last line of a FAQ entry's title that states rather than asks ("4.5. Memcheck
    doesn't report any errors and I know my program has\nerrors."), starting at line
    `index`: within five lines, one ending in ".", ":" or "?" that ends its group or is
    followed by the indented text it quotes."""
    indent = lines[index].indent
    for end in range(index, min(index + 5, len(lines))):
        line = lines[end]
        if end > index and (
            line.indent > indent
            or _ITEM.match(line.s)
            or _quote_depth(line.s)
            or not _short(line.s)
        ):
            return None
        if _last_char(line.s) in ".:?":
            following = lines[end + 1] if end + 1 < len(lines) else None
            return end if following is None or following.indent > indent else None
        if len(line.s) < _WRAPPED:
            return None  # "2.1. On Linux" above "Run make.": a title line, not a wrapped one
    return None


def _is_numbered_title(
    s: str, numbered: re.Match[str], line: _Line, following: _Line | None, fresh: bool
) -> bool:
    title = s[numbered.end() :]
    if not _could_be_title(s) or title[0].islower():
        return False
    if not fresh and "." not in numbered.group(0):
        return False  # "2 CARD16 MAJOR_VERSION" inside a PDF's page: a table's row
    if following is None:
        return True
    if _continues(following, line):
        return False
    after = _NUMBERED.match(following.s)
    if after is None or not _ITEM.match(following.s):
        return True
    # A deeper number under this one (1. then 1.1) is a subsection; a sibling is a list.
    return after.group(1).startswith(numbered.group(1) + ".")


def _glued_title(lines: list[_Line], index: int, numbered: re.Match[str], depth: int) -> bool:
    """Whether line `index`, ending its group, is a subsection's numbered title glued to the
    line before it, as PDF text often has one ("... option ]* "\\n"\n2.9. The mime.cache
    files" above a blank line): a dotted number ("2.9."), a capital, the line before not
    ending mid-sentence."""
    s = lines[index].s
    if index == 0 or index + 1 < len(lines) or depth < 2 or not _could_be_title(s):
        return False
    title = s[numbered.end() :]
    before = lines[index - 1].s
    return title[0].isupper() and not (before[-1].isalpha() or before[-1] in ",;-")


def _continues(following: _Line, line: _Line) -> bool:
    """Whether `following` reads as the wrapped rest of `line`'s sentence."""
    return following.s.lstrip(_OPENERS)[:1].islower() and following.indent <= line.indent


def _is_title(unit: _Unit, lines: list[_Line]) -> bool:
    """Whether `unit`, followed by a rule line, is an underlined title."""
    if not unit.fresh or unit.last - unit.first > 2:
        return False
    if unit.kind is BlockKind.LIST_ITEM and not (unit.depth and unit.first == unit.last):
        return False
    if unit.kind not in (BlockKind.PARAGRAPH, BlockKind.HEADING, BlockKind.LIST_ITEM):
        return False
    chosen = lines[unit.first : unit.last + 1]
    return all(_short(line.s) for line in chosen) and _last_char(chosen[-1].s) not in ".,;，。；"


def _quote_depth(s: str) -> int:
    if not s.startswith(">"):
        return 0
    if s.startswith(">>> "):
        return 0  # Python's prompt, not a quote three deep
    marks = _QUOTE_MARKS.match(s)
    return marks.group(0).count(">") if marks else 0


def _last_char(s: str) -> str:
    return s.rstrip(_CLOSERS)[-1:] or s[-1]


def _short(s: str) -> bool:
    return len(s) <= _SHORT and (len(s) <= _SHORT_CHINESE or not CJK_CHAR.search(s))


def _could_be_title(s: str) -> bool:
    """Short, with a letter, not ending like a sentence or a clause, not in columns."""
    return (
        _short(s)
        and _last_char(s) not in _NOT_TITLE_END
        and any(c.isalpha() for c in s)
        and not _COLUMN_GAP.search(s)
        and not _PROSE_SIGN.search(s)
        and s.count("(") + s.count("（") >= s.count(")") + s.count("）")
    )


def _is_caps(s: str) -> bool:
    """An ALL-CAPS line of words, four letters or more (NAME; not VVV, N_ALIASES, 4 CARD32)."""
    if s != s.upper() or not s[0].isalpha():  # a lower-case letter: most lines, decided fast
        return False
    letters = [c for c in s if c.isalpha()]
    return (
        len(letters) >= 4 and s[0].isalpha() and "_" not in s and all(c.isupper() for c in letters)
    )


def _coded(unit: _Unit, lines: list[_Line]) -> _Unit:
    """`unit`, as CODE when it is a paragraph of code lines or aligned columns."""
    if unit.kind is not BlockKind.PARAGRAPH:
        return unit
    chosen = lines[unit.first : unit.last + 1]
    prose = sum(1 for line in chosen if _PROSE_SIGN.search(line.s))
    if prose * 5 > len(chosen):
        return unit
    code = sum(1 for line in chosen if _CODE_SIGN.search(_NO_CODE_SIGN.sub("", line.s)))
    if code * 2 >= len(chosen) or _aligned(chosen):
        unit.kind = BlockKind.CODE
    return unit


def _aligned(lines: list[_Line]) -> bool:
    """Whether most lines continue after a gap of spaces at one column (and some gap is
    wider than the two spaces that justified or sentence-spaced prose has)."""
    if len(lines) < 2:
        return False
    columns: Counter[int] = Counter()
    wide = False
    for line in lines:
        s = line.s.expandtabs()
        for gap in _GAP.finditer(s):
            columns[line.indent + gap.end()] += 1
            wide = wide or gap.end() - gap.start() > 2
    return wide and bool(columns) and max(columns.values()) >= max(2, 0.6 * len(lines))


def _promote_titles(groups: list[_Group]) -> None:
    """Make a heading of each short line alone between blank lines that more text follows,
    unless it is one of a run of such lines after a line ending with `:` (an unmarked list,
    as the HTML and Word converters write one) or follows an unfinished sentence; a numbered
    one unless a neighbour is a numbered list item of its depth."""
    lone = [_lone_title(group) for group in groups]
    listed: list[bool] = []  # in a run of lone lines after a line ending with ":"
    after_colon = False
    for group, title in zip(groups, lone):
        if title is None:
            after_colon = _last_line(group).endswith((":", "："))
        listed.append(after_colon)
    for at in range(len(groups) - 2, -1, -1):  # backwards: a numbered title is more text
        title = lone[at]
        if title is None or listed[at] or not _more_text(groups[at + 1], lone[at + 1]):
            continue
        if title.depth:
            if _numbered_item(groups[at + 1].units[:1], title.depth) or (
                at and _numbered_item(groups[at - 1].units[-1:], title.depth)
            ):
                continue
            title.level = title.depth
        elif at and _unfinished(groups[at - 1]):
            continue
        else:
            title.level = 2
        title.kind = BlockKind.HEADING


def _lone_title(group: _Group) -> _Unit | None:
    """The block of a group of one line that may be a title, if it is one."""
    if len(group.units) != 1 or group.units[0].last > group.units[0].first:
        return None
    unit = group.units[0]
    s = group.lines[unit.first].s
    if unit.kind not in (BlockKind.PARAGRAPH, BlockKind.LIST_ITEM) or not _could_be_title(s):
        return None
    numbered = _NUMBERED.match(s) if unit.depth else None
    if numbered is None and _ITEM.match(s):
        return None  # a bulleted item
    first = s[numbered.end() if numbered else 0 :].lstrip(_OPENERS)[:1]
    # A title starts with a capital or a digit: "is equivalent to" is part of a sentence,
    # "-O2" an option that the HTML converter cut out of one.
    return unit if first.isalnum() and not first.islower() else None


def _more_text(group: _Group, title: _Unit | None) -> bool:
    """Whether `group` is text that a title may head: more than a line, or a block that is
    not a paragraph (a list, code, a heading), or a line that is long, ends a sentence or
    leads into what follows with a colon ("To nominate a new Collaborator:"); a lone line that
    became a heading (`title`) only when it is numbered."""
    if title is not None:
        return title.kind is BlockKind.HEADING and title.depth > 0
    if group.code is not None or len(group.units) > 1 or group.units[0].last > group.units[0].first:
        return True
    unit = group.units[0]
    s = group.lines[unit.first].s
    return unit.kind is not BlockKind.PARAGRAPH or not _short(s) or _last_char(s) in ".!:。！："


def _unfinished(group: _Group) -> bool:
    """Whether `group` ends in the middle of a sentence: after a comma, or without a mark at
    the end of a paragraph longer than a title (where a converter cut the sentence)."""
    if group.code is not None or group.units[-1].kind not in (BlockKind.PARAGRAPH, BlockKind.QUOTE):
        return False
    unit = group.units[-1]
    s = group.lines[unit.last].s
    end = _last_char(s)
    if end in ",，、;；":
        return True
    long = unit.last > unit.first or not _short(s)
    return long and (end.isalnum() or bool(CJK_CHAR.match(end)))


def _last_line(group: _Group) -> str:
    return group.lines[group.units[-1].last].s if group.code is None else ""


def _numbered_item(units: list[_Unit], depth: int) -> bool:
    return any(unit.kind is BlockKind.LIST_ITEM and unit.depth == depth for unit in units)
