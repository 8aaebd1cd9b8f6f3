"""The chat's example questions come from the collection, in its language; its words follow
the browser's language."""

from __future__ import annotations

from qa import Assistant, Settings
from qa.serve.examples import OFF_TOPIC, SAMPLE_QUESTIONS, collection_language, example_questions
from qa.serve.formatting import chat_markdown
from qa.serve.interface_text import TEXTS, language_of
from tests.test_chinese import ZH_DOC

FAQ = """Harbour ferry FAQ

1. How often does the night ferry run?

The night ferry leaves the north pier every two hours, from 22:00 until 04:00.

2. Can I take a bicycle on board?

Bicycles travel free on every ferry; they are stowed on the lower deck.

Marlin Lines is the company that runs the ferries. Travellers can ask Marlin Lines for a
refund within a week.
"""


def test_the_sample_gets_its_own_questions_and_one_it_cannot_answer(sample_assistant) -> None:  # noqa: ANN001
    examples = example_questions(sample_assistant)
    assert examples == (*SAMPLE_QUESTIONS, OFF_TOPIC["en"])


def test_a_faq_offers_its_own_questions_and_what_it_defines(real_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts([FAQ], Settings(), real_embedder)
    examples = example_questions(assistant)
    # Its question headings without their numbering, then "What is X?" for "X is the ...",
    # each answered by the assistant; then a question it abstains on.
    assert examples[:2] == ("How often does the night ferry run?", "Can I take a bicycle on board?")
    assert "What is Marlin Lines?" in examples
    assert examples[-1] == OFF_TOPIC["en"]
    for question in examples[:-1]:
        assert not assistant.ask(question).abstained
    assert assistant.ask(examples[-1]).abstained


def test_a_chinese_collection_gets_chinese_examples() -> None:
    assistant = Assistant.from_texts([ZH_DOC])
    assert collection_language(assistant.corpus) == "zh"
    examples = example_questions(assistant)
    assert examples[-1] == OFF_TOPIC["zh"]


def test_the_browser_language_picks_the_interface_words(sample_assistant) -> None:  # noqa: ANN001
    assert language_of("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert language_of("zh-TW") == "zh"
    assert language_of("en-US,en;q=0.9,zh-CN;q=0.5") == "en"
    assert language_of(None) == language_of("fr-FR") == "en"
    assert TEXTS["en"].keys() == TEXTS["zh"].keys()
    answered = sample_assistant.ask("Who directs the biomedical alliance?")
    assert "**答案：**" in chat_markdown(answered, "zh")
    assert "**Answer:**" in chat_markdown(answered, "en")
    not_found = sample_assistant.ask(OFF_TOPIC["en"])
    assert "这些文档中没有找到答案。" in chat_markdown(not_found, "zh")


def test_interface_labels_are_filled_in_for_each_language() -> None:
    from qa.serve.interface_text import translations

    labels = translations(suffixes=".md, .txt", megabytes=50)
    assert labels["en"]["add_files"] == "Add documents (.md, .txt; up to 50 MB each)"
    assert labels["zh-TW"]["add_files"] == "添加文档（.md, .txt；每个最多 50 MB）"
    assert "{count}" in labels["zh"]["header"]  # the server fills that one in per request
