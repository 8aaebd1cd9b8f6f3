"""Answers as JSON and as Markdown, shared by the CLI and the chat UI."""

from __future__ import annotations

import html
from typing import Any

from qa.types import Answer, Citation

NOT_FOUND = "Not found in these documents."


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """A JSON-ready dict: the question, whether the assistant abstained, the short answer
    marked in citation [1] (None when abstaining or without the reader) and ranked citations."""
    best = answer.best
    return {
        "question": answer.question,
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


def citation_to_json(citation: Citation) -> dict[str, Any]:
    """One citation with its provenance, exact offsets, context and ranking evidence."""
    s = citation.sentence
    e = citation.evidence
    return {
        "rank": citation.rank,
        "doc_id": s.doc_id,
        "title": citation.title,
        "source": citation.source,
        "text": s.text,
        "start": s.start,
        "end": s.end,
        "sentence_index": s.index,
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
    """Plain text for a terminal: numbered citations with title, offsets and score."""
    lines = []
    if answer.abstained:
        lines.append(f"{NOT_FOUND} (answerability {answer.answerability:.2f} < {answer.threshold})")
        if answer.citations:
            lines.append("Closest sentences, not an answer:")
    elif answer.best is not None and answer.best.answer_text:
        lines.append(f"Answer: {answer.best.answer_text}  (marked by the reader in [1])")
    for c in answer.citations:
        lines.append(f"[{c.rank}] {c.text}")
        lines.append(
            f"    — {c.title} ({c.source}, chars {c.sentence.start}-{c.sentence.end}, score {c.score:.4f})"
        )
    return "\n".join(lines)


def answer_to_markdown(answer: Answer) -> str:
    """Markdown for the chat: the reader's short answer first when there is one, then the
    numbered citations; document text is HTML-escaped so it always shows as text."""
    parts = []
    if answer.abstained:
        parts.append(
            f"**{NOT_FOUND}** No sentence is close enough to the question "
            f"(answerability {answer.answerability:.2f}, threshold {answer.threshold}). "
            "Try rephrasing with words the article uses."
        )
        if answer.citations:
            parts.append("<details><summary>Closest sentences (not an answer)</summary>\n")
            parts.extend(_citation_markdown(c, mark=False) for c in answer.citations)
            parts.append("</details>")
        return "\n\n".join(parts)
    best = answer.best
    if best is not None and best.answer_text:
        parts.append(f"**Answer:** {_escape(best.answer_text)} (from [1])")
    parts.extend(_citation_markdown(c, mark=c.rank == 1) for c in answer.citations)
    return "\n\n".join(parts)


def _citation_markdown(c: Citation, mark: bool) -> str:
    """The citation's sentence, its answer span in bold when `mark`, and its provenance."""
    text = _escape(c.text)
    if mark and c.answer is not None:
        start, end = c.answer[0] - c.sentence.start, c.answer[1] - c.sentence.start
        before, span, after = c.text[:start], c.text[start:end], c.text[end:]
        text = f"{_escape(before)}<b>{_escape(span)}</b>{_escape(after)}"
    return (
        f"**[{c.rank}]** {text}  \n"
        f"<sub>{_escape(c.title)} · chars {c.sentence.start}–{c.sentence.end} · score {c.score:.4f}</sub>"
    )


def _escape(text: str) -> str:
    # Escape HTML and the Markdown characters that would restyle a quoted sentence.
    escaped = html.escape(text, quote=False)
    for char in "\\`*_[]#|~":
        escaped = escaped.replace(char, "\\" + char)
    return escaped
