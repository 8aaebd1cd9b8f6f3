"""Follow-up questions: which lean on the conversation, and how the conversation answers them."""

from __future__ import annotations

import pytest

from qa import Assistant, Settings, Turn
from qa.search.followup import follow_up_context, leans_on_history

FESTIVAL = (
    "Harbor Lights\n\nThe Harbor Lights Festival was founded in 1987. It is held every August."
)
BRIDGE = (
    "Iron Bridge\n\nThe Iron Bridge was opened in 1901. It was founded on oak piles in the river."
)


@pytest.mark.parametrize(
    "question",
    [
        "When was it founded?",
        "Who led it before that?",
        "And the automobile alliance?",
        "What about in 1998?",
        "Why?",
        "What happened that day?",
        "Which one is older?",
        "Who said that?",
        "它是什么时候成立的？",
    ],
)
def test_questions_that_lean_on_the_conversation(question: str) -> None:
    assert leans_on_history(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who directs the biomedical alliance?",
        "Which company that makes cars was founded in 1990?",
        "When was the Harbor Lights Festival founded?",
    ],
)
def test_questions_that_stand_alone(question: str) -> None:
    assert not leans_on_history(question)


def test_context_is_the_previous_subject_and_answer_minus_what_is_asked() -> None:
    turn = Turn("Who founded the Harbor Lights Festival?", "the fishermen's guild", "d1")
    assert follow_up_context("When was it founded?", [turn]) == (
        "Harbor Lights Festival fishermen guild"  # words that name something; "founded" is asked
    )
    assert follow_up_context("When was it founded?", []) == ""
    assert follow_up_context("Who built the Iron Bridge?", [turn]) == ""


def test_a_follow_up_is_answered_from_the_document_the_conversation_is_about(fake_embedder) -> None:  # noqa: ANN001
    settings = Settings(reader=False, abstain_threshold=0.0)
    assistant = Assistant.from_texts([FESTIVAL, BRIDGE], settings, embedder=fake_embedder)
    first = assistant.ask("When was the Iron Bridge opened?", k=1)
    assert first.best is not None and "1901" in first.best.text
    follow = assistant.ask("What was it founded on?", k=1, history=[Turn.of(first)])
    assert follow.best is not None and "oak piles" in follow.best.text
    assert follow.searched == "What was it founded on? Iron Bridge opened"
    festival = assistant.ask("When was the Harbor Lights Festival founded?", k=1)
    follow = assistant.ask("When is it held?", k=1, history=[Turn.of(festival)])
    assert follow.best is not None and "every August" in follow.best.text
    assert assistant.ask("When was it founded?", k=1).searched is None  # no history, as typed
