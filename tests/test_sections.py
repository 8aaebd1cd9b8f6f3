"""Headings as the context of the sentences under them: the section path a sentence sits
under, what is embedded and indexed for it, and what a citation shows."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.answer.reader_config import CONTEXT_CHARS, question_in_context
from qa.assistant import Assistant
from qa.index.corpus import Corpus
from qa.index.embedding import indexed_text, unwrapped, unwrapped_with_offsets
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


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1 -\n\t>\u2010\u00ad", max_size=40))
def test_the_unwrapped_text_knows_where_each_character_came_from(text: str) -> None:
    read, offsets = unwrapped_with_offsets(text)
    assert read == unwrapped(text) and len(offsets) == len(read)
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    assert all(c == text[o] for c, o in zip(read, offsets) if c not in " -")


def test_a_span_marked_in_the_unwrapped_text_is_cited_in_the_original() -> None:
    text = "gzip uses Lem\u2010\n       pel-Ziv coding."
    read, offsets = unwrapped_with_offsets(text)
    a = read.index("Lempel-Ziv")
    b = a + len("Lempel-Ziv")
    assert text[offsets[a] : offsets[b - 1] + 1] == "Lem\u2010\n       pel-Ziv"


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


def test_a_fragment_answer_is_one_sentence_with_the_sentence_after_it() -> None:
    text = (
        "1.1. Can I bring a bicycle?\n\nYes! Bicycles travel free.\n\n"
        "1.2. Can I pay on board?\n\nNo. Tickets are sold at\npier four. Cash only.\n\n"
        "- Yes.\n- No.\n"
    )
    texts = [s.text for s in Corpus.build([make_document(text, source="faq.txt")]).sentences]
    assert "Yes! Bicycles travel free." in texts
    assert "No. Tickets are sold at\npier four." in texts and "Cash only." in texts
    assert texts[-2:] == ["- Yes.", "- No."]  # a list item stays its own sentence


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


def test_a_contents_entry_stands_for_the_section_it_names_never_for_itself() -> None:
    from qa.ingest.sections import contents_key
    from qa.search.headings import headings_as_context
    from qa.search.retrieval import Ranked, Retrieval
    from qa.types import Evidence

    guide = (
        "Harbour FAQ\n\nContents\n\n1. Tickets ........ 3\n2. Bicycles\n\n"
        "1. Tickets\n\nA single ticket costs nine euros.\n\n"
        "2. Bicycles\n\nBicycles travel free on every ferry.\n"
    )
    corpus = Corpus.build([make_document(guide, source="faq.txt")])
    entries = [row for row, s in enumerate(corpus.sentences) if s.text.startswith("2. Bicycles")]
    entry, heading = entries
    assert (corpus.heading_named(entry), corpus.heading_named(heading)) == (heading, None)
    assert corpus.heading_named(_sentence(corpus, "Bicycles travel")) is None
    assert contents_key("• Triagers") == contents_key("triagers") == "triagers"
    assert contents_key("1. Tickets ........ 3") == contents_key("1.  Tickets") == "1. tickets"
    ranked = Retrieval((Ranked(entry, 1, 1.0, Evidence(1.0)),), 0.5)
    assert [r.row for r in headings_as_context(corpus, ranked).ranking] == [
        _sentence(corpus, "Bicycles travel")
    ]


def test_a_title_above_a_contents_list_stands_for_the_text_after_the_list() -> None:
    from qa.search.headings import headings_as_context
    from qa.search.retrieval import Ranked, Retrieval
    from qa.types import Evidence

    # As the Node.js governance document reads: not every entry names a heading found.
    guide = (
        "Harbour Rules\n\n\u2022 Tickets\n\n\u2022 Ticket inspections and fines\n\n"
        "Tickets\n\nA single ticket costs nine euros. Children travel free.\n"
    )
    corpus = Corpus.build([make_document(guide, source="rules.txt")])
    title = _sentence(corpus, "Harbour Rules")
    assert corpus.is_heading(title)
    ranked = Retrieval((Ranked(title, 1, 1.0, Evidence(1.0)),), 0.5)
    assert [r.row for r in headings_as_context(corpus, ranked).ranking] == [
        _sentence(corpus, "A single ticket")
    ]


def test_the_reader_reads_a_sentence_after_the_one_before_it_or_its_heading() -> None:
    corpus = Corpus.build([make_document(README, "guide.md"), make_document(FAQ, "faq.txt")])
    after = corpus.context_of
    assert after(_sentence(corpus, "The night ferry")) == "Night ferry"
    assert after(_sentence(corpus, "A single ticket")) == "Prices"
    assert after(_sentence(corpus, "Yes, bicycles")) == "1.1. Can I bring a bicycle?"
    text = "The ferry is slow. It is also cheap.\n\nTickets are sold on board."
    plain = Corpus.build([make_document(text, "notes.txt", title="Ferry notes")])
    assert plain.context_of(_sentence(plain, "It is also")) == "The ferry is slow."
    assert plain.context_of(_sentence(plain, "The ferry is slow")) == "Ferry notes"
    assert plain.context_of(_sentence(plain, "Tickets are")) == "Ferry notes"
    taken_out = frozenset({_sentence(plain, "The ferry is slow")})
    assert plain.context_of(_sentence(plain, "It is also"), taken_out) == "Ferry notes"


def test_a_question_is_read_with_the_start_of_its_context_cut_at_a_word() -> None:
    assert question_in_context("Who?", "") == "Who?"
    assert question_in_context("Who?", "Line one\n  wrapped") == "Who? [SEP] Line one wrapped"
    long = question_in_context("Who?", "word " * 100)
    assert long.startswith("Who? [SEP] word word")
    assert len(long) <= len("Who? [SEP] ") + CONTEXT_CHARS and not long.endswith(" ")
