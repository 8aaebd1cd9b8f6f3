"""The source panel: the cited span highlighted in its document, as text, with its neighbours."""

from __future__ import annotations

import re

import pytest

from qa.errors import QAError
from qa.index.corpus import Corpus
from qa.ingest.documents import make_document
from qa.serve.source_view import empty_panel, parse_source_link, source_html, source_link

TEXT = (
    "Report <b>2024</b>\n\n"
    "First we met. Then <script>alert(1)</script> was found. Finally we left.\n\n"
    "A new paragraph starts here. It ends here."
)


@pytest.fixture
def corpus() -> Corpus:
    return Corpus.build([make_document(TEXT, source="report.pdf", pages=(0, 60))])


def _mark(html_text: str) -> str:
    return re.search(r'<mark id="qa-cited" class="qa-cited">(.*?)</mark>', html_text, re.S).group(1)


def test_links_carry_exact_offsets(corpus) -> None:  # noqa: ANN001
    sentence = corpus.sentences[2]
    link = source_link(sentence.doc_id, sentence.start, sentence.end)
    assert parse_source_link(link) == (sentence.doc_id, sentence.start, sentence.end)
    with pytest.raises(QAError, match="not a citation link"):
        parse_source_link("#elsewhere")


def test_the_cited_sentence_is_marked_and_all_text_is_escaped(corpus) -> None:  # noqa: ANN001
    cited = corpus.sentences[2]  # "Then <script>alert(1)</script> was found."
    view = source_html(corpus, cited.doc_id, cited.start, cited.end)
    assert _mark(view) == "Then &lt;script&gt;alert(1)&lt;/script&gt; was found."
    assert "<script>" not in view and "<b>2024" not in view and "&lt;b&gt;2024" in view
    near = re.findall(r'<span class="qa-near">(.*?)</span>', view)
    assert near == ["First we met.", "Finally we left."]
    assert "sentence 3 of 6" in view and f"chars {cited.start}–{cited.end}" in view
    assert "page 1" in view and "report.pdf" in view
    later = corpus.sentences[5]
    assert "page 2" in source_html(corpus, later.doc_id, later.start, later.end)


def test_a_long_document_is_shown_around_the_sentence(corpus) -> None:  # noqa: ANN001
    last = corpus.sentences[-1]
    view = source_html(corpus, last.doc_id, last.start, last.end, window=1)
    assert _mark(view) == "It ends here." and "Finally" not in view
    assert view.count('class="qa-more"') == 1  # text above was left out, none below


def test_a_removed_document_or_a_bad_span_is_said_plainly(corpus) -> None:  # noqa: ANN001
    assert "no longer in the collection" in source_html(corpus, "gone", 0, 5)
    doc_id = corpus.sentences[0].doc_id
    assert "does not fit" in source_html(corpus, doc_id, 5, 10_000)


def test_the_panel_speaks_the_browsers_language(corpus) -> None:  # noqa: ANN001
    cited = corpus.sentences[2]
    view = source_html(corpus, cited.doc_id, cited.start, cited.end, "zh")
    assert "第 1 页，第 3 句（共 6 句）" in view and f"第 {cited.start}–{cited.end} 字符" in view
    assert _mark(view) == "Then &lt;script&gt;alert(1)&lt;/script&gt; was found."  # text as written
    assert "已不在文档集中" in source_html(corpus, "gone", 0, 5, "zh")
    assert "点击引用编号" in empty_panel("zh") and "Click a citation number" in empty_panel()
    with pytest.raises(QAError) as bad:
        parse_source_link("#elsewhere")
    assert "不是引用链接" in bad.value.said("zh")
