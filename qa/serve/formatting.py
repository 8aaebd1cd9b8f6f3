"""Answers as JSON and as Markdown, shared by the CLI and the chat UI."""

from __future__ import annotations

import bisect
import html
import re
from typing import Any

from qa.index.corpus import Corpus
from qa.index.embedding import unwrapped, unwrapped_with_offsets
from qa.serve.interface_text import say
from qa.serve.source_view import safe_name, source_link
from qa.types import Answer, Citation, Document

NOT_FOUND = "Not found in these documents."


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """A JSON-ready dict: the question, whether the assistant abstained, the short answer
    marked in citation [1] (None when abstaining or without the reader) and ranked citations."""
    best = answer.best
    return {
        "question": answer.question,
        "searched": answer.searched,
        "mode": answer.mode.value,
        "abstained": answer.abstained,
        "answerability": round(answer.answerability, 4),
        "threshold": answer.threshold,
        "answer": _span_json(best) if best is not None else None,
        "citations": [citation_to_json(c) for c in answer.citations],
    }


def _span_json(citation: Citation) -> dict[str, Any] | None:
    if citation.answer is None:
        return None
    start, end = citation.answer
    return {
        "text": citation.answer_text,
        "doc_id": citation.doc_id,
        "start": start,
        "end": end,
        "citation": citation.rank,
    }


def document_to_json(document: Document, corpus: Corpus) -> dict[str, Any]:
    """One indexed document: id, title, source, size, and pages for formats that have them."""
    return {
        "doc_id": document.doc_id,
        "title": document.title,
        "source": document.source,
        "sentences": len(corpus.document_sentences(document.doc_id)),
        "characters": len(document.text),
        "pages": len(document.pages) or None,
    }


def citation_to_json(citation: Citation) -> dict[str, Any]:
    """One citation with its provenance, exact offsets, context and ranking evidence."""
    s = citation.sentence
    e = citation.evidence
    return {
        "rank": citation.rank,
        "doc_id": s.doc_id,
        "title": citation.title,
        "source": citation.source,
        "page": citation.page,
        "section": list(citation.section),
        "text": s.text,
        "start": s.start,
        "end": s.end,
        "sentence_index": s.index,
        "sentence_id": s.sentence_id,
        "score": round(citation.score, 6),
        "answer": _span_json(citation),
        "context_before": citation.context_before,
        "context_after": citation.context_after,
        "evidence": {
            "fused_score": round(e.fused_score, 6),
            "bm25_score": _round(e.bm25_score),
            "bm25_rank": e.bm25_rank,
            "dense_score": _round(e.dense_score),
            "dense_rank": e.dense_rank,
            "passage_bm25": _round(e.passage_bm25),
            "passage_dense": _round(e.passage_dense),
            "reader_score": _round(e.reader_score),
            "matched_terms": list(e.matched_terms),
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def answer_to_text(answer: Answer) -> str:
    """Plain text for a terminal: numbered citations with title, offsets and score (names with
    their bidirectional controls shown as markers, so a terminal shows them as named)."""
    lines = []
    if answer.abstained:
        lines.append(f"{NOT_FOUND} (answerability {answer.answerability:.2f} < {answer.threshold})")
        if answer.citations:
            lines.append("Closest sentences, not an answer:")
    elif answer.best is not None and answer.best.answer_text:
        marked = unwrapped(answer.best.answer_text)  # on one line; [1] below shows it as written
        lines.append(f"Answer: {marked}  (marked by the reader in [1])")
    for c in answer.citations:
        lines.append(f"[{c.rank}] {c.text}")
        page = f", page {c.page}" if c.page is not None else ""
        lines.append(
            f"    — {_titled(c)} ({safe_name(c.source)}{page}, "
            f"chars {c.sentence.start}-{c.sentence.end}, "
            f"score {c.score:.4f})"
        )
    return "\n".join(lines)


def _titled(citation: Citation) -> str:
    """The citation's document title and the headings it sits under: `Title > Heading`."""
    return " > ".join(safe_name(part) for part in (citation.title, *citation.section))


def chat_markdown(answer: Answer, language: str = "en") -> str:
    """Markdown for the chat, in the interface `language` (`qa.serve.interface_text`): the
    reader's short answer first when there is one, then the numbered citations, each number a
    link that opens the sentence in the source panel. Document text, titles and names pass
    through `plain_markdown`, so they always show as text (the chat must not render LaTeX
    either: `$$` in a document is text)."""
    parts = []
    if answer.abstained:
        score = f"{answer.answerability:.2f}"
        parts.append(
            f"**{say('not_found', language)}** "
            + say("not_close", language, score=score, threshold=answer.threshold)
        )
        if answer.citations:
            parts.append(f"<details><summary>{say('closest', language)}</summary>\n")
            parts.extend(_chat_citation(c, False, language) for c in answer.citations)
            parts.append("</details>")
    else:
        best = answer.best
        if best is not None and best.answer_text:
            span = plain_markdown(unwrapped(best.answer_text))
            parts.append(say("answer", language, span=span))
        parts.extend(_chat_citation(c, c.rank == 1, language) for c in answer.citations)
    if answer.searched:
        searched = plain_markdown(answer.searched)
        parts.append(f"<sub>{say('searched_as', language, question=searched)}</sub>")
    return "\n\n".join(parts)


def _chat_citation(c: Citation, mark: bool, language: str) -> str:
    """The citation's number (a link to the source panel), its sentence (`shown_text`) with
    the answer span in bold when `mark`, and its provenance."""
    shown, span = shown_text(c)
    text = plain_markdown(shown)
    if mark and span is not None:
        start, end = span
        before, marked, after = shown[:start], shown[start:end], shown[end:]
        text = f"{plain_markdown(before)}<b>{plain_markdown(marked)}</b>{plain_markdown(after)}"
    link = html.escape(source_link(c.doc_id, c.sentence.start, c.sentence.end))
    score = say("score", language, score=f"{c.score:.4f}")
    return (
        f'<a href="{link}" title="{say("show", language)}">[{c.rank}]</a> {text}  \n'
        f"<sub>{plain_name(_titled(c))} · {_where(c, language)} · {score}</sub>"
    )


def shown_text(c: Citation) -> tuple[str, tuple[int, int] | None]:
    """The cited sentence as the chat shows it, on one line (`unwrapped`: a chat bubble wraps
    it to its own width) unless it is code or a table, and the answer span's `[start, end)`
    in that text. The source panel and the offsets keep the text as written."""
    start = c.sentence.start
    span = None if c.answer is None else (c.answer[0] - start, c.answer[1] - start)
    if c.laid_out or "\n" not in c.text:
        return c.text, span
    text, offsets = unwrapped_with_offsets(c.text)
    if span is not None:
        span = (bisect.bisect_left(offsets, span[0]), bisect.bisect_left(offsets, span[1]))
    return text, span


def answer_to_markdown(answer: Answer, language: str = "en") -> str:
    """The answer as portable Markdown, for copying: the question, the short answer, and each
    cited sentence quoted with its document, source and position; its own words in the
    interface `language`."""
    lines = [say("md_question", language, question=plain_markdown(answer.question)), ""]
    best = answer.best
    if answer.abstained:
        lines.append(f"**{say('not_found', language)}** {say('md_closest', language)}")
    elif best is not None and best.answer_text:
        span = plain_markdown(unwrapped(best.answer_text))
        lines.append(say("md_answer", language, span=span))
    lines.append("")
    for c in answer.citations:
        lines.append(f'[{c.rank}] "{plain_markdown(c.text)}"  ')
        where = _where(c, language)
        lines.append(f"— *{plain_name(_titled(c))}* ({plain_name(c.source)}, {where})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _where(c: Citation, language: str = "en") -> str:
    page = say("page", language, page=c.page) if c.page is not None else ""
    return say("chars", language, page=page, start=c.sentence.start, end=c.sentence.end)


# What would make Markdown (CommonMark, GFM, KaTeX) of plain text: emphasis, code, links,
# images, headings, tables, strikethrough, math and bare-URL or e-mail autolinks anywhere; list
# items and setext underlines at the start of a line. `<` and `&` are HTML-escaped instead,
# which also stops HTML, autolinks in <...> and entities.
_INLINE_SYNTAX = re.compile(r"[\\`*_\[\]#|~$@]|(?<=[A-Za-z]):(?=//)|(?<=www)\.", re.IGNORECASE)
_LINE_START_SYNTAX = re.compile(r"^([ \t]*\d*)([-+=.)])", re.MULTILINE)


def plain_markdown(text: str) -> str:
    """Markdown that renders as exactly `text`: no emphasis, link, image, heading, list, table,
    math or HTML can come out of it (each such character is backslash-escaped or, for `<`, `>`
    and `&`, HTML-escaped). For document text, titles and file names in the chat's Markdown.
    """
    escaped = _INLINE_SYNTAX.sub(r"\\\g<0>", text)
    escaped = _LINE_START_SYNTAX.sub(r"\1\\\2", escaped)
    return html.escape(escaped, quote=False)


def plain_name(name: str) -> str:
    """A title or file name for Markdown: `safe_name`, then `plain_markdown`."""
    return plain_markdown(safe_name(name))
