"""Word .docx files: paragraphs and table rows in document order (python-docx)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from qa.errors import QAError
from qa.ingest.converters.common import (
    BLOCK_SEPARATOR,
    CELL_SEPARATOR,
    Extracted,
    normalise_newlines,
)
from qa.ingest.converters.sandbox import MEMORY_VARIABLE


def check_parts(data: bytes, name: str, memory_mb: int) -> None:
    """Refuse a .docx whose parts, as its zip directory declares them, inflate to more than
    `memory_mb` (the memory one file's conversion may use): a 3 MB file of a 3 GB document
    part is refused at once, before a child process inflates it up to its limit. A directory
    that lies is caught by that limit (`qa.ingest.converters.sandbox`).

    Raises:
        QAError: Too large when inflated, saying how to allow more.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except Exception:  # noqa: BLE001 - BadZipFile, NotImplementedError('zip file version 11.8')...
        return  # a directory it cannot read: the converter says what is wrong with the file
    inflated = sum(part.file_size for part in parts)
    if inflated > memory_mb * 1_000_000:
        largest = max(parts, key=lambda part: part.file_size)
        raise QAError(
            f"{name}: its parts inflate to {inflated / 1e6:,.0f} MB ({largest.filename}: "
            f"{largest.file_size / 1e6:,.0f} MB from {largest.compress_size / 1e6:,.1f} MB), "
            f"more than the {memory_mb} MB reading one file may use; set "
            f"{MEMORY_VARIABLE} to allow more",
            zh=f"{name}：其内容解压后有 {inflated / 1e6:,.0f} MB（{largest.filename}："
            f"由 {largest.compress_size / 1e6:,.1f} MB 解压为 {largest.file_size / 1e6:,.0f} MB），"
            f"超过读取单个文件可用的 {memory_mb} MB；可设置 {MEMORY_VARIABLE} 放宽",
        )


def read_docx(data: bytes, name: str) -> Extracted:
    """Paragraphs and table rows of a .docx in document order, each a block (headings stand
    alone; a list item starts with `LIST_MARK`; a row's cells are joined by " | "); the title
    comes from its properties when set."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.extend(_table_rows(item))
            else:
                text = normalise_newlines(item.text).strip()
                blocks.append(f"{LIST_MARK}{text}" if text and _is_list_item(item) else text)
        title = document.core_properties.title
    except MemoryError:
        raise  # over the memory limit: `qa.ingest.converters.sandbox` says which
    except Exception as exc:  # python-docx raises zip, XML and key errors on damaged files
        detail = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        raise QAError(
            f"{name} is not a readable Word .docx file ({detail}); "
            "open it in Word and save it as .docx again (an old .doc must be saved as .docx)",
            zh=f"{name} 不是可读的 Word .docx 文件（{detail}）；"
            "请用 Word 打开并重新另存为 .docx（旧的 .doc 也须另存为 .docx）",
        ) from exc
    text = BLOCK_SEPARATOR.join(block for block in blocks if block)
    return Extracted(text, title=(title or "").strip() or None)


LIST_MARK = "• "
"""Written before a list paragraph, which Word numbers or bullets outside its text, so that
the structure reader (`qa.ingest.structure`) sees a list: a list item is a block of its own,
and a title above a list is a heading."""


def _is_list_item(paragraph: Any) -> bool:  # noqa: ANN401 - python-docx's Paragraph
    """Whether Word shows `paragraph` as a list item: numbered (`w:numPr`) or in a List style."""
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return True
    style = paragraph.style
    return style is not None and (style.name or "").startswith("List")


def _table_rows(table: Any) -> Iterator[str]:  # noqa: ANN401 - python-docx's Table
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a merged cell is listed once per grid column it spans
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        yield CELL_SEPARATOR.join(c for c in cells if c)
