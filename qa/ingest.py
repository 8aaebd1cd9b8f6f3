"""Reading the user's files and folders into documents (see `qa.readers` for the formats)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from qa.errors import QAError
from qa.readers import SUPPORTED_SUFFIXES, read_file, unsupported_message
from qa.types import Document

log = logging.getLogger(__name__)


def read_documents(paths: Iterable[str | Path]) -> list[Document]:
    """Read files, and the supported files found recursively in folders, as documents.

    Raises:
        QAError: A path does not exist, a named file has an unsupported type, or a file
            cannot be read (see `qa.readers.read_file`).
    """
    documents = [read_file(path) for path in _files(paths)]
    if not documents:
        raise QAError(
            f"no documents found; pass {', '.join(sorted(SUPPORTED_SUFFIXES))} files, "
            "or folders that contain some"
        )
    return documents


def _files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
            log.info("%s: %d supported files", path, len(found))
            yield from found
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise QAError(unsupported_message(str(path), path.suffix.lower()))
            yield path
        else:
            raise QAError(f"{path} does not exist; check the path")
