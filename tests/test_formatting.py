from qa import Assistant, Settings
from qa.formatting import answer_to_json, answer_to_markdown, answer_to_text

XSS = "Attack\n\nThe page said <script>alert(1)</script> and *bold* [link](x). Nothing else."


def test_markdown_shows_document_text_literally(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts([XSS], Settings(abstain_threshold=0.0), embedder=fake_embedder)
    markdown = answer_to_markdown(assistant.ask("What did the page say about script alert?", k=1))
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert r"\*bold\*" in markdown and r"\[link\]" in markdown
    assert "\n\n**[1]**" in markdown or markdown.startswith("**[1]**")


def test_abstention_is_stated_plainly_everywhere(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts(
        [XSS], Settings(abstain_threshold=0.99), embedder=fake_embedder
    )
    answer = assistant.ask("Where is Paris?")
    assert answer_to_markdown(answer).startswith("**Not found in these documents.**")
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
    markdown = answer_to_markdown(answer)
    assert markdown.count("<b>") == 1 and "<script>" not in markdown
    first, rest = markdown.split("\n\n", 1)  # the short answer leads, then the citations
    assert first.startswith("**Answer:**") and rest.startswith("**[1]**")
    assert answer_to_text(answer).startswith(f"Answer: {span['text']}")
