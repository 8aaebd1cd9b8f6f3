"""Reading the user's files into documents."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from qa.corpus import make_document
from qa.errors import QAError
from qa.types import Document

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})


def read_documents(paths: Iterable[str | Path]) -> list[Document]:
    """Read text files, and text files found recursively in folders, as documents.

    Raises:
        QAError: A path does not exist, a named file has an unsupported type or is not UTF-8.
    """
    documents = [read_document(path) for path in _files(paths)]
    if not documents:
        raise QAError("no documents found; pass .txt or .md files, or folders that contain some")
    return documents


def read_document(path: Path) -> Document:
    """Read one UTF-8 text file (a byte-order mark is dropped)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QAError(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and retry"
        ) from exc
    except OSError as exc:
        raise QAError(
            f"cannot read {path}: {exc.strerror}; check the path and its permissions"
        ) from exc
    return make_document(text, source=str(path))


def _files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
            )
            log.info("%s: %d text files", path, len(found))
            yield from found
        elif path.is_file():
            if path.suffix.lower() not in TEXT_SUFFIXES:
                raise QAError(
                    f"{path}: unsupported file type {path.suffix or '(none)'}; "
                    f"supported: {', '.join(sorted(TEXT_SUFFIXES))}"
                )
            yield path
        else:
            raise QAError(f"{path} does not exist; check the path")
