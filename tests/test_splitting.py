import textwrap
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.ingest import splitting
from qa.ingest.splitting import (
    MAX_CHINESE_SENTENCE_CHARS,
    MAX_SENTENCE_CHARS,
    Span,
    split_block,
    split_sentences,
)


def texts_of(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


_ALPHABET = st.sampled_from(
    list("abc XYZ.,!?;:\"'()0123456789\n\t")
    + [
        "U.S.",
        "Dr.",
        "No. 5",
        "3.14",
        "。",
        "！",
        "？",
        "；",
        "他说",
        "“",
        "”",
        "」",
        "\n\n",
        "e.g.",
    ]
)


_TEXTS = st.one_of(st.lists(_ALPHABET, max_size=60).map("".join), st.text(max_size=200))


def wrapped(text: str, breaks: list[bool]) -> str:
    """`text` with some of its single spaces between two other characters made line breaks,
    as a hard-wrapping editor does: one character for one, no blank line."""
    chars = list(text)
    singles = [
        i
        for i in range(1, len(text) - 1)
        if text[i] == " " and not text[i - 1].isspace() and not text[i + 1].isspace()
    ]
    for i, wrap in zip(singles, breaks):
        if wrap:
            chars[i] = "\n"
    return "".join(chars)


@given(_TEXTS)
@settings(max_examples=400, deadline=None)
def test_offsets_are_exact_ordered_and_stripped(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for span in spans:
        sentence = text[span.start : span.end]
        assert sentence and sentence == sentence.strip()
        assert span.start >= previous_end
        previous_end = span.end
    covered = "".join(text[s.start : s.end] for s in spans)
    assert "".join(covered.split()) == "".join(text.split())  # no character is lost


def test_split_keeps_abbreviations_and_decimals_inside_sentences() -> None:
    text = "The U.S. economy grew 3.5 percent. Dr. Smith agreed. See No. 5 for details."
    assert texts_of(text) == [
        "The U.S. economy grew 3.5 percent.",
        "Dr. Smith agreed.",
        "See No. 5 for details.",
    ]


def test_split_makes_a_headline_separated_by_a_blank_line_its_own_sentence() -> None:
    text = "Markets rally on rate hopes\n\nShares rose on Monday. Bonds fell."
    assert texts_of(text) == [
        "Markets rally on rate hopes",
        "Shares rose on Monday.",
        "Bonds fell.",
    ]


def test_split_keeps_a_quotation_spanning_sentences_together() -> None:
    text = 'He said, "We will win. Nobody doubts it." Then he left.'
    assert texts_of(text) == ['He said, "We will win. Nobody doubts it."', "Then he left."]


def test_split_handles_numbered_lists() -> None:
    text = "Steps:\n1. Open the box.\n2. Remove the cover.\n3. Plug it in."
    pieces = texts_of(text)
    assert "1. Open the box." in pieces and "3. Plug it in." in pieces


def test_split_keeps_offsets_for_chinese_punctuation() -> None:
    text = "长三角成立了四大产业链联盟。中国药科大学是理事长单位！真的吗？是的；这是事实"
    assert texts_of(text) == [
        "长三角成立了四大产业链联盟。",
        "中国药科大学是理事长单位！",
        "真的吗？",
        "是的；",
        "这是事实",
    ]


def test_split_attaches_closing_quotes_to_the_chinese_sentence() -> None:
    text = "他说：“我们会赢。”然后走了。「好的。」她答道。"
    assert texts_of(text) == ["他说：“我们会赢。”", "然后走了。", "「好的。」", "她答道。"]


def test_split_traditional_chinese_with_corner_quotes_and_ellipsis() -> None:
    text = "她喊道：「快來！」於是大家都來了……『好。』他說。"
    assert texts_of(text) == ["她喊道：「快來！」", "於是大家都來了……", "『好。』", "他說。"]


def test_split_keeps_a_semicolon_inside_brackets() -> None:
    text = (
        "纽西兰鸡毛松（学名：Dacrycarpus dacrydioides；英语：kahikatea）是新西兰特有的树。它很高。"
    )
    assert texts_of(text) == [
        "纽西兰鸡毛松（学名：Dacrycarpus dacrydioides；英语：kahikatea）是新西兰特有的树。",
        "它很高。",
    ]


def test_split_mixed_chinese_and_english() -> None:
    text = "他在 U.S. 工作。He works at IBM. 然后回国了！"
    assert texts_of(text) == ["他在 U.S. 工作。", "He works at IBM.", "然后回国了！"]


def test_split_cuts_an_overlong_sentence_at_clause_marks() -> None:
    clause = "这是一个没有句号的很长的列表项目"
    text = "，".join([clause] * 80) + "。"
    pieces = texts_of(text)
    assert len(pieces) > 1 and all(len(p) <= MAX_CHINESE_SENTENCE_CHARS for p in pieces)
    assert all(p.endswith(("，", "。")) for p in pieces)
    assert "".join(pieces) == text


def test_split_cuts_an_overlong_english_run_at_spaces_never_inside_a_word() -> None:
    text = " ".join(["word"] * 600)
    pieces = texts_of(text)
    assert len(pieces) > 1
    assert all(len(p) <= MAX_SENTENCE_CHARS and set(p.split()) == {"word"} for p in pieces)


def test_split_sample_article_director_sentence_is_whole() -> None:
    from tests.conftest import SAMPLE

    text = SAMPLE.read_text(encoding="utf-8")
    director = [s for s in texts_of(text) if "China Pharmaceutical University" in s]
    assert len(director) == 1
    assert director[0].startswith("Long Triangulation") and director[0].endswith(
        "First Alliance Director Unit."
    )


def test_split_returns_nothing_for_blank_text() -> None:
    assert split_sentences("") == [] and split_sentences(" \n\n\t ") == []


@given(_TEXTS, st.lists(st.booleans(), max_size=60))
@settings(max_examples=300, deadline=None)
def test_a_line_wrap_is_only_white_space(text: str, breaks: list[bool]) -> None:
    # The same spans, so offsets into the wrapped text are exact and the sentences the same.
    assert split_sentences(wrapped(text, breaks)) == split_sentences(text)


_PARAGRAPH = (
    "The U.S. economy grew 3.5 percent in the second quarter, the Commerce Department said "
    "on Thursday. Dr. Smith, who advised the committee, agreed with the estimate. See No. 5 "
    'of the report for details. "We will win. Nobody doubts it," the minister said. Prices '
    "rose by 2.5% in Jan. and fell in Feb. 2020. Analysts, e.g. Mr. Jones, disagreed! Was "
    "the forecast wrong? The committee meets again at 3 p.m. on Monday."
)


def test_split_a_hard_wrapped_paragraph_like_the_unwrapped_one() -> None:
    text = textwrap.fill(_PARAGRAPH, 72)
    assert "\n" in text and len(text) == len(_PARAGRAPH)
    pieces = texts_of(text)
    assert [" ".join(p.split()) for p in pieces] == texts_of(_PARAGRAPH)
    assert pieces[1] == "Dr. Smith, who advised the committee,\nagreed with the estimate."
    assert len(pieces) == 8


def test_split_a_hard_wrapped_file_into_sentences_not_lines() -> None:
    text = "\n\n".join(textwrap.fill(_PARAGRAPH, 40) for _ in range(20))
    assert len(split_sentences(text)) == 20 * 8 < text.count("\n") - 19


def test_split_block_gives_offsets_into_the_whole_text() -> None:
    text = "Title\n\nFirst one. Second\none.\n\nLast."
    start = text.index("First")
    end = text.index("\n\nLast")
    assert split_block(text, start, end) == [Span(start, start + 10), Span(start + 11, end)]
    assert texts_of(text) == ["Title", "First one.", "Second\none.", "Last."]


def test_split_keeps_a_list_number_with_its_item() -> None:
    text = "Steps: 1. Open the box. 2. Remove the cover. 3. Plug it in."
    assert texts_of(text) == [
        "Steps:",
        "1. Open the box.",
        "2. Remove the cover.",
        "3. Plug it in.",
    ]


@pytest.mark.parametrize("bullet", ["•", "●", "▪", "◦", "➢"])
def test_split_a_bulleted_item_into_its_sentences(bullet: str) -> None:
    # sentencex alone gives a text opening with a bullet as one sentence, so a PDF list's
    # last item swallowed the paragraph after it.
    item = f"{bullet} <MIME>/mime.cache (in a binary format)\nThe format is explained below. "
    text = item + "This step serves several purposes. First, it is quick."
    assert texts_of(text) == [
        f"{bullet} <MIME>/mime.cache (in a binary format)\nThe format is explained below.",
        "This step serves several purposes.",
        "First, it is quick.",
    ]


def test_split_keeps_an_opening_quote_on_its_sentence() -> None:
    text = 'It was the First Alliance Director Unit. "By building a platform, we win," he said.'
    assert texts_of(text) == [
        "It was the First Alliance Director Unit.",
        '"By building a platform, we win," he said.',
    ]


def test_split_in_windows_gives_the_sentences_of_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    text = " ".join(f"Sentence {i} is here. Dr. Smith said 3.5 is fine! Is it?" for i in range(300))
    whole = split_sentences(text)
    monkeypatch.setattr(splitting, "_WINDOW", 700)
    assert split_sentences(text) == whole and len(whole) == 900


@pytest.mark.parametrize("word", ["word ", "没有句号的列表"])
def test_split_cuts_a_long_run_without_sentence_ends_across_windows(word: str) -> None:
    text = word * (60_000 // len(word))
    spans = split_sentences(text)
    assert all(s.end - s.start <= MAX_SENTENCE_CHARS for s in spans)
    assert "".join(text[s.start : s.end] for s in spans).replace(" ", "") == text.replace(" ", "")


def _seconds_to_split(texts: list[str]) -> list[float]:
    """The best of 3 timings for each text, taken in turns so a busy moment hits all alike."""
    best = [float("inf")] * len(texts)
    for _ in range(3):
        for i, text in enumerate(texts):
            started = time.perf_counter()
            split_sentences(text)
            best[i] = min(best[i], time.perf_counter() - started)
    return best


def test_split_a_long_paragraph_in_linear_time() -> None:
    # pysbd, used before, took about 100 s on a 200 KB paragraph: time grew with its square.
    paragraph = " ".join(f"{_PARAGRAPH} It was item {i}." for i in range(3000))
    eighth, megabyte = _seconds_to_split([paragraph[:125_000], paragraph[:1_000_000]])
    assert megabyte < 2.0
    assert megabyte < 12 * eighth
