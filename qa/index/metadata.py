"""A store's metadata in SQLite: the documents (the exact texts offsets point into), each
sentence's stable id, row, span and passage, and the next sentence id to give."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from qa.index.corpus import Corpus
from qa.types import Document

METADATA = "metadata.sqlite"
_SCHEMA = """
CREATE TABLE documents (
    position INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    pages TEXT NOT NULL
);
CREATE TABLE sentences (
    sentence_id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents (doc_id),
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    passage INTEGER NOT NULL
);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def write_metadata(folder: Path, corpus: Corpus) -> None:
    """Write the corpus's documents and sentence spans into `folder / METADATA`."""
    with closing(sqlite3.connect(folder / METADATA)) as db:
        db.executescript(_SCHEMA)
        db.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
            (
                (i, d.doc_id, d.title, d.source, d.text, json.dumps(d.pages))
                for i, d in enumerate(corpus.documents.values())
            ),
        )
        db.executemany(
            "INSERT INTO sentences VALUES (?, ?, ?, ?, ?, ?)",
            ((s.sentence_id, s.row, s.doc_id, s.start, s.end, s.passage) for s in corpus.sentences),
        )
        db.execute("INSERT INTO counters VALUES ('next_sentence_id', ?)", (corpus.next_id,))
        db.commit()


def read_metadata(folder: Path) -> Corpus:
    """The corpus written by `write_metadata`.

    Raises:
        sqlite3.Error, OSError, ValueError: The file is missing or damaged.
    """
    path = folder / METADATA
    if not path.is_file():
        raise OSError(f"{METADATA} is missing")
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        documents = [
            Document(doc_id, title, source, text, tuple(json.loads(pages)))
            for doc_id, title, source, text, pages in db.execute(
                "SELECT doc_id, title, source, text, pages FROM documents ORDER BY position"
            )
        ]
        columns = {row[1] for row in db.execute("PRAGMA table_info(sentences)")}
        if "position" not in columns:  # format 3: ids were positions, no counter
            spans = db.execute(
                "SELECT sentence_id, doc_id, start_char, end_char, passage FROM sentences "
                "ORDER BY sentence_id"
            ).fetchall()
            return Corpus.from_spans(documents, spans)
        spans = db.execute(
            "SELECT sentence_id, doc_id, start_char, end_char, passage FROM sentences ORDER BY position"
        ).fetchall()
        (next_id,) = db.execute(
            "SELECT value FROM counters WHERE name = 'next_sentence_id'"
        ).fetchone()
    return Corpus.from_spans(documents, spans, next_id)
