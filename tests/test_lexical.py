import math

from qa.index.lexical import LexicalIndex, matched_terms
from qa.index.tokenize import tokenize

DOCS = [
    "The alliance is directed by China Pharmaceutical University.",
    "Shanghai hosts the integrated circuit industry association.",
    "Geely Holding Group leads the automobile alliance.",
    "Rain fell in Hangzhou all week.",
]


def test_tokenize_stems_drops_stopwords_and_bigrams_chinese() -> None:
    assert tokenize("The universities are running") == ["universiti", "run"]
    words_and_bigrams = ["中国", "药科", "大学", "中国", "国药", "药科", "科大", "大学"]
    assert tokenize("中国药科大学") == words_and_bigrams
    assert tokenize("No. 5") == ["5"]


def test_tokenize_segments_chinese_words_and_drops_function_words() -> None:
    terms = tokenize("谁是联盟的理事长？")
    assert "理事长" in terms and "联盟" in terms  # jieba's words
    assert "谁" not in terms and "的" not in terms  # function words, as words
    assert "理事" in terms  # and every character bigram


def test_tokenize_keeps_digits_and_latin_apart_from_adjacent_chinese() -> None:
    terms = tokenize("2019年GDP增长5%")
    assert "2019" in terms and "gdp" in terms and "5" in terms
    assert "增长" in terms and not any("2019" in t and t != "2019" for t in terms)


def test_bm25_scores_match_the_lucene_formula() -> None:
    index = LexicalIndex.build(range(len(DOCS)), DOCS)
    hits = index.search("Geely", 4)
    assert [h.row for h in hits] == [2]
    # Lucene BM25: idf = ln(1 + (N - n + 0.5) / (n + 0.5)); tf = 1, k1 = 1.5, b = 0.75.
    lengths = [len(tokenize(d)) for d in DOCS]
    avg = sum(lengths) / len(lengths)
    idf = math.log(1 + (4 - 1 + 0.5) / (1 + 0.5))
    expected = idf * 1 / (1 + 1.5 * (1 - 0.75 + 0.75 * lengths[2] / avg))
    assert math.isclose(hits[0].score, expected, rel_tol=1e-5)


def test_bm25_ranks_by_shared_terms_and_skips_unmatched() -> None:
    hits = LexicalIndex.build(range(len(DOCS)), DOCS).search("Which alliance does Geely lead?", 10)
    assert hits[0].row == 2 and {h.row for h in hits} == {0, 2}
    assert [h.rank for h in hits] == [1, 2]


def test_bm25_save_load_round_trip(tmp_path) -> None:  # noqa: ANN001
    index = LexicalIndex.build([10, 11, 12, 13], DOCS)
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    assert loaded.search("integrated circuit", 3) == index.search("integrated circuit", 3)
    assert loaded.search("integrated circuit", 3)[0].row == 11


def test_stopword_only_question_finds_nothing() -> None:
    assert LexicalIndex.build(range(len(DOCS)), DOCS).search("What is it?", 5) == []


def test_matched_terms_are_the_shared_stems() -> None:
    assert matched_terms("Who directs the alliance?", DOCS[0]) == ("directs", "alliance")
    assert tokenize("Director") == ["director", "direct"]


def test_coverage_weighs_the_question_terms_a_text_mentions_by_idf() -> None:
    index = LexicalIndex.build([0, 1, 2], ["Geely builds cars.", "Cars are built.", "Cars sell."])
    assert index.coverage("Who builds Geely cars?", "Geely builds cars.") == 1.0
    # "employees" is in no document: it counts with the largest IDF, so missing it weighs most.
    partial = index.coverage("How many employees does Geely have?", "Geely builds cars.")
    assert 0 < partial < 0.5  # "how many does have" are question words, not counted
    assert index.coverage("Geely cars", "Cars everywhere.") < index.coverage("Geely cars", "Geely.")
    assert index.coverage("the of", "anything") == 1.0  # no terms left after stop words
