"""Ingestion, the first stage: files and folders become documents, documents become sentences.

`converters/` turns each file format (plain text in any common encoding, HTML, PDF, Word) into
the exact text that offsets point into; `files` walks paths and reports what it skipped and
why; `documents` gives a document its id and title; `splitting` cuts text into sentences with
exact offsets; `structure` (with `blocks`, `markdown_blocks`) finds paragraphs, headings, lists,
tables and code, and `sections` the headings each sentence sits under; `language` tells
Chinese text from other text.
"""

from qa.ingest.documents import document_id, make_document
from qa.ingest.files import Ingested, Skipped, files_in, ingest, read_documents
from qa.ingest.language import any_chinese, is_chinese
from qa.ingest.splitting import Span, split_blocks, split_sentences

__all__ = [
    "Ingested",
    "Skipped",
    "Span",
    "any_chinese",
    "document_id",
    "files_in",
    "ingest",
    "is_chinese",
    "make_document",
    "read_documents",
    "split_blocks",
    "split_sentences",
]
