"""Word .docx files: paragraphs and table rows in document order (python-docx)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from qa.errors import QAError
from qa.ingest.converters.common import (
    BLOCK_SEPARATOR,
    CELL_SEPARATOR,
    Extracted,
    normalise_newlines,
)


def read_docx(data: bytes, name: str) -> Extracted:
    """Paragraphs and table rows of a .docx in document order, each a block (headings stand
    alone; a row's cells are joined by " | "); the title comes from its properties when set."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.extend(_table_rows(item))
            else:
                blocks.append(normalise_newlines(item.text).strip())
        title = document.core_properties.title
    except MemoryError:
        raise  # over the memory limit: `qa.ingest.converters.sandbox` says which
    except Exception as exc:  # python-docx raises zip, XML and key errors on damaged files
        raise QAError(
            f"{name} is not a readable Word .docx file ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())}); "
            "open it in Word and save it as .docx again (an old .doc must be saved as .docx)"
        ) from exc
    text = BLOCK_SEPARATOR.join(block for block in blocks if block)
    return Extracted(text, title=(title or "").strip() or None)


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
