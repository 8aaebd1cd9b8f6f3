from hypothesis import given, settings
from hypothesis import strategies as st

from qa.ingest.splitting import MAX_CHINESE_SENTENCE_CHARS, MAX_SENTENCE_CHARS, split_sentences


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


@given(st.one_of(st.lists(_ALPHABET, max_size=60).map("".join), st.text(max_size=200)))
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
