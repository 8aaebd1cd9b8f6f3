"""PDF files: each page's text (pypdf), page starts kept, layout line wraps joined."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from qa.errors import QAError
from qa.ingest.converters.common import BLOCK_SEPARATOR, Extracted, normalise_newlines

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
        offset += len(text) + len(BLOCK_SEPARATOR)
        starts.append(offset)
    return BLOCK_SEPARATOR.join(texts), tuple(starts)


def _page_text(raw: str) -> str:
    return unwrap_lines(normalise_newlines(raw).replace("\x00", "").strip())


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
