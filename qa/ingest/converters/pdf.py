"""PDF files: each page's text (pypdf), page starts kept, running headers, footers and page
numbers dropped, layout line wraps joined."""

from __future__ import annotations

import io
import re
from collections import Counter
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
# Running headers, footers and page numbers are among the first or last lines of a page's text.
_EDGE_LINES = 3
# A line that only numbers its page: "3", "- 3 -", "Page 3 of 10", "3 / 10" (at most three
# digits, so a year closing a page stays).
_PAGE_NUMBER = re.compile(
    r"(?:page|p\.|pg\.?)?\s*[-–—]?\s*\d{1,3}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")


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
                "(e.g. print it to a new PDF) and add that",
                zh=f"{name} 是有密码保护的 PDF；请另存一份不带密码的副本（例如打印成新的 PDF）再添加",
            )
        texts = page_texts([page.extract_text() for page in reader.pages])
        title = reader.metadata.title if reader.metadata is not None else None
    except (QAError, MemoryError):
        raise  # a MemoryError is over the limit `qa.ingest.converters.sandbox` names
    except DependencyError as exc:
        raise QAError(
            f"cannot decrypt {name} ({exc}); run `pip install 'pypdf[crypto]'` and retry",
            zh=f"无法解密 {name}（{exc}）；请运行 `pip install 'pypdf[crypto]'` 后重试",
        ) from exc
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise QAError(
            f"{name} is not a readable PDF ({type(exc).__name__}: {exc}); check that the "
            "file is complete, or export it to PDF again",
            zh=f"{name} 不是可读的 PDF（{type(exc).__name__}: {exc}）；"
            "请确认文件完整，或重新导出为 PDF",
        ) from exc
    if not any(t.strip() for t in texts):
        raise QAError(
            f"{name} has no extractable text: its {len(texts)} pages are probably scanned "
            "images; run OCR on it first (e.g. `ocrmypdf in.pdf out.pdf`) and add the result",
            zh=f"{name} 中没有可提取的文字：它的 {len(texts)} 页可能是扫描图像；"
            "请先做文字识别（例如 `ocrmypdf in.pdf out.pdf`），再添加结果",
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


def page_texts(raw: Sequence[str]) -> list[str]:
    """Each page's text without its running headers, footers and page numbers, layout line
    wraps joined (`unwrap_lines`).

    A running header or footer is a line among the first or last `_EDGE_LINES` lines of more
    than half of the pages (and of two at least), equal to the others but for its digits
    ("Annual Report 2021", "Page 3 of 10"); a page number is such an edge line that only
    numbers its page ("3", "- 3 -", "Page 3 of 10"), on any page.
    """
    pages = [normalise_newlines(text).replace("\x00", "").strip().split("\n") for text in raw]
    running = _running_lines(pages)
    return [unwrap_lines("\n".join(_body(lines, running)).strip()) for lines in pages]


def _running_lines(pages: Sequence[list[str]]) -> set[str]:
    """The keys (`_key`) of the edge lines found on more than half of the pages, two at least."""
    counts = Counter(key for lines in pages for key in {_key(lines[i]) for i in _edges(lines)})
    return {key for key, n in counts.items() if n >= 2 and n > len(pages) / 2}


def _body(lines: list[str], running: set[str]) -> list[str]:
    edges = _edges(lines)
    return [
        line
        for i, line in enumerate(lines)
        if i not in edges
        or (_key(line) not in running and not _PAGE_NUMBER.fullmatch(line.strip()))
    ]


def _edges(lines: list[str]) -> set[int]:
    """Where the first and last `_EDGE_LINES` lines with text are."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])


def _key(line: str) -> str:
    """A line as running headers repeat it: white space single, digits left out."""
    return _DIGITS.sub("#", " ".join(line.split()))


def unwrap_lines(text: str) -> str:
    """Join lines the layout wrapped mid-sentence, and part the lines that are blocks.

    The splitter reads a single line break as white space, so the break after each line says
    what the line is. A space (where the layout wrapped it): the line does not end a sentence
    and the next line starts with a letter, lower-case or after a line that fills most of the
    page's width. A line break: the line ends a sentence (or a blank line follows). Else a
    blank line, as after a heading, a list item or a table row: a block of its own.
    """
    lines = text.split("\n")
    full = max(_FULL_LINE * max(len(line.rstrip()) for line in lines), _FULL_LINE_CHARS)
    out = [lines[0]]
    for line, following in zip(lines, lines[1:]):
        out.append(_line_break(line.rstrip(), following, full) + following)
    return "".join(out)


def _line_break(end: str, following: str, full: float) -> str:
    """What follows the line `end` (right-stripped) when `following` is the next one."""
    if not end or not following.strip() or end[-1] in _LINE_ENDS:
        return "\n"
    if following[:1].isalpha() and (following[0].islower() or len(end) >= full):
        return " "
    return BLOCK_SEPARATOR
