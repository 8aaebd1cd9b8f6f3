"""Choosing the converter for a file by its suffix, with size limits and one error type for
every way a file can fail."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from qa.errors import QAError
from qa.ingest.converters.common import Extracted
from qa.ingest.converters.pdf import read_pdf
from qa.ingest.converters.sandbox import Limits, ParserFailed, convert_isolated
from qa.ingest.converters.text import read_text_file
from qa.ingest.converters.web import read_html
from qa.ingest.converters.word import check_parts, read_docx
from qa.ingest.documents import make_document
from qa.progress import Progress, quiet
from qa.types import Document

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_FILE_BYTES = 50_000_000  # PDF, Word and HTML files are parsed whole, in memory
MAX_TEXT_BYTES = 1_000_000_000  # plain text is read in chunks (`qa.ingest.converters.text`)
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}


def read_file(
    path: Path,
    source: str | None = None,
    max_bytes: int | None = None,
    progress: Progress = quiet,
) -> Document:
    """Read a .txt/.md, .html, .pdf or .docx file as a document, by its suffix.

    Args:
        path: The file.
        source: The name citations show (an upload's original filename); `str(path)` if None.
        max_bytes: Larger files are refused before they are read (default `MAX_TEXT_BYTES`
            for plain text, `MAX_FILE_BYTES` for the other formats).
        progress: Told how reading a large text file goes (`reading`, in bytes).

    Returns:
        The document; its title comes from the file's metadata when set, else its first line.

    Raises:
        QAError: Unsupported type, too large, unreadable, damaged, or without text.
    """
    name = str(path) if source is None else source
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        _check_size(path, name, MAX_TEXT_BYTES if max_bytes is None else max_bytes)
        extracted = _converted(name, suffix, lambda: read_text_file(path, name, progress))
    else:
        convert = _CONVERTERS.get(suffix)
        if convert is None:
            raise unsupported(name, suffix)
        _check_size(path, name, MAX_FILE_BYTES if max_bytes is None else max_bytes)
        data = _reading(name, path.read_bytes)
        limits = Limits.from_environment()
        if suffix == ".docx":
            check_parts(data, name, limits.memory_mb)
        extracted = _converted(name, suffix, lambda: convert_isolated(convert, data, name, limits))
    if not extracted.text or extracted.text.isspace():
        raise QAError(
            f"{name} contains no text; check that it is the file you meant to add",
            zh=f"{name} 中没有文字；请确认它是你想添加的文件",
        )
    log.info("read %s: %d characters", name, len(extracted.text))
    return make_document(extracted.text, source=name, title=extracted.title, pages=extracted.pages)


def unsupported(name: str, suffix: str) -> QAError:
    """The error for a file whose type no converter handles."""
    supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
    return QAError(
        f"{name}: unsupported file type {suffix or '(none)'}; "
        f"supported: {supported}; convert it to one of these",
        zh=f"{name}：不支持的文件类型 {suffix or '（无）'}；支持：{supported}；请先转换成其中一种",
    )


def _check_size(path: Path, name: str, max_bytes: int) -> None:
    size = _reading(name, lambda: path.stat().st_size)
    if size > max_bytes:
        raise QAError(
            f"{name} is {_size(size)}, over the {_size(max_bytes)} limit; "
            "split it into smaller files",
            zh=f"{name} 有 {_size(size)}，超过了 {_size(max_bytes)} 的上限；请拆分成较小的文件",
        )


def _reading(name: str, read: Callable[[], T]) -> T:
    """`read()`, with the operating system's errors said as what to check."""
    try:
        return read()
    except FileNotFoundError as exc:
        raise QAError(
            f"{name} does not exist; check the path", zh=f"{name} 不存在；请检查路径"
        ) from exc
    except OSError as exc:
        raise QAError(
            f"cannot read {name}: {exc.strerror}; check the path and its permissions",
            zh=f"无法读取 {name}：{exc.strerror}；请检查路径和权限",
        ) from exc


def _converted(name: str, suffix: str, convert: Callable[[], Extracted]) -> Extracted:
    """`convert()`, with the operating system's errors said as `_reading` says them; a parser
    library's own failure, of whatever type (lxml has
    raised AssertionError on an 85-byte page), becomes this file's reason to be skipped, so it
    never takes the other files of an upload or a folder down with it."""
    try:
        return _reading(name, convert)
    except QAError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is this file's, not ours
        log.debug("the %s parser failed on %s", suffix, name, exc_info=True)
        detail = str(exc) if isinstance(exc, ParserFailed) else type(exc).__name__
        if not isinstance(exc, ParserFailed) and str(exc):
            detail += f": {exc}"
        raise QAError(
            f"{name} could not be read as {suffix} (its parser failed: {detail}); if it "
            "opens elsewhere, save it again or copy its text into a .txt file and add that",
            zh=f"{name} 无法按 {suffix} 读取（解析失败：{detail}）；如果它在别处能打开，"
            "请重新保存，或把文字复制到 .txt 文件中再添加",
        ) from exc


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n:,} bytes"


_CONVERTERS: dict[str, Callable[[bytes, str], Extracted]] = {
    **dict.fromkeys(HTML_SUFFIXES, read_html),
    ".pdf": read_pdf,
    ".docx": read_docx,
}
