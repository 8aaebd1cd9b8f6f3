import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa import Assistant, Settings
from qa.ingest.documents import make_document
from qa.serve.formatting import (
    answer_to_json,
    answer_to_markdown,
    answer_to_text,
    chat_markdown,
    plain_markdown,
)
from qa.serve.source_view import safe_name, source_html

XSS = "Attack\n\nThe page said <script>alert(1)</script> and *bold* [link](x). Nothing else."


def test_markdown_shows_document_text_literally(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts([XSS], Settings(abstain_threshold=0.0), embedder=fake_embedder)
    markdown = chat_markdown(assistant.ask("What did the page say about script alert?", k=1))
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert r"\*bold\*" in markdown and r"\[link\]" in markdown
    assert ">[1]</a> The page said" in markdown


def test_abstention_is_stated_plainly_everywhere(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts(
        [XSS], Settings(abstain_threshold=0.99), embedder=fake_embedder
    )
    answer = assistant.ask("Where is Paris?")
    assert chat_markdown(answer).startswith("**Not found in these documents.**")
    assert "**Not found in these documents.**" in answer_to_markdown(answer)
    copied = answer_to_markdown(answer, "zh")  # as a Chinese browser copies it
    assert copied.startswith("**问题：** Where is Paris?") and "**这些文档中没有找到答案。**" in copied
    assert "字符" in copied and "chars" not in copied
    assert answer_to_text(answer).startswith("Not found in these documents.")
    assert answer_to_json(answer)["abstained"] is True


def test_json_citation_offsets_select_the_sentence(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts([XSS], embedder=fake_embedder)
    data = answer_to_json(assistant.ask("Nothing else?", k=2))
    for c in data["citations"]:
        assert XSS[c["start"] : c["end"]] == c["text"]
    assert [c["rank"] for c in data["citations"]] == [1, 2]


def test_answer_span_offsets_are_exact_and_bold_in_markdown(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts([XSS], Settings(abstain_threshold=0.0), embedder=fake_embedder)
    answer = assistant.ask("What did the page say about script alert?", k=1)
    data = answer_to_json(answer)
    span, cited = data["answer"], data["citations"][0]
    assert XSS[span["start"] : span["end"]] == span["text"] == cited["answer"]["text"]
    assert cited["start"] <= span["start"] < span["end"] <= cited["end"]
    assert span["citation"] == 1 and span["doc_id"] == cited["doc_id"]
    markdown = chat_markdown(answer)
    assert markdown.count("<b>") == 1 and "<script>" not in markdown
    first, rest = markdown.split("\n\n", 1)  # the short answer leads, then the citations
    assert first.startswith("**Answer:**") and rest.startswith('<a href="#qa-source:')
    assert answer_to_text(answer).startswith(f"Answer: {span['text']}")


def test_markdown_for_copying_quotes_each_citation_with_its_place(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts([XSS], Settings(abstain_threshold=0.0), embedder=fake_embedder)
    answer = assistant.ask("What did the page say about script alert?", k=2)
    markdown = answer_to_markdown(answer)
    assert markdown.startswith("**Question:** What did the page say about script alert?\n")
    assert markdown.split("\n")[2].startswith("**Answer:** &lt;script&gt;alert(1)")
    for c in answer.citations:
        where = f"chars {c.sentence.start}–{c.sentence.end}"
        assert f"[{c.rank}] " in markdown and f"— *Attack* (text 1, {where})" in markdown
    assert "<a " not in markdown and "<script>" not in markdown


UNSAFE_TITLE = "![pixel](http://127.0.0.1:9/pixel.png) [a link](http://127.0.0.1:9/)"
PRICES = f"{UNSAFE_TITLE}\n\nThe ferry ticket costs $$5 or $$10 on weekends. It leaves hourly.\n"
REVERSED_NAME = "prices\u202egpj.txt"  # shows as "pricestxt.jpg" where the override works


def _rendered_text(markdown: str) -> str:
    """What a CommonMark renderer (with GFM tables and strikethrough) shows of `markdown`,
    after checking it made one plain paragraph: no tag but <p>."""
    renderer = (
        pytest.importorskip("markdown_it")
        .MarkdownIt("commonmark")
        .enable(["table", "strikethrough"])
    )
    rendered = renderer.render(markdown).strip()
    inner = rendered.removeprefix("<p>").removesuffix("</p>")
    assert "<" not in inner, rendered
    return html.unescape(inner)


@given(st.text(alphabet="ab1 .,-+=#*_`[]()!<>&;$|~:/@\\\"'", max_size=40))
@settings(max_examples=300, deadline=None)
def test_plain_markdown_renders_as_exactly_the_text(text: str) -> None:
    assert _rendered_text(plain_markdown(text.strip())) == text.strip()


@pytest.mark.parametrize(
    "text",
    [UNSAFE_TITLE, "costs $$5 or $$10", "x\n- item\n1. first\n2) second\n# head\n===\n> quote"],
)
def test_plain_markdown_stops_images_links_math_lists_and_headings(text: str) -> None:
    markdown = plain_markdown(text)
    assert "](" not in markdown.replace("\\](", "") and "$$" not in markdown
    assert _rendered_text(markdown).split() == text.split()
    assert r"http\://127.0.0.1:9/" in plain_markdown(UNSAFE_TITLE)  # no bare-URL autolink
    assert plain_markdown("see www.example.com or a@b.org") == r"see www\.example.com or a\@b.org"


def test_safe_name_shows_bidirectional_controls_as_markers_and_keeps_one_line() -> None:
    assert safe_name(REVERSED_NAME) == "prices<U+202E>gpj.txt"
    controls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert all(ord(c) > 127 for c in controls)
    assert not set(safe_name(f"a{controls}b")) & set(controls)
    assert safe_name("two\nlines\tand\x00null\u2028") == "two lines and null "
    for kept in ("Report 2024.pdf", "Café ☕ — 长三角.txt", "تقرير.docx"):
        assert safe_name(kept) == kept


def test_titles_names_and_prices_render_as_text_in_the_chat(fake_embedder) -> None:  # noqa: ANN001
    document = make_document(PRICES, source=REVERSED_NAME)
    assert document.title == UNSAFE_TITLE
    assistant = Assistant.from_documents(
        [document], Settings(abstain_threshold=0.0), embedder=fake_embedder
    )
    answer = assistant.ask("How much does the ferry ticket cost?", k=2)
    assert "$$5" in answer.citations[0].text
    for markdown in (chat_markdown(answer), answer_to_markdown(answer)):
        assert "[pixel](" not in markdown and "http:" not in markdown  # no image, no link
        assert "$$" not in markdown and "\u202e" not in markdown
        assert r"!\[pixel\](http\://127.0.0.1:9/pixel.png)" in markdown
        assert r"\$\$5 or \$\$10" in markdown
    assert "prices&lt;U+202E&gt;gpj.txt" in answer_to_markdown(answer)  # shows <U+202E>
    assert chat_markdown(answer).count('<a href="#qa-source:') == 2  # the citation links stay
    cited = answer.citations[0].sentence
    panel = source_html(assistant.corpus, cited.doc_id, cited.start, cited.end)
    assert "prices&lt;U+202E&gt;gpj.txt" in panel and "\u202e" not in panel


def test_a_marked_answer_across_a_line_wrap_is_cited_as_written_and_shown_on_one_line(
    fake_embedder,  # noqa: ANN001
) -> None:
    text = "Ferry notes\n\nThe night ferry to the island is run by Harbour\nLines Limited, a company from Oslo.\n"
    assistant = Assistant.from_texts(
        [text], Settings(abstain_threshold=0.0), embedder=fake_embedder
    )
    answer = assistant.ask("Who runs the night ferry?", k=1)
    span = answer_to_json(answer)["answer"]
    assert text[span["start"] : span["end"]] == span["text"] == "Harbour\nLines Limited"
    assert answer_to_text(answer).startswith("Answer: Harbour Lines Limited  (marked")
    markdown = chat_markdown(answer)
    assert "**Answer:** Harbour Lines Limited (from [1])" in markdown
    assert "by <b>Harbour Lines Limited</b>, a company" in markdown  # the bubble wraps it


def test_the_chat_keeps_the_line_breaks_of_code(fake_embedder) -> None:  # noqa: ANN001
    text = "Building\n\nTo build and check it, run:\n\n    ./configure --prefix=/opt\n    make check\n"
    assistant = Assistant.from_texts([text], Settings(abstain_threshold=0.0), embedder=fake_embedder)
    answer = assistant.ask("How do I build and check it with configure and make?", k=3)
    code = next(c for c in answer.citations if "make check" in c.text)
    assert code.laid_out and "\n" in code.text
    # "Building" heads the section (a title above a line leading in with a colon), so [1] may
    # be the lead-in or the code; either way the code keeps its lines in the chat
    assert re.search(r"prefix=/opt(</b>)?\n    make check", chat_markdown(answer))
