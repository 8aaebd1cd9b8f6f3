from qa import Assistant, Settings
from qa.serve.formatting import answer_to_json, answer_to_markdown, answer_to_text, chat_markdown

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
