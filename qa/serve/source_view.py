"""The source panel: a cited sentence shown highlighted inside its document.

A citation links to `#qa-source:<doc_id>:<start>:<end>`, exact offsets into the document's
text, so a link in an old chat turn still opens the right sentence after the collection has
changed (or says the document is gone). The panel shows the sentences around it as written,
paragraph breaks included; every piece of document text is HTML-escaped, and titles and file
names pass through `safe_name` first.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from qa.errors import QAError
from qa.index.corpus import Corpus
from qa.serve.interface_text import say
from qa.types import Document, Sentence

SOURCE_PREFIX = "#qa-source:"
WINDOW = 12  # sentences shown before and after the cited one
# The bidirectional controls (Unicode's Bidi_Control property): one can make
# "invoice\u202efdp.exe" display as "invoiceexe.pdf".
_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_LINE_BREAKERS = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]
_NAME_TABLE = {
    **{code: " " for code in _LINE_BREAKERS},
    **{ord(c): f"<U+{ord(c):04X}>" for c in _BIDI_CONTROLS},
}


def safe_name(name: str) -> str:
    """A document title or file name as it may be shown: on one line (control characters and
    line separators become spaces), each bidirectional control character replaced by a visible
    `<U+202E>`-style marker, so a name cannot reorder how it or the text after it reads."""
    return name.translate(_NAME_TABLE)


def source_link(doc_id: str, start: int, end: int) -> str:
    """The link a citation carries: the document and the sentence's `[start, end)` offsets."""
    return f"{SOURCE_PREFIX}{doc_id}:{start}:{end}"


def parse_source_link(link: str) -> tuple[str, int, int]:
    """The `(doc_id, start, end)` of a link made by `source_link`.

    Raises:
        QAError: The link is not one.
    """
    try:
        doc_id, start, end = link.removeprefix(SOURCE_PREFIX).split(":")
        return doc_id, int(start), int(end)
    except ValueError:
        raise QAError(
            f"{link!r} is not a citation link; click a citation number such as [1]",
            zh=f"{link!r} 不是引用链接；请点击引用编号，如 [1]",
        ) from None


def empty_panel(language: str = "en", key: str = "source_empty") -> str:
    """The panel with nothing to show: what to click (or, with another `key` of
    `qa.serve.interface_text`, why the citation cannot be shown), in `language`."""
    return f'<div class="qa-source-empty">{html.escape(say(key, language))}</div>'


def source_html(
    corpus: Corpus,
    doc_id: str,
    start: int,
    end: int,
    language: str = "en",
    window: int = WINDOW,
) -> str:
    """The panel's HTML: the document's title and source, then up to `window` sentences either
    side of the cited span `[start, end)`, which is marked `<mark id="qa-cited">`; its
    immediate neighbours are shaded lightly. Its own words are in `language`."""
    document = corpus.documents.get(doc_id)
    if document is None:
        return empty_panel(language, "source_gone")
    if not 0 <= start < end <= len(document.text):
        return empty_panel(language, "source_misfit")
    sentences = corpus.document_sentences(doc_id)
    at = next((i for i, s in enumerate(sentences) if s.start <= start < s.end), 0)
    shown = sentences[max(0, at - window) : at + window + 1]
    body = _marked(document.text, shown, start, end, sentences[at])
    first, last = shown[0], shown[-1]
    more_before = '<div class="qa-more">…</div>' if first.start > 0 else ""
    more_after = '<div class="qa-more">…</div>' if last.index < len(sentences) - 1 else ""
    return (
        f'<div class="qa-source">{_header(document, sentences[at], len(sentences), start, end, language)}'
        f'<div class="qa-source-text">{more_before}{body}{more_after}</div></div>'
    )


def _header(
    document: Document, sentence: Sentence, count: int, start: int, end: int, language: str
) -> str:
    page = document.page_of(start)
    where = say("source_page", language, page=page) if page is not None else ""
    meta = say(
        "source_meta",
        language,
        source=safe_name(document.source),
        page=where,
        number=sentence.index + 1,
        count=count,
        start=start,
        end=end,
    )
    return (
        f'<div class="qa-source-title">{html.escape(safe_name(document.title))}</div>'
        f'<div class="qa-source-meta">{html.escape(meta)}</div>'
    )


def _marked(text: str, shown: Sequence[Sentence], start: int, end: int, cited: Sentence) -> str:
    """The document text from the first to the last shown sentence, with the cited span and
    the sentences beside it wrapped in highlighting elements."""
    near = [s for s in shown if abs(s.index - cited.index) == 1]
    cuts = sorted(
        {shown[0].start, shown[-1].end, start, end, *(x for s in near for x in (s.start, s.end))}
    )
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(text[a:b])
        if start <= a and b <= end:
            piece = f'<mark id="qa-cited" class="qa-cited">{piece}</mark>'
        elif any(s.start <= a and b <= s.end for s in near):
            piece = f'<span class="qa-near">{piece}</span>'
        pieces.append(piece)
    return "".join(pieces)
