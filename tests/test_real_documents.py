"""Real files end to end: hard-wrapped text, Markdown and a PDF with running headers are read,
split within their structure (a sentence never ends at a mere line wrap, a heading is its own
sentence and never an answer) and answered from, with offsets exact in the file's text."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qa.assistant import Assistant
from qa.index.corpus import Corpus, split_document
from qa.ingest.converters import read_file
from qa.ingest.documents import make_document
from qa.settings import Settings
from qa.types import Document
from tests.conftest import write_pages


@pytest.fixture(params=[False, True], ids=["retrieval", "reader"])
def reading(request: pytest.FixtureRequest) -> Settings:
    """Without and with the reader, which re-orders the top; no abstaining."""
    return Settings(reader=request.param, abstain_threshold=0.0)


# A plain-text file as an editor wraps it at 72 columns, and the same text unwrapped: each
# line break inside a paragraph a space (one character for one, so offsets are alike).
PLAIN = """\
Vellmar harbour news

The harbour authority of Vellmar opened the new northern pier on a grey
Monday morning after two years of building work. Ferries to the outer
islands will berth there from June, and the old pier will close for
repairs.

The pier was designed by the engineer Marta Olsson, who also drew the
plans for the breakwater at Skagen. Her design uses granite blocks
quarried on the island itself, so that the stone weathers like the old
harbour walls.

Services on the pier

- a waiting room with heating
- a kiosk selling hot drinks
- a bicycle shelter

Passengers with bicycles board through the side gate. Tickets are sold
in the waiting room, which opens one hour before the first depar-
ture of the day.
"""
PLAIN_UNWRAPPED = re.sub(r"(?<=[^\n])\n(?=[^\n-])", " ", PLAIN)


def exact_texts(corpus: Corpus, doc: Document) -> list[str]:
    for s in corpus.sentences:
        assert doc.text[s.start : s.end] == s.text, s
    return [s.text for s in corpus.sentences]


def spans(doc: Document) -> list[tuple[int, int]]:
    return [tuple(span) for span in split_document(doc).spans]


def test_a_hard_wrapped_text_file_splits_into_sentences_not_lines(tmp_path: Path) -> None:
    path = tmp_path / "harbour.txt"
    path.write_text(PLAIN, encoding="utf-8")
    doc = read_file(path)
    assert doc.text == PLAIN and PLAIN_UNWRAPPED.count("\n") == PLAIN.count("\n") - 8
    corpus = Corpus.build([doc])
    texts = exact_texts(corpus, doc)
    # no sentence ends at a wrap: the same spans as the text with its wraps made spaces
    assert spans(doc) == spans(make_document(PLAIN_UNWRAPPED, "harbour.txt"))
    assert [" ".join(t.split()) for t in texts] == [
        "Vellmar harbour news",
        "The harbour authority of Vellmar opened the new northern pier on a grey Monday "
        "morning after two years of building work.",
        "Ferries to the outer islands will berth there from June, and the old pier will "
        "close for repairs.",
        "The pier was designed by the engineer Marta Olsson, who also drew the plans for "
        "the breakwater at Skagen.",
        "Her design uses granite blocks quarried on the island itself, so that the stone "
        "weathers like the old harbour walls.",
        "Services on the pier",
        "- a waiting room with heating",
        "- a kiosk selling hot drinks",
        "- a bicycle shelter",
        "Passengers with bicycles board through the side gate.",
        "Tickets are sold in the waiting room, which opens one hour before the first depar- "
        "ture of the day.",
    ]
    headings = [s.text for row, s in enumerate(corpus.sentences) if corpus.is_heading(row)]
    assert headings == ["Vellmar harbour news", "Services on the pier"]
    kiosk = next(s for s in corpus.sentences if "kiosk" in s.text)
    assert corpus.section_of(kiosk) == ("Services on the pier",)


def test_a_question_on_a_hard_wrapped_file_cites_the_wrapped_sentence(
    tmp_path: Path,
    fake_embedder,  # noqa: ANN001
    reading: Settings,
) -> None:
    path = tmp_path / "harbour.txt"
    path.write_text(PLAIN, encoding="utf-8")
    doc = read_file(path)
    assistant = Assistant.from_documents([doc], reading, embedder=fake_embedder)
    best = assistant.ask("Which engineer designed the pier?", k=3).best
    assert best is not None and best.rank == 1
    assert best.text.startswith(
        "The pier was designed by the engineer Marta Olsson"
    ) and best.text.endswith("breakwater at Skagen.")
    cited = doc.text[best.sentence.start : best.sentence.end]
    assert cited == best.text and cited.count("\n") == 1  # the file's own wrapped lines


README = """\
# Tidewater

Tidewater predicts the tides of any harbour from its harmonic
constituents. It reads a station file, computes the heights for
each hour, and prints a table of the high and low waters of the
coming week.

## Install

Tidewater needs Python and a C compiler for its harmonic solver.

1. Download the release archive.
2. Unpack it into a folder of your own.
3. Run the installer script.

```sh
./install.sh --prefix ~/.local
```

## Stations

- Dover, with data from 1990
- Brest, with data from 1985
"""


def test_a_markdown_readme_has_heading_list_and_wrapped_paragraph_sentences(
    tmp_path: Path,
) -> None:
    path = tmp_path / "README.md"
    path.write_text(README, encoding="utf-8")
    doc = read_file(path)
    corpus = Corpus.build([doc])
    texts = exact_texts(corpus, doc)
    headings = [s.text for row, s in enumerate(corpus.sentences) if corpus.is_heading(row)]
    assert headings == ["Tidewater", "Install", "Stations"]
    assert "Tidewater predicts the tides of any harbour from its harmonic\nconstituents." in texts
    items = [line for line in README.split("\n") if line[:2] in ("1.", "2.", "3.", "- ")]
    assert len(items) == 5 and set(items) <= set(texts)  # each list item is a sentence
    for words in ("C compiler", "Unpack", "install.sh"):
        sentence = next(s for s in corpus.sentences if words in s.text)
        assert corpus.section_of(sentence) == ("Install",), words


def test_a_markdown_question_cites_a_sentence_under_its_heading_not_the_heading(
    tmp_path: Path,
    fake_embedder,  # noqa: ANN001
    reading: Settings,
) -> None:
    path = tmp_path / "README.md"
    path.write_text(README, encoding="utf-8")
    assistant = Assistant.from_documents([read_file(path)], reading, embedder=fake_embedder)
    corpus = assistant.corpus
    for question in ("What does the install need?", "Which stations?", "What is Tidewater?"):
        best = assistant.ask(question, k=3).best
        assert best is not None and not corpus.is_heading(best.sentence.row), question
    best = assistant.ask("What does Tidewater need to install its harmonic solver?", k=3).best
    assert best is not None
    assert best.text == "Tidewater needs Python and a C compiler for its harmonic solver."
    assert best.section == ("Install",)


HEADER = "Vellmar Harbour Authority - Annual Report"
PDF_PAGES = [
    "The harbour authority met eleven times this year. Its board approved the budget for the "
    "northern pier and the dredging of the channel.",
    "The new lighthouse keeper is Jonas Berg, who served on the coastal ferries for ten years "
    "before he joined the authority. He lives in the old harbour master's house.",
    "Ferry traffic grew by a fifth. Most passengers travelled in the summer months, when the "
    "islands hold their markets.",
]


class HarbourReport(FPDF):
    def header(self) -> None:
        self.set_font("helvetica", size=9)
        self.cell(0, 8, HEADER, align="C")
        self.ln(12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("helvetica", size=9)
        self.cell(0, 8, str(self.page_no()), align="C")


def test_a_pdf_loses_its_running_header_and_page_numbers_and_cites_page_two(
    tmp_path: Path,
    fake_embedder,  # noqa: ANN001
    reading: Settings,
) -> None:
    doc = read_file(write_pages(HarbourReport(), PDF_PAGES, tmp_path / "report.pdf"))
    assert len(doc.pages) == 3
    corpus = Corpus.build([doc])
    texts = exact_texts(corpus, doc)
    assert not [t for t in texts if "Annual Report" in t or "Vellmar" in t or re.search(r"\d", t)]
    assert "Ferry traffic grew by a fifth." in [" ".join(t.split()) for t in texts]
    assistant = Assistant.from_corpus(corpus, reading, embedder=fake_embedder)
    best = assistant.ask("Who is the new lighthouse keeper?", k=3).best
    assert best is not None and best.page == 2
    assert best.text.startswith("The new lighthouse keeper is Jonas Berg")
    assert doc.text[best.sentence.start : best.sentence.end] == best.text


# No numbers: a wrapped line that starts "3.5 Dr." after a line ending in "?" may read as a
# numbered FAQ question, which a text can really hold.
_WORDS = ["tide", "harbour", "ferry", "pier", "island", "the", "of", "a", "stone", "walls"]
_WORDS += ["Dr. Berg", "e.g.", "U.S.", "(north)", "well-known", "o'clock", "x"]


_SENTENCE = st.builds(
    lambda words, end: words[0][:1].upper() + " ".join(words)[1:] + end,
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=14),
    st.sampled_from([".", ".", "?", "!", ";", ":", ""]),
)
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=6).map(" ".join)


@given(
    st.lists(st.tuples(_PARAGRAPH, st.integers(12, 80)), min_size=1, max_size=5),
    st.sampled_from(["", "Harbour news", "HARBOUR NEWS", "1. Tides"]),
    st.sampled_from(["notes.txt", "notes.md"]),
)
@example(blocks=[("Tide tide; A:", 12)], heading="", source="notes.txt")  # "A:" wrapped, not an answer
@settings(max_examples=50, deadline=None)
def test_hard_wrapped_paragraphs_split_like_the_unwrapped_ones(
    blocks: list[tuple[str, int]], heading: str, source: str
) -> None:
    wrapped = [
        textwrap.fill(p, width, break_long_words=False, break_on_hyphens=False)
        for p, width in blocks
    ]
    text = "\n\n".join(([heading] if heading else []) + wrapped) + "\n"
    unwrapped = "\n\n".join(([heading] if heading else []) + [p for p, _ in blocks]) + "\n"
    assert len(text) == len(unwrapped)  # one newline for one space
    found = spans(make_document(text, source))
    previous_end = 0
    for start, end in found:
        assert start >= previous_end and text[start:end] == text[start:end].strip() != ""
        previous_end = end
    assert found == spans(make_document(unwrapped, source))


def test_a_wrapped_line_starting_with_a_number_and_full_stop_continues_its_sentence() -> None:
    text = (
        "The ferry calls at the islands in the order that is shown in chapter\n"
        "3. Tickets for each crossing are sold on board until the ferry leaves.\n"
    )
    unwrapped = text.replace("\n", " ", 1)
    assert spans(make_document(text, "ferry.txt")) == spans(make_document(unwrapped, "ferry.txt"))
