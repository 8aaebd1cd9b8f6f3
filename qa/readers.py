"""Reading one file into a document: plain text in any common encoding, HTML, PDF and Word.

Each format's reader returns the exact text that sentence offsets will point into, with
newlines normalised to "\\n" and blocks (paragraphs, headings, list items, table rows, PDF
pages) separated by blank lines so the splitter sees them; a PDF's page starts are offsets
into that same text (`Document.pages`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.corpus import make_document
from qa.errors import QAError
from qa.types import Document

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50_000_000
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}

_BLOCK_SEPARATOR = "\n\n"
_CELL_SEPARATOR = " | "


@dataclass(frozen=True)
class Extracted:
    """What a format's reader found: the text, a title when the file names one, page starts."""

    text: str
    title: str | None = None
    pages: tuple[int, ...] = ()


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


def _normalise_newlines(text: str) -> str:
    # The same newlines as Python's universal-newline reading, which this project always used.
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- plain text -----------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),  # before UTF-16: its BOM starts with UTF-16 LE's
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def read_text(data: bytes, name: str) -> Extracted:
    """Decode a text file: by its byte-order mark, as UTF-8, or in the encoding chardet detects.

    chardet rather than charset-normalizer: on a set of GBK, GB18030, Big5, Shift-JIS, cp1251,
    cp1252 and Latin-1 samples (one to five sentences each) chardet 7.7 decoded 10 of 11
    correctly, charset-normalizer 3.5 7 of 11, misreading every Western European one.
    """
    text = _decode(data, name)
    if "\x00" in text:
        raise QAError(_binary_message(name))
    return Extracted(_normalise_newlines(text))


def _decode(data: bytes, name: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    import chardet

    guess = chardet.detect(data, encoding_era=chardet.EncodingEra.MODERN_WEB, prefer_superset=True)
    detected = guess["encoding"]
    if detected is None:
        raise QAError(_binary_message(name))
    # chardet names an encoding that decodes the bytes it examined; past those, or in a file
    # that mixes encodings, a stray byte becomes U+FFFD rather than refusing the whole file.
    text = data.decode(detected, errors="replace")
    log.info("%s is not UTF-8; decoded it as %s", name, detected)
    return text


def _binary_message(name: str) -> str:
    return (
        f"{name} looks binary, not text; add PDF, Word and web pages as .pdf, .docx or .html "
        "files, or save the text as UTF-8"
    )


# --- HTML -----------------------------------------------------------------------------------

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
            ".txt file and add that"
        )
    title = (getattr(result, "title", None) or "").strip() or None
    return Extracted(_BLOCK_SEPARATOR.join(blocks), title=title)


def _xml_blocks(element: Any) -> Iterator[str]:  # noqa: ANN401 - an lxml element
    if element.tag == "row":
        cells = (" ".join("".join(cell.itertext()).split()) for cell in element)
        yield _CELL_SEPARATOR.join(cell for cell in cells if cell)
        return
    inline = [element.text or ""]
    for child in element:
        if child.tag in _XML_BLOCKS or child.tag == "row":
            yield _squash("".join(inline))
            inline = []
            yield from _xml_blocks(child)
        elif child.tag == "lb":
            inline.append("\n")
        else:
            inline.append("".join(child.itertext()))
        inline.append(child.tail or "")
    yield _squash("".join(inline))


def _squash(text: str) -> str:
    """Runs of white space as one space; line breaks kept, blank lines dropped."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# --- PDF ------------------------------------------------------------------------------------

# A line ending in one of these ends a sentence or a heading's phrase: never joined to the next.
_LINE_ENDS = frozenset(".!?:;。！？；…\"'”’)]」』")
# A line at least this share of the page's longest line, and this many characters, was wrapped
# by the layout, not ended (headings are shorter; full lines of Chinese hold about 40).
_FULL_LINE = 0.75
_FULL_LINE_CHARS = 30


def read_pdf(data: bytes, name: str) -> Extracted:
    """Each page's text (pypdf), pages separated by a blank line; `pages` holds where each page
    starts; the title comes from the PDF's metadata when set."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            raise QAError(
                f"{name} is a password-protected PDF; save a copy without the password "
                "(e.g. print it to a new PDF) and add that"
            )
        texts = [_page_text(page.extract_text()) for page in reader.pages]
        title = reader.metadata.title if reader.metadata is not None else None
    except QAError:
        raise
    except DependencyError as exc:
        raise QAError(
            f"cannot decrypt {name} ({exc}); run `pip install 'pypdf[crypto]'` and retry"
        ) from exc
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise QAError(
            f"{name} is not a readable PDF ({type(exc).__name__}: {exc}); check that the "
            "file is complete, or export it to PDF again"
        ) from exc
    if not any(t.strip() for t in texts):
        raise QAError(
            f"{name} has no extractable text: its {len(texts)} pages are probably scanned "
            "images; run OCR on it first (e.g. `ocrmypdf in.pdf out.pdf`) and add the result"
        )
    text, pages = join_pages(texts)
    return Extracted(text, title=(title or "").strip() or None, pages=pages)


def _opens_without_password(reader: Any) -> bool:  # noqa: ANN401 - pypdf's PdfReader
    from pypdf import PasswordType

    # Many PDFs are encrypted only to restrict printing or copying, with an empty password.
    return bool(reader.decrypt("") != PasswordType.NOT_DECRYPTED)


def join_pages(texts: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """Join page texts with blank lines; returns the text and where each page starts."""
    starts: list[int] = [0]
    offset = 0
    for text in texts[:-1]:
        offset += len(text) + len(_BLOCK_SEPARATOR)
        starts.append(offset)
    return _BLOCK_SEPARATOR.join(texts), tuple(starts)


def _page_text(raw: str) -> str:
    return unwrap_lines(_normalise_newlines(raw).replace("\x00", "").strip())


def unwrap_lines(text: str) -> str:
    """Join lines the layout wrapped mid-sentence, so a sentence is not cut at a line end.

    A line break becomes a space (one character for one: offsets do not move) when the line
    does not end a sentence and the next line starts with a letter, lower-case or after a line
    that fills most of the page's width. Headings, list items and sentence ends stay.
    """
    lines = text.split("\n")
    full = max(_FULL_LINE * max(len(line.rstrip()) for line in lines), _FULL_LINE_CHARS)
    out = [lines[0]]
    for line, following in zip(lines, lines[1:]):
        end = line.rstrip()
        wrapped = (
            bool(end)
            and end[-1] not in _LINE_ENDS
            and following[:1].isalpha()
            and (following[0].islower() or len(end) >= full)
        )
        out.append((" " if wrapped else "\n") + following)
    return "".join(out)


# --- Word -----------------------------------------------------------------------------------


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
                blocks.append(_normalise_newlines(item.text).strip())
        title = document.core_properties.title
    except Exception as exc:  # python-docx raises zip, XML and key errors on damaged files
        raise QAError(
            f"{name} is not a readable Word .docx file ({type(exc).__name__}: {exc}); "
            "open it in Word and save it as .docx again (an old .doc must be saved as .docx)"
        ) from exc
    text = _BLOCK_SEPARATOR.join(block for block in blocks if block)
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
        yield _CELL_SEPARATOR.join(c for c in cells if c)


_READERS: dict[str, Callable[[bytes, str], Extracted]] = {
    **dict.fromkeys(TEXT_SUFFIXES, read_text),
    **dict.fromkeys(HTML_SUFFIXES, read_html),
    ".pdf": read_pdf,
    ".docx": read_docx,
}
