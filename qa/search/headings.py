"""Headings are the context of the sentences under them, not answers: a heading a question
finds stands for the first sentence of its section (measured on docs/eval/real-docs: [1]
right 167 -> 173 of 284 English questions; dropping headings instead gave 173 too, but lost
the FAQ whose questions are its headings: 7 -> 7 of 21 right yet 3 -> 2 of 8 abstained)."""

from __future__ import annotations

from dataclasses import replace

from qa.index.corpus import Corpus
from qa.ingest.sections import entry_mark
from qa.search.retrieval import Ranked, Retrieval


def headings_as_context(corpus: Corpus, retrieval: Retrieval) -> Retrieval:
    """The ranking with each heading, and each entry of a contents list that names one
    (`Corpus.heading_named`), replaced by the first sentence under the heading; dropped when
    that sentence ranks higher already or nothing but headings follows it in its document."""
    ranked_rows: dict[int, Ranked] = {}
    for ranked in retrieval.ranking:
        heading = ranked.row if corpus.is_heading(ranked.row) else corpus.heading_named(ranked.row)
        if heading is not None:
            below = _first_below(corpus, heading)
            if below is None or below in ranked_rows:
                continue
            ranked = replace(ranked, row=below)
        ranked_rows.setdefault(ranked.row, ranked)
    if len(ranked_rows) == len(retrieval.ranking) and all(
        a is b for a, b in zip(ranked_rows.values(), retrieval.ranking)
    ):
        return retrieval
    ranking = tuple(replace(r, rank=rank) for rank, r in enumerate(ranked_rows.values(), start=1))
    return replace(retrieval, ranking=ranking)


def _first_below(corpus: Corpus, row: int) -> int | None:
    """The first sentence after the heading in `row` that is text: neither a heading nor in a
    contents list (an entry naming a heading, and the entries with its list mark after it,
    "• Triagers", "• Collaborator nominations": a document's title often stands above its
    contents, whose every entry need not name a heading found)."""
    doc_id = corpus.sentences[row].doc_id
    listed = ""  # the list mark of the contents being passed
    for below in range(row + 1, len(corpus.sentences)):
        sentence = corpus.sentences[below]
        if sentence.doc_id != doc_id:
            return None
        if corpus.is_heading(below):
            continue
        if corpus.heading_named(below) is not None:
            listed = entry_mark(sentence.text)
            continue
        if not listed or entry_mark(sentence.text) != listed:
            return below
    return None
