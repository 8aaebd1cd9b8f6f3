"""Reading one file into a document: plain text in any common encoding, HTML, PDF and Word.

Each format's converter returns the exact text that sentence offsets will point into, with
newlines normalised to "\\n" and blocks (paragraphs, headings, list items, table rows, PDF
pages) separated by blank lines so the splitter sees them; a PDF's page starts are offsets
into that same text (`Document.pages`).
"""

from qa.ingest.converters.common import Extracted
from qa.ingest.converters.dispatch import (
    MAX_FILE_BYTES,
    MAX_TEXT_BYTES,
    SUPPORTED_SUFFIXES,
    read_file,
    unsupported,
)
from qa.ingest.converters.pdf import join_pages, unwrap_lines

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_TEXT_BYTES",
    "SUPPORTED_SUFFIXES",
    "Extracted",
    "join_pages",
    "read_file",
    "unsupported",
    "unwrap_lines",
]
