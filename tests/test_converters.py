"""Reading real files: text in several encodings, HTML, PDF and .docx, and each way they fail.

Every fixture is built inside its test, so the files are exactly what the assertions expect.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import QAError
from qa.index.corpus import Corpus, sentences_of
from qa.ingest.blocks import BlockKind
from qa.ingest.converters import SUPPORTED_SUFFIXES, join_pages, read_file, unwrap_lines
from qa.ingest.converters.pdf import page_texts
from qa.ingest.files import ingest, read_documents
from qa.ingest.sections import document_blocks
from qa.types import Document
from tests.conftest import write_pages

CHINESE = (
    "长江三角洲的产业链\n\n"
    "长江三角洲的产业链正在快速发展。联盟由十二所大学于二零二一年创立，负责协调三个省份的生物医药研究。"
    "它的主任是中国药科大学的一位教授。\n"
)
TRADITIONAL = (
    "長江三角洲的產業鏈\n\n"
    "長江三角洲的產業鏈正在快速發展。聯盟由十二所大學於二零二一年創立，負責協調三個省份的生物醫藥研究。"
    "它的主任是中國藥科大學的一位教授。\n"
)
WESTERN = (
    "Café society\n\n"
    "Café society met at the Hôtel de Ville. The naïve résumé was “quoted” – twice – by the "
    "committee’s chair.\n"
)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def sentence_texts(doc: Document) -> list[str]:
    """The document's sentences, checking each one's offsets on the way."""
    sentences = sentences_of(doc, first_id=0)
    for s in sentences:
        assert doc.text[s.start : s.end] == s.text
    return [s.text for s in sentences]


# --- plain text ------------------------------------------------------------------------------


def test_gbk_and_big5_files_index_and_answer(tmp_path: Path, fake_embedder) -> None:  # noqa: ANN001
    from qa import Assistant, Settings

    write(tmp_path / "simplified.txt", CHINESE.encode("gbk"))
    write(tmp_path / "traditional.txt", TRADITIONAL.encode("big5"))
    settings = Settings(reader=False, abstain_threshold=0.0)
    assistant = Assistant.from_paths([tmp_path], settings, embedder=fake_embedder)
    best = assistant.ask("联盟的主任是哪所大学的教授？", k=1).best
    assert best is not None and best.text == "它的主任是中国药科大学的一位教授。"
    best = assistant.ask("聯盟由幾所大學創立？", k=1).best
    assert best is not None and best.text.startswith("聯盟由十二所大學於二零二一年創立")
    assert best.source.endswith("traditional.txt")


@pytest.mark.parametrize(
    ("text", "encoding", "sentence"),
    [
        (CHINESE, "gbk", "它的主任是中国药科大学的一位教授。"),
        (CHINESE, "gb18030", "它的主任是中国药科大学的一位教授。"),
        (TRADITIONAL, "big5", "它的主任是中國藥科大學的一位教授。"),
        (WESTERN, "cp1252", "Café society met at the Hôtel de Ville."),
        (WESTERN, "utf-16", "Café society met at the Hôtel de Ville."),  # with a BOM
        (WESTERN, "utf-8-sig", "Café society met at the Hôtel de Ville."),
        (CHINESE, "utf-8", "它的主任是中国药科大学的一位教授。"),
    ],
)
def test_read_text_decodes_common_encodings(
    tmp_path: Path, text: str, encoding: str, sentence: str
) -> None:
    path = write(tmp_path / "article.txt", text.encode(encoding))
    doc = read_file(path)
    assert doc.text == text
    assert doc.title == text.split("\n")[0]
    assert doc.source == str(path)
    assert doc.pages == () and doc.page_of(0) is None
    assert sentence in sentence_texts(doc)


def test_read_text_normalises_windows_newlines(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.md", "Title\r\n\r\nOne line.\rTwo.\r\n".encode("utf-16"))
    assert read_file(path).text == "Title\n\nOne line.\nTwo.\n"


def test_read_text_suffix_is_case_insensitive_and_source_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "tmp123.TXT", b"Hello there. Second sentence.")
    doc = read_file(path, source="My Notes.TXT")
    assert doc.source == "My Notes.TXT"
    assert sentence_texts(doc) == ["Hello there.", "Second sentence."]


def test_read_text_stray_byte_past_what_chardet_examines_is_replaced(tmp_path: Path) -> None:
    head = CHINESE * (250_000 // len(CHINESE.encode("gbk")))  # chardet reads 200,000 bytes
    data = head.encode("gbk") + b"\xff" + CHINESE.encode("gbk")
    doc = read_file(write(tmp_path / "long.txt", data))
    assert doc.text == head + "\ufffd" + CHINESE


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20,
        b"plain start\x00\x01\x02\x00 then zeros",
    ],
)
def test_read_text_refuses_binary_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "image.txt", data)
    with pytest.raises(QAError, match="image.txt looks binary, not text"):
        read_file(path)


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t \n"])
def test_read_text_refuses_empty_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(QAError, match="empty.txt contains no text"):
        read_file(write(tmp_path / "empty.txt", data))


# --- HTML ------------------------------------------------------------------------------------

ARTICLE = [
    "The alliance was founded in 2021 by twelve universities across three provinces of the "
    "Yangtze River Delta, to share laboratories, students and clinical data.",
    "Its director is a professor at China Pharmaceutical University, who has led the alliance "
    "since its founding year and reports to the provincial governments.",
    "The member universities publish a joint report every spring that lists the new drug "
    "candidates and the companies that license them.",
]
PAGE = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>River chains | Example News</title>
<script>var tracking = "SCRIPT_TEXT";</script><style>p {{ color: red; }}</style></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About us</a> | <a href="/contact">Contact</a></nav>
<article>
<h1>Chains along the river</h1>
<p>{ARTICLE[0]}</p>
<p>{ARTICLE[1]}</p>
<table><tr><th>Member</th><th>Joined</th></tr><tr><td>Nanjing University</td><td>2021</td></tr></table>
<p>{ARTICLE[2]}</p>
</article>
<footer>Copyright 2024 Example News. All rights reserved. Privacy policy.</footer>
<script>console.log("MORE_SCRIPT_TEXT")</script>
</body></html>"""
# What the HTML page and the Word file below both read as: blocks, table rows included.
BLOCKS = [
    "Chains along the river",
    ARTICLE[0],
    ARTICLE[1],
    "Member | Joined",
    "Nanjing University | 2021",
    ARTICLE[2],
]


def test_read_html_keeps_article_blocks_and_drops_boilerplate(tmp_path: Path) -> None:
    doc = read_file(write(tmp_path / "page.html", PAGE.encode()))
    blocks = doc.text.split("\n\n")
    assert blocks == BLOCKS
    for gone in ("SCRIPT_TEXT", "color", "About us", "All rights reserved"):
        assert gone not in doc.text
    assert doc.title == "Chains along the river"
    sentences = sentence_texts(doc)
    assert ARTICLE[1] in sentences
    assert doc.text.index(ARTICLE[1]) == len("\n\n".join(blocks[:2])) + 2


def test_read_html_keeps_inline_code_and_source_line_breaks_inside_the_sentence(
    tmp_path: Path,
) -> None:
    body = "".join(
        f"<p>Paragraph {n} says enough words here to count as the main text of the page.</p>"
        for n in range(4)
    )
    page = (
        "<html><body><article>" + body + "<p>Compile your program with <code>-g</code> to "
        "include debugging\ninformation, and use <code>-O0</code> if you can.</p>"
        "<pre><code>gcc -g -O0\nvalgrind ./a.out</code></pre></article></body></html>"
    )
    doc = read_file(write(tmp_path / "guide.html", page.encode()))
    assert (
        "Compile your program with -g to include debugging information, and use -O0 if you can."
        in sentence_texts(doc)
    )
    assert "gcc -g -O0\nvalgrind ./a.out" in doc.text  # a code block keeps its lines


def test_read_html_titles_by_title_element_and_decodes_declared_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="gbk"><title>长江三角洲的产业链</title></head><body><div>'
        f"<p>{CHINESE.split(chr(10))[2]}</p><p>{ARTICLE[0]}</p></div></body></html>"
    )
    doc = read_file(write(tmp_path / "zh.HTM", page.encode("gbk")))
    assert doc.title == "长江三角洲的产业链"
    assert "它的主任是中国药科大学的一位教授。" in sentence_texts(doc)


SECTIONS = {
    "1.\u00a0Introduction": "The harbour tool suite provides a number of debugging and profiling "
    "tools. The most popular of these tools is called Checker.",
    "2.\u00a0Preparing your program": "Compile your program with debugging information so that "
    "the messages name exact line numbers. Optimisation makes them less exact.",
    "3.\u00a0Running the checker": "Put the name of the tool in front of the command line. Your "
    "program will run much slower than normal and use a lot more memory.",
    "4.\u00a0Caveats": "The checker is not perfect and occasionally reports false positives. "
    "There are ways to suppress them, described in the manual.",
}


def _docbook_page() -> str:
    """A page as DocBook's HTML writes them (Valgrind's and Debian's manuals): each section's
    title inside a `div.titlepage`, which trafilatura drops."""
    sections = "".join(
        f'<div class="sect1"><div class="titlepage"><div><div><h2 class="title" '
        f'style="clear: both"><a name="s{n}"></a>{title}</h2></div></div></div><p>{text}</p></div>'
        for n, (title, text) in enumerate(SECTIONS.items())
    )
    return (
        '<html><head><title>Quick Start</title></head><body><div class="article">'
        '<div class="titlepage"><div><div><h1 class="title">Quick Start</h1></div></div><hr></div>'
        f"{sections}</div></body></html>"
    )


def test_read_html_puts_back_the_section_titles_trafilatura_drops(tmp_path: Path) -> None:
    import trafilatura

    page = _docbook_page().encode()
    extracted = trafilatura.bare_extraction(page, include_tables=True).body
    assert not list(extracted.iter("head"))  # what the extraction alone gives: no titles
    doc = read_file(write(tmp_path / "quick-start.html", page))
    corpus = Corpus.build([doc])
    kept = 0
    for title, text in SECTIONS.items():
        title = " ".join(title.split())
        first = text.split(". ")[0] + "."
        if first not in doc.text:  # trafilatura may leave a short page's last section out
            continue
        kept += 1
        assert f"{title}\n\n{first}" in doc.text and doc.text.count(title) == 1
        (sentence,) = [s for s in corpus.sentences if s.text == first]
        assert corpus.section_of(sentence) == (title,)
    assert kept >= 3
    plain = _docbook_page().replace('<div class="titlepage">', "<div>")  # titles kept: once
    kept_doc = read_file(write(tmp_path / "plain.html", plain.encode()))
    assert all(kept_doc.text.count(" ".join(t.split())) <= 1 for t in SECTIONS)


def test_read_html_without_article_text_says_so(tmp_path: Path) -> None:
    page = b"<html><head><title>Gallery</title><script>var x = 1;</script></head><body><img src=a.png></body></html>"
    with pytest.raises(QAError, match="no article text could be extracted from .*empty.html"):
        read_file(write(tmp_path / "empty.html", page))


# --- PDF -------------------------------------------------------------------------------------

PAGE_TWO = "Its director is a professor at China Pharmaceutical University."


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def test_read_pdf_records_page_starts(tmp_path: Path) -> None:
    wrapped = (
        "The alliance was founded in 2021 by twelve universities that wanted to share their "
        "laboratories, their students and their clinical data across the region."
    )
    path = make_pdf(
        tmp_path / "report.pdf",
        [f"Founding\n{wrapped}", f"{PAGE_TWO} She has led it since 2021.", "", "The end."],
        title="Delta Report",
    )
    doc = read_file(path, source="Delta Report.pdf")
    assert doc.title == "Delta Report"
    assert doc.source == "Delta Report.pdf"
    assert len(doc.pages) == 4 and doc.pages[0] == 0  # pages 1, 2, 3 (empty) and 4
    assert doc.text[: doc.pages[1]].rstrip().endswith("across the region.")
    assert doc.text[doc.pages[1] :].startswith(PAGE_TWO)
    assert doc.text[doc.pages[3] :] == "The end."
    where = doc.text.index(PAGE_TWO)
    assert doc.page_of(where) == 2
    assert doc.page_of(where + len(PAGE_TWO) - 1) == 2
    assert doc.page_of(0) == 1
    assert doc.page_of(doc.text.index("The end.")) == 4
    sentences = sentence_texts(doc)
    # the line the layout wrapped mid-sentence is joined again (a space for the newline)
    assert wrapped in sentences
    assert PAGE_TWO in sentences and "Founding" in sentences


class RunningReport(FPDF):
    """A report with a running header (title and year), a footer and a page number."""

    def header(self) -> None:
        self.set_font("helvetica", size=9)
        self.cell(0, 8, "Delta Alliance Annual Report 2021", align="C")
        self.ln(12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("helvetica", size=9)
        self.cell(0, 8, "Confidential - internal use only", align="L")
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="R")


BODIES = [
    "Founding\nThe alliance was founded in 2021 by twelve universities that wanted to share "
    "their laboratories, their students and their clinical data across the region.",
    f"{PAGE_TWO} She has led it since 2021, after ten years in Nanjing.",
    "Members meet twice a year. The next meeting is in Hangzhou in May.",
    "Funding comes from the provinces and from industry partners.",
]


def test_read_pdf_drops_running_headers_footers_and_page_numbers(tmp_path: Path) -> None:
    doc = read_file(write_pages(RunningReport(), BODIES, tmp_path / "running.pdf"))
    for furniture in ("Annual Report", "Confidential", "Page ", " of 4"):
        assert furniture not in doc.text
    sentences = sentence_texts(doc)
    assert sentences[0] == "Founding" and BODIES[0].split("\n")[1] in sentences
    assert "Members meet twice a year." in sentences and sentences[-1] == BODIES[3]
    assert len(doc.pages) == 4
    for page, body in enumerate(BODIES, start=1):
        start = doc.pages[page - 1]
        assert doc.text[start:].startswith(body.split("\n")[0].split(". ")[0])
        assert doc.page_of(doc.text.index(body.split("\n")[-1][-20:])) == page


def test_page_texts_drops_page_numbers_at_a_page_edge_only() -> None:
    pages = [
        "1\nIntroduction\nSales rose.\nUnits sold:\n42\nMore text.\nThe end is near.\nEnd.",
        "- 2 -\nMarkets\nPrices fell.",
        "Summary\nCosts were flat.\nPage 3 of 10",
        "Outlook\nWe expect growth.\n4 / 10",
        "Closing\nSigned in\n2021",
    ]
    assert page_texts(pages) == [
        "Introduction\n\nSales rose.\nUnits sold:\n42\n\nMore text.\nThe end is near.\nEnd.",
        "Markets\n\nPrices fell.",
        "Summary\n\nCosts were flat.",
        "Outlook\n\nWe expect growth.",
        "Closing\n\nSigned in\n\n2021",
    ]


def test_page_texts_drops_a_line_repeated_at_the_top_of_most_pages_only() -> None:
    header = "ACME Corp. Quarterly Review Q{} 2024"
    bodies = ["Sales rose.", "Costs fell.", "Profit doubled."]
    pages = [f"{header.format(n)}\n{body}" for n, body in enumerate(bodies, start=1)]
    pages.append("A last page without the header.")
    assert page_texts(pages) == [*bodies, "A last page without the header."]
    # on two pages of five a line is not running
    assert page_texts([*pages[:2], "x", "y", "z"])[0].startswith(header.format(1))


def test_read_pdf_without_title_metadata_titles_by_first_line(tmp_path: Path) -> None:
    doc = read_file(make_pdf(tmp_path / "untitled.pdf", ["Annual figures\nSales rose."]))
    assert doc.title == "Annual figures"
    assert doc.pages == (0,) and doc.page_of(len(doc.text) - 1) == 1  # one page is page 1


def test_read_pdf_of_scanned_images_suggests_ocr(tmp_path: Path) -> None:
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 100, 150, style="F")  # stands in for a scanned image: no text
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(QAError, match=r"scan.pdf has no extractable text.*2 pages.*OCR"):
        read_file(tmp_path / "scan.pdf")


def test_read_pdf_with_a_password_says_so(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.multi_cell(0, 8, "Hidden text.")
    pdf.output(str(tmp_path / "locked.pdf"))
    with pytest.raises(QAError, match="locked.pdf is a password-protected PDF"):
        read_file(tmp_path / "locked.pdf")


def test_read_pdf_encrypted_without_user_password_is_read(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.set_encryption(owner_password="owner")  # copying restricted, opening free
    pdf.add_page()
    pdf.multi_cell(0, 8, "Readable text. Second sentence.")
    pdf.output(str(tmp_path / "restricted.pdf"))
    assert sentence_texts(read_file(tmp_path / "restricted.pdf")) == [
        "Readable text.",
        "Second sentence.",
    ]


def test_read_pdf_refuses_damaged_file(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog\ngarbage")
    with pytest.raises(QAError, match="broken.pdf is not a readable PDF"):
        read_file(path)


def test_unwrap_lines_joins_wrapped_lines_and_parts_headings_and_items() -> None:
    text = (
        "Heading\n"
        "A sentence that the layout wrapped at the end of a long line and\n"
        "continued here. Then a new one that ends at the line end.\n"
        "Next sentence starts a line\n"
        "- a list item\n"
        "The line before this one was short"
    )
    assert unwrap_lines(text) == (
        "Heading\n\n"
        "A sentence that the layout wrapped at the end of a long line and continued here. "
        "Then a new one that ends at the line end.\n"
        "Next sentence starts a line\n\n"
        "- a list item\n\n"
        "The line before this one was short"
    )


@settings(max_examples=50)
@given(st.lists(st.text(alphabet="ab \n", max_size=12), min_size=1, max_size=6))
def test_join_pages_offsets_point_at_each_page(texts: list[str]) -> None:
    text, starts = join_pages(texts)
    assert len(starts) == len(texts) and starts[0] == 0
    for page, start in enumerate(starts[1:], start=2):
        assert text[start:].startswith(texts[page - 1])
        assert text[start - 2 : start] == "\n\n"
        doc = Document("id", "t", "s", text, starts)
        if texts[page - 1]:
            assert doc.page_of(start) == page


# --- Word ------------------------------------------------------------------------------------


def make_docx(path: Path, title: str = "") -> Path:
    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("Chains along the river", level=1)
    document.add_paragraph(ARTICLE[0])
    document.add_paragraph("")  # an empty paragraph adds no block
    document.add_paragraph(ARTICLE[1])
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("Member", "Joined"), ("Nanjing University", "2021")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph(ARTICLE[2])
    document.save(str(path))
    return path


def test_read_docx_keeps_paragraphs_headings_and_tables_in_order(tmp_path: Path) -> None:
    doc = read_file(make_docx(tmp_path / "report.docx", title="Delta alliance report"))
    assert doc.text.split("\n\n") == BLOCKS
    assert doc.title == "Delta alliance report"
    assert ARTICLE[1] in sentence_texts(doc)
    assert doc.pages == ()


def test_read_docx_without_title_property_titles_by_first_line(tmp_path: Path) -> None:
    assert read_file(make_docx(tmp_path / "report.docx")).title == "Chains along the river"


def test_read_docx_marks_list_items_so_the_title_above_them_is_a_heading(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Harbour governance", style="Title")
    for item in ("Triagers", "Collaborators"):  # a contents list, bulleted by Word
        document.add_paragraph(item, style="List Bullet")
    document.add_paragraph("Steps", style="List Number")
    document.add_paragraph("Triagers label new issues.")
    document.save(str(tmp_path / "governance.docx"))
    doc = read_file(tmp_path / "governance.docx")
    assert doc.text.split("\n\n") == [
        "Harbour governance",
        "• Triagers",
        "• Collaborators",
        "• Steps",
        "Triagers label new issues.",
    ]
    blocks = [(b.kind, doc.text[b.start : b.end]) for b in document_blocks(doc)]
    assert blocks[:2] == [
        (BlockKind.HEADING, "Harbour governance"),
        (BlockKind.LIST_ITEM, "• Triagers"),
    ]


def test_read_docx_merged_cells_are_listed_once(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Wide"
    table.cell(0, 2).text = "Narrow"
    document.save(str(tmp_path / "merged.docx"))
    assert read_file(tmp_path / "merged.docx").text == "Wide | Narrow"


@pytest.mark.parametrize("data", [b"not a zip file at all", b"PK\x03\x04 truncated zip"])
def test_read_docx_refuses_damaged_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(QAError, match="broken.docx is not a readable Word .docx file"):
        read_file(write(tmp_path / "broken.docx", data))


def test_read_docx_without_text_says_so(tmp_path: Path) -> None:
    docx.Document().save(str(tmp_path / "blank.docx"))
    with pytest.raises(QAError, match="blank.docx contains no text"):
        read_file(tmp_path / "blank.docx")


# --- any file --------------------------------------------------------------------------------


def test_read_file_refuses_unsupported_type_listing_supported(tmp_path: Path) -> None:
    path = write(tmp_path / "sheet.xlsx", b"PK")
    with pytest.raises(
        QAError, match=r"sheet.xlsx: unsupported file type .xlsx; supported: .*\.pdf"
    ):
        read_file(path)
    assert {".txt", ".md", ".html", ".htm", ".pdf", ".docx"} <= SUPPORTED_SUFFIXES


def test_read_file_refuses_file_over_the_size_limit_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", b"x" * 2_000)
    with pytest.raises(QAError, match="upload.txt is 2,000 bytes, over the 1,000 bytes limit"):
        read_file(path, source="upload.txt", max_bytes=1_000)
    assert read_file(path, max_bytes=2_000).text == "x" * 2_000


def test_read_file_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(QAError, match="gone.pdf does not exist"):
        read_file(tmp_path / "gone.pdf")


def test_read_documents_walks_folders_for_every_supported_type(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    (folder / "nested").mkdir(parents=True)
    write(folder / "a.txt", CHINESE.encode("gbk"))
    write(folder / "nested" / "b.html", PAGE.encode())
    make_pdf(folder / "nested" / "c.PDF", [PAGE_TWO])
    make_docx(folder / "d.docx")
    write(folder / "skipped.bin", b"\x00\x01")
    docs = read_documents([folder])
    assert [Path(d.source).name for d in docs] == ["a.txt", "d.docx", "c.PDF"]
    (skipped,) = ingest([folder]).skipped  # b.html has d.docx's text
    assert Path(skipped.source).name == "b.html" and skipped.duplicate
    with pytest.raises(QAError, match="unsupported file type .bin"):
        read_documents([folder / "skipped.bin"])
