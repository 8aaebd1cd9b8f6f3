"""Headings as the context of the sentences under them: the section path a sentence sits
under, what is embedded and indexed for it, and what a citation shows."""

from __future__ import annotations

from qa.assistant import Assistant
from qa.index.corpus import Corpus
from qa.index.embedding import indexed_text, unwrapped
from qa.ingest.documents import make_document
from qa.serve.formatting import answer_to_json, answer_to_text

README = """# Harbour guide

## Ferries

### Night ferry

The night ferry leaves at 23:40 from pier four and
reaches the island before dawn.

## Prices

A single ticket costs nine euros.
"""

FAQ = """Harbour FAQ

1. Tickets

1.1. Can I bring a bicycle?

Yes, bicycles travel free on every
ferry.
"""


def _sentence(corpus: Corpus, words: str) -> int:
    return next(row for row, s in enumerate(corpus.sentences) if words in s.text)


def test_a_sentence_knows_the_headings_it_sits_under_without_the_title_again() -> None:
    corpus = Corpus.build([make_document(README, "guide.md")])
    night = corpus.sentences[_sentence(corpus, "night ferry leaves")]
    price = corpus.sentences[_sentence(corpus, "nine euros")]
    assert corpus.documents[night.doc_id].title == "Harbour guide"
    assert corpus.section_of(night) == ("Ferries", "Night ferry")
    assert corpus.section_of(price) == ("Prices",)  # a heading closes those of its level


def test_a_sentence_is_indexed_after_its_headings_with_its_line_wraps_undone() -> None:
    corpus = Corpus.build([make_document(README, "guide.md"), make_document(FAQ, "faq.txt")])
    night = _sentence(corpus, "night ferry leaves")
    assert indexed_text(corpus, night, titled=False) == (
        "Ferries > Night ferry: The night ferry leaves at 23:40 from pier four and reaches the "
        "island before dawn."
    )
    bicycle = _sentence(corpus, "bicycles travel free")
    assert indexed_text(corpus, bicycle, titled=False) == (
        "1. Tickets > 1.1. Can I bring a bicycle?: Yes, bicycles travel free on every ferry."
    )
    exact = corpus.sentences[bicycle]
    assert corpus.documents[exact.doc_id].text[exact.start : exact.end] == exact.text  # as written


def test_unwrapped_joins_typeset_hyphens_keeps_ascii_ones_and_drops_quote_marks() -> None:
    assert unwrapped("using Lem\u2010\n       pel-Ziv coding") == "using Lempel-Ziv coding"
    assert unwrapped("a self-\ncontained\n> quoted line") == "a self-contained quoted line"
    assert unwrapped("no wraps here") == "no wraps here"


def test_a_citation_shows_its_section(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_documents(
        [make_document(README, "guide.md")], embedder=fake_embedder
    )
    answer = assistant.ask("When does the night ferry leave?", k=1)
    assert answer_to_json(answer)["citations"][0]["section"] == ["Ferries", "Night ferry"]
    assert "— Harbour guide > Ferries > Night ferry (guide.md" in answer_to_text(answer)


def test_a_title_skips_front_matter_and_rule_lines() -> None:
    assert make_document(
        "---\ntitle: x\nlayout: y\n---\n\n# Real Title\n\nText.", "a.md"
    ).title == ("Real Title")
    assert make_document("=====\nBanner\n=====\n\nText.", "b.txt").title == "Banner"
    assert make_document("\n\n", "c.txt").title == "c.txt"  # nothing to title it by


def test_a_very_large_document_is_read_without_sections(monkeypatch) -> None:  # noqa: ANN001
    import qa.index.corpus

    monkeypatch.setattr(qa.index.corpus, "MAX_SECTIONED_CHARS", 50)
    corpus = Corpus.build([make_document(README, "guide.md")])
    night = corpus.sentences[_sentence(corpus, "night ferry leaves")]
    assert corpus.section_of(night) == ()  # over the limit: no structure read


def test_a_numbered_faq_question_is_one_heading_sentence_that_opens_its_answers_passage() -> None:
    corpus = Corpus.build([make_document(FAQ, source="faq.txt")])
    texts = [s.text for s in corpus.sentences]
    assert "1.1. Can I bring a bicycle?" in texts  # the number stays on its question
    question = texts.index("1.1. Can I bring a bicycle?")
    assert corpus.is_heading(question) and not corpus.is_heading(question + 1)
    assert corpus.sentences[question].passage == corpus.sentences[question + 1].passage


def test_list_items_and_table_rows_are_sentences_of_one_passage_never_joined() -> None:
    text = "Steps\n\n- install the ferry app\n- buy a ticket\n\n| pier | time |\n| 4 | 23:40 |\n"
    corpus = Corpus.build([make_document(text, source="steps.txt")])
    texts = [s.text for s in corpus.sentences]
    assert texts[1:3] == ["- install the ferry app", "- buy a ticket"]
    assert texts[3:] == ["| pier | time |", "| 4 | 23:40 |"]
    passages = [s.passage for s in corpus.sentences]
    assert passages[1] == passages[2] != passages[3] == passages[4]


def test_a_heading_a_question_finds_stands_for_the_first_sentence_under_it() -> None:
    from qa.search.headings import headings_as_context
    from qa.search.retrieval import Ranked, Retrieval
    from qa.types import Evidence

    corpus = Corpus.build([make_document(FAQ, source="faq.txt")])
    heading = _sentence(corpus, "Can I bring")
    answer = heading + 1

    def ranking(*rows: int) -> Retrieval:
        ranked = [
            Ranked(row, rank, 1.0 / rank, Evidence(1.0 / rank)) for rank, row in enumerate(rows, 1)
        ]
        return Retrieval(tuple(ranked), 0.5)

    assert [r.row for r in headings_as_context(corpus, ranking(heading, 0)).ranking] == [answer]
    # the sentence under it ranks higher already: the heading is dropped, ranks renumbered
    kept = headings_as_context(corpus, ranking(answer, heading)).ranking
    assert [(r.row, r.rank) for r in kept] == [(answer, 1)]
