"""Reading the user's files and folders into documents (see `qa.ingest.converters` for the formats).

One file that cannot be read never stops the rest: it is skipped with the reason. A file with
the same text as another is skipped too (it would be indexed twice), and a file with almost no
text is indexed but reported, since it is often a scan or a stub the user did not mean.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError, said_in
from qa.ingest.converters import SUPPORTED_SUFFIXES, read_file, unsupported
from qa.ingest.language import encoded_error
from qa.progress import Progress, quiet
from qa.types import Document

log = logging.getLogger(__name__)

NEAR_EMPTY_CHARS = 40
"""A document with fewer characters than this (white space aside) is reported as near-empty."""


@dataclass(frozen=True)
class Skipped:
    """A file left out, and why: `reason` in English and, where the chat may show it to
    someone reading Chinese, `zh` in Chinese (`said`)."""

    source: str
    reason: str
    duplicate: bool = False
    zh: str | None = None

    def said(self, language: str) -> str:
        """The reason in `language` ("en" or "zh"): English where no Chinese was given."""
        return said_in(language, self.reason, self.zh)


@dataclass(frozen=True)
class Ingested:
    """What reading some files gave: the documents, the files skipped, and the sources of the
    documents that hold almost no text (indexed, but worth a look)."""

    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...] = ()
    near_empty: tuple[str, ...] = ()


def read_files(
    files: Sequence[tuple[Path, str]],
    known: Mapping[str, Document] | None = None,
    progress: Progress = quiet,
) -> Ingested:
    """Read `files`, given as `(path, name citations show)`, skipping the ones that cannot be
    read and the ones whose text `known` (by document id) or an earlier file already has."""
    return gathered(((name, read_one(path, name, progress)) for path, name in files), known)


def gathered(
    outcomes: Iterable[tuple[str, Document | QAError]],
    known: Mapping[str, Document] | None = None,
) -> Ingested:
    """What reading files gave, as `(name, document or why it could not be read)` in file
    order: `read_files`'s result, whoever did the reading (`qa.scale.ray_index` reads elsewhere)."""
    seen = dict(known or {})
    documents: list[Document] = []
    skipped: list[Skipped] = []
    near_empty: list[str] = []
    for name, document in outcomes:
        if isinstance(document, QAError):
            skipped.append(Skipped(name, str(document), zh=document.zh))
            continue
        other = seen.get(document.doc_id)
        if other is not None:
            if known and other.doc_id in known:
                reason = f"already in the collection as {other.title!r} ({other.source})"
                zh = f"已在文档集中，标题为“{other.title}”（{other.source}）"
            else:
                reason, zh = f"the same text as {other.source}", f"与 {other.source} 的文字相同"
            skipped.append(Skipped(name, reason, duplicate=True, zh=zh))
            continue
        seen[document.doc_id] = document
        documents.append(document)
        if len(document.text) < 4 * NEAR_EMPTY_CHARS and _chars(document.text) < NEAR_EMPTY_CHARS:
            near_empty.append(name)
    for item in skipped:
        log.info("skipped %s: %s", item.source, item.reason)
    return Ingested(tuple(documents), tuple(skipped), tuple(near_empty))


def read_one(path: Path, name: str, progress: Progress = quiet) -> Document | QAError:
    """The document in `path`, citing it as `name`, or why it cannot be read."""
    try:
        document = read_file(path, source=name, progress=progress)
    except QAError as exc:
        return exc
    return encoded_error(name, document.text) or document


def ingest(paths: Iterable[str | Path], progress: Progress = quiet) -> Ingested:
    """Read files, and the supported files found recursively in folders (see `read_files`).

    Raises:
        QAError: A path does not exist or a named file has an unsupported type (nothing is
            read then: a mistyped path must not look like a folder that was emptied).
    """
    files = [(path, str(path)) for path in files_in(paths)]  # every path checked before reading
    return read_files(files, progress=progress)


def read_documents(paths: Iterable[str | Path], progress: Progress = quiet) -> list[Document]:
    """The documents `ingest` reads (skipped files are logged as warnings).

    Raises:
        QAError: As `ingest`, or no document could be read.
    """
    ingested = ingest(paths, progress)
    for item in ingested.skipped:
        log.warning("skipped %s: %s", item.source, item.reason)
    documents = list(ingested.documents)
    if not documents:
        raise QAError(
            f"no documents found; pass {', '.join(sorted(SUPPORTED_SUFFIXES))} files with "
            "text in them, or folders that contain some"
        )
    return documents


def _chars(text: str) -> int:
    return sum(not c.isspace() for c in text)


def files_in(paths: Iterable[str | Path]) -> list[Path]:
    """The files `paths` name, and the supported files in folders (recursively, sorted).

    Raises:
        QAError: As `ingest`.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
            log.info("%s: %d supported files", path, len(inside))
            found.extend(inside)
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise unsupported(str(path), path.suffix.lower())
            found.append(path)
        elif path.exists() or path.is_symlink():
            raise QAError(f"{path} is neither a file nor a folder (or a broken link); check it")
        else:
            raise QAError(f"{path} does not exist; check the path")
    return found
