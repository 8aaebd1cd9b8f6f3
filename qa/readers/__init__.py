"""Reading one file into a document: plain text in any common encoding, HTML, PDF and Word.

Each format's reader returns the exact text that sentence offsets will point into, with
newlines normalised to "\\n" and blocks (paragraphs, headings, list items, table rows, PDF
pages) separated by blank lines so the splitter sees them; a PDF's page starts are offsets
into that same text (`Document.pages`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from qa.corpus import make_document
from qa.errors import QAError
from qa.readers.common import Extracted
from qa.readers.pdf import join_pages, read_pdf, unwrap_lines
from qa.readers.text import read_text
from qa.readers.web import read_html
from qa.readers.word import read_docx
from qa.types import Document

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "Extracted",
    "join_pages",
    "read_file",
    "unsupported_message",
    "unwrap_lines",
]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50_000_000
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}


def read_file(path: Path, source: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read a .txt/.md, .html, .pdf or .docx file as a document, by its suffix.

    Args:
        path: The file.
        source: The name citations show (an upload's original filename); `str(path)` if None.
        max_bytes: Larger files are refused before they are read.

    Returns:
        The document; its title comes from the file's metadata when set, else its first line.

    Raises:
        QAError: Unsupported type, too large, unreadable, damaged, or without text.
    """
    name = str(path) if source is None else source
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise QAError(unsupported_message(name, suffix))
    extracted = reader(_read_bytes(path, name, max_bytes), name)
    if not extracted.text.strip():
        raise QAError(f"{name} contains no text; check that it is the file you meant to add")
    log.info("read %s: %d characters", name, len(extracted.text))
    return make_document(extracted.text, source=name, title=extracted.title, pages=extracted.pages)


def unsupported_message(name: str, suffix: str) -> str:
    """The error for a file whose type no reader handles."""
    return (
        f"{name}: unsupported file type {suffix or '(none)'}; "
        f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}; convert it to one of these"
    )


def _read_bytes(path: Path, name: str, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise QAError(
                f"{name} is {_size(size)}, over the {_size(max_bytes)} limit; "
                "split it into smaller files"
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise QAError(f"{name} does not exist; check the path") from exc
    except OSError as exc:
        raise QAError(
            f"cannot read {name}: {exc.strerror}; check the path and its permissions"
        ) from exc


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n:,} bytes"


def normalise_newlines(text: str) -> str:
    # The same newlines as Python's universal-newline reading, which this project always used.
    return text.replace("\r\n", "\n").replace("\r", "\n")


_READERS: dict[str, Callable[[bytes, str], Extracted]] = {
    **dict.fromkeys(TEXT_SUFFIXES, read_text),
    **dict.fromkeys(HTML_SUFFIXES, read_html),
    ".pdf": read_pdf,
    ".docx": read_docx,
}
