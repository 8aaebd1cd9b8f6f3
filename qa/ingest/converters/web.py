"""Web pages: the main text, by trafilatura's extraction."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from qa.errors import QAError
from qa.ingest.converters.common import BLOCK_SEPARATOR, CELL_SEPARATOR, Extracted

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_LEAD_CHARS = 40  # how much of the text after a heading finds the block it opens
_KEY_CHARS = 12  # text after a heading shorter than this finds no block
# Elements of trafilatura's XML output that start a block of their own; others are inline.
_XML_BLOCKS = frozenset(
    {"body", "main", "div", "head", "p", "list", "item", "table", "quote", "code"}
)


def read_html(data: bytes, name: str) -> Extracted:
    """The main text of a web page (trafilatura drops navigation, footers, scripts and ads);
    headings, paragraphs, list items and table rows become blocks; the page's title is kept."""
    import trafilatura
    from trafilatura.utils import load_html

    page = load_html(data)  # parsed once: the extraction and `with_headings` read one tree
    texts = [] if page is None else list(_page_texts(page))  # read before the extraction
    result = None
    if page is not None:
        result = trafilatura.bare_extraction(
            page, with_metadata=True, include_comments=False, include_tables=True
        )
    body = getattr(result, "body", None)
    blocks = [] if body is None else [b for b in _xml_blocks(body) if b]
    blocks = with_headings(texts, blocks)
    if not blocks:
        raise QAError(
            f"no article text could be extracted from {name}; copy the text you need into a "
            ".txt file and add that",
            zh=f"无法从 {name} 中提取正文；请把需要的文字复制到 .txt 文件中再添加",
        )
    title = (getattr(result, "title", None) or "").strip() or None
    return Extracted(BLOCK_SEPARATOR.join(blocks), title=title)


def _xml_blocks(element: Any) -> Iterator[str]:  # noqa: ANN401 - an lxml element
    if element.tag == "row":
        cells = (" ".join("".join(cell.itertext()).split()) for cell in element)
        yield CELL_SEPARATOR.join(cell for cell in cells if cell)
        return
    # A line break in a page's source is white space, except in code; <br> (lb) is one.
    keep = element.tag == "code"
    inline = [_spaced(element.text, keep)]
    for child in element:
        if (child.tag in _XML_BLOCKS or child.tag == "row") and not _inline_code(child, inline):
            yield _squash("".join(inline))
            inline = []
            yield from _xml_blocks(child)
        elif child.tag == "lb":
            inline.append("\n")
        else:
            inline.append(_spaced("".join(child.itertext()), keep))
        inline.append(_spaced(child.tail, keep))
    yield _squash("".join(inline))


def _spaced(text: str | None, keep: bool) -> str:
    return (text or "") if keep else (text or "").replace("\n", " ")


def _inline_code(child: Any, inline: list[str]) -> bool:  # noqa: ANN401 - an lxml element
    """Whether `child` is code inside running text ("Compile with -g to include..."): one line
    with text of the same block before or after it."""
    if child.tag != "code" or len(child):
        return False
    text = child.text or ""
    return "\n" not in text.strip() and bool("".join(inline).strip() or (child.tail or "").strip())


def _squash(text: str) -> str:
    """Runs of white space as one space; line breaks kept, blank lines dropped."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def with_headings(events: list[tuple[bool, str]], blocks: list[str]) -> list[str]:
    """`blocks` with the page's `<h1>`..`<h6>` headings that trafilatura left out put back,
    each before the block that its page's text after it (`events`: `_page_texts`) opens
    (DocBook's HTML, as in Valgrind's and Debian's manuals, wraps every title in a
    `div.titlepage` that trafilatura drops, so their sections lost their titles). A heading
    whose text is a block already, or whose following text opens no block after the last one
    placed, stays out."""
    flat = [" ".join(block.split()) for block in blocks]
    kept = set(flat)
    opening: dict[str, list[int]] = {}  # the blocks by their first characters, in order
    for j, block in enumerate(flat):
        opening.setdefault(block[:_KEY_CHARS], []).append(j)
    placed: dict[int, list[str]] = {}
    after = 0
    for i, (heading, text) in enumerate(events):
        if not heading or text in kept:
            continue
        lead = _lead(events, i + 1)
        candidates = opening.get(lead[:_KEY_CHARS], []) if len(lead) >= _KEY_CHARS else []
        start = bisect_left(candidates, after)
        at = next((j for j in candidates[start:] if flat[j].startswith(lead)), None)
        if at is not None:
            placed.setdefault(at, []).append(text)
            after = at
    return [item for j, block in enumerate(blocks) for item in (*placed.get(j, ()), block)]


def _page_texts(page: Any) -> Iterator[tuple[bool, str]]:  # noqa: ANN401 - an lxml element
    """The page's text in reading order, as `(is a heading, text)`: each heading whole, other
    text as its pieces (scripts and styles left out); one walk over the page."""
    from lxml import etree

    inside: Any = None  # the heading or script being walked through, whose text is had
    for event, element in etree.iterwalk(page, events=("start", "end")):
        if not isinstance(element.tag, str):  # a comment or processing instruction
            if event == "end" and inside is None:
                yield False, " ".join((element.tail or "").split())
            continue
        if event == "start":
            if inside is None and element.tag in _HEADINGS:
                yield True, " ".join(element.text_content().split())
            if inside is None and element.tag in (*_HEADINGS, "script", "style"):
                inside = element
            elif inside is None:
                yield False, " ".join((element.text or "").split())
            continue
        if element is inside:
            inside = None
        if inside is None:
            yield False, " ".join((element.tail or "").split())


def _lead(events: list[tuple[bool, str]], start: int) -> str:
    """The first `_LEAD_CHARS` characters of the text in `events` from `start` to the next
    heading."""
    lead = ""
    for k in range(start, len(events)):
        heading, text = events[k]
        if heading or len(lead) >= _LEAD_CHARS:
            break
        if text:
            lead = f"{lead} {text}" if lead else text
    return lead[:_LEAD_CHARS]
