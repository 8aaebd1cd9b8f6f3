"""Web pages: the main text, by trafilatura's extraction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qa.errors import QAError
from qa.ingest.converters.common import BLOCK_SEPARATOR, CELL_SEPARATOR, Extracted

# Elements of trafilatura's XML output that start a block of their own; others are inline.
_XML_BLOCKS = frozenset(
    {"body", "main", "div", "head", "p", "list", "item", "table", "quote", "code"}
)


def read_html(data: bytes, name: str) -> Extracted:
    """The main text of a web page (trafilatura drops navigation, footers, scripts and ads);
    headings, paragraphs, list items and table rows become blocks; the page's title is kept."""
    import trafilatura

    result = trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False, include_tables=True
    )
    body = getattr(result, "body", None)
    blocks = [] if body is None else [b for b in _xml_blocks(body) if b]
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
