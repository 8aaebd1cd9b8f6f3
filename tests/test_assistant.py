import json
import math
import sqlite3
from contextlib import closing

import pytest

from qa import Assistant, Mode, QAError, Settings
from tests.conftest import SAMPLE

TEXTS = [
    "Solar farms\n\nThe Nevada solar farm opened in 2021. It powers 90,000 homes. Dr. Lee runs it.",
    "River report\n\nThe Yangtze River floods every summer. Engineers built the Three Gorges Dam.",
]


@pytest.fixture
def assistant(fake_embedder, backend) -> Assistant:  # noqa: ANN001
    """The same behaviour is expected whether the vectors live in FAISS or Milvus."""
    settings = Settings(abstain_threshold=0.2, **backend)
    return Assistant.from_texts(TEXTS, settings, embedder=fake_embedder)


def test_citations_point_at_exact_document_offsets(assistant: Assistant) -> None:
    answer = assistant.ask("Who runs the solar farm?", k=3)
    assert not answer.abstained and [c.rank for c in answer.citations] == [1, 2, 3]
    for c in answer.citations:
        document = assistant.corpus.documents[c.doc_id]
        assert document.text[c.sentence.start : c.sentence.end] == c.text
    assert answer.citations[0].title == "Solar farms"


def test_citation_carries_neighbours_as_context(assistant: Assistant) -> None:
    best = assistant.ask("How many homes does it power?", k=1, mode="bm25").citations[0]
    assert best.text == "It powers 90,000 homes."
    assert best.context_before == "The Nevada solar farm opened in 2021."
    assert best.context_after == "Dr. Lee runs it."


def test_each_mode_ranks_and_explains(assistant: Assistant) -> None:
    for mode in Mode:
        answer = assistant.ask("When did the Nevada solar farm open?", k=2, mode=mode)
        assert (
            answer.mode == mode
            and answer.citations[0].text == "The Nevada solar farm opened in 2021."
        )
    evidence = (
        assistant.ask("When did the Nevada solar farm open?", mode="hybrid").citations[0].evidence
    )
    assert (
        evidence.bm25_rank == 1 and evidence.dense_rank == 1 and "nevada" in evidence.matched_terms
    )


def test_unrelated_question_abstains_below_threshold(assistant: Assistant) -> None:
    answer = assistant.ask("What is the capital of France?")
    assert answer.abstained and answer.best is None and answer.answerability < 0.2


def test_bad_questions_and_settings_say_how_to_fix_them(assistant: Assistant) -> None:
    with pytest.raises(QAError, match="empty"):
        assistant.ask("   ")
    with pytest.raises(QAError, match="shorten"):
        assistant.ask("why " * 1000)
    with pytest.raises(QAError, match="k=0"):
        assistant.ask("solar", k=0)
    with pytest.raises(QAError, match="unknown mode"):
        assistant.ask("solar", mode="magic")
    with pytest.raises(QAError, match="k=5 is larger than depth=2"):
        Settings(k=5, depth=2)


def test_duplicate_documents_are_indexed_once(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts([TEXTS[0], TEXTS[0]], embedder=fake_embedder)
    assert len(assistant.corpus.documents) == 1


def test_save_load_round_trip_gives_the_same_answers(
    assistant: Assistant, fake_embedder, tmp_path
) -> None:  # noqa: ANN001
    assistant.save(tmp_path / "store")
    loaded = Assistant.load(tmp_path / "store", embedder=fake_embedder)
    for question in ["Who runs the solar farm?", "What did engineers build?"]:
        assert loaded.ask(question) == assistant.ask(question)
    assert loaded.settings == assistant.settings
    assert loaded.corpus.sentences == assistant.corpus.sentences  # passages included


def test_loading_a_store_of_a_newer_format_fails_clearly(
    assistant: Assistant, fake_embedder, tmp_path
) -> None:  # noqa: ANN001
    assistant.save(tmp_path / "store")
    manifest = tmp_path / "store" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["format_version"] = 99
    manifest.write_text(json.dumps(data))
    with pytest.raises(QAError, match="format version 99, newer .* upgrade qa"):
        Assistant.load(tmp_path / "store", embedder=fake_embedder)


def test_loading_a_store_with_a_missing_index_fails_clearly(
    assistant: Assistant, fake_embedder, tmp_path
) -> None:  # noqa: ANN001
    assistant.save(tmp_path / "store")
    space = assistant.retriever.indexes.vectors.space if assistant.settings.milvus else None
    if space is not None:
        space.drop()
    else:
        (tmp_path / "store" / "vectors" / "vectors.faiss").unlink()
    with pytest.raises(QAError, match="rebuild (it|the store) with `qa index`"):
        Assistant.load(tmp_path / "store", embedder=fake_embedder)
    with pytest.raises(QAError, match="not a store"):
        Assistant.load(tmp_path / "nothing", embedder=fake_embedder)


@pytest.mark.parametrize("damage", ["truncate", "remove", "garble"])
def test_loading_a_store_with_damaged_metadata_fails_clearly(
    assistant: Assistant, fake_embedder, tmp_path, damage: str
) -> None:  # noqa: ANN001
    assistant.save(tmp_path / "store")
    metadata = tmp_path / "store" / "metadata.sqlite"
    if damage == "truncate":
        metadata.write_bytes(metadata.read_bytes()[:300])
    elif damage == "remove":
        metadata.unlink()
    else:
        metadata.write_bytes(b"not a database at all" * 20)
    with pytest.raises(QAError, match="is damaged .*rebuild it with `qa index`"):
        Assistant.load(tmp_path / "store", embedder=fake_embedder)


def test_a_store_of_the_previous_format_says_to_rebuild(
    assistant: Assistant, fake_embedder, tmp_path
) -> None:  # noqa: ANN001
    import json

    assistant.save(tmp_path / "store")
    manifest = tmp_path / "store" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format_version": 2}))
    with pytest.raises(QAError, match="format version 2; this version of qa reads versions 3, 4"):
        Assistant.load(tmp_path / "store", embedder=fake_embedder)


def test_a_store_of_format_3_still_loads(assistant: Assistant, fake_embedder, tmp_path) -> None:  # noqa: ANN001
    store = tmp_path / "store"
    assistant.save(store)
    with closing(sqlite3.connect(store / "metadata.sqlite")) as db:  # back to format 3's tables
        db.executescript(
            "CREATE TABLE old AS SELECT sentence_id, doc_id, start_char, end_char, passage "
            "FROM sentences; DROP TABLE sentences; ALTER TABLE old RENAME TO sentences; "
            "DROP TABLE counters;"
        )
    manifest = store / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format_version": 3}))
    loaded = Assistant.load(store, embedder=fake_embedder)
    assert loaded.corpus.sentences == assistant.corpus.sentences
    assert loaded.corpus.next_id == len(assistant.corpus.sentences)


def test_loading_with_an_embedder_of_another_dimension_fails(
    assistant: Assistant, tmp_path
) -> None:  # noqa: ANN001
    from tests.conftest import FakeEmbedder

    assistant.save(tmp_path / "store")
    with pytest.raises(QAError, match="64-d vectors"):
        Assistant.load(tmp_path / "store", embedder=FakeEmbedder(dimension=32))


def test_sample_store_is_built_once_then_reused(fake_embedder, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    first = Assistant.sample(tmp_path, embedder=fake_embedder)
    assert len(first.corpus.sentences) == 11
    built = list(tmp_path.glob("sample-*"))
    monkeypatch.setattr(fake_embedder, "embed", _refuse_sentence_batches(fake_embedder.embed))
    second = Assistant.sample(tmp_path, embedder=fake_embedder)
    assert list(tmp_path.glob("sample-*")) == built
    assert second.ask("Who directs the alliance?") == first.ask("Who directs the alliance?")
    assert second.corpus.documents[first.corpus.sentences[0].doc_id].text == SAMPLE.read_text(
        encoding="utf-8"
    )


def _refuse_sentence_batches(embed):  # noqa: ANN001, ANN202
    def embed_one_question_at_most(texts):  # noqa: ANN001, ANN202
        assert len(texts) == 1, "the cached sample store was re-embedded"
        return embed(texts)

    return embed_one_question_at_most


def test_from_paths_reads_folders_and_rejects_unknown_types(fake_embedder, tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.txt").write_text(TEXTS[0], encoding="utf-8")
    (tmp_path / "docs" / "sub" / "b.md").write_text(TEXTS[1], encoding="utf-8")
    (tmp_path / "docs" / "skip.bin").write_bytes(b"\x00\x01")
    assistant = Assistant.from_paths([tmp_path / "docs"], embedder=fake_embedder)
    assert sorted(d.title for d in assistant.corpus.documents.values()) == [
        "River report",
        "Solar farms",
    ]
    with pytest.raises(QAError, match="unsupported file type .bin"):
        Assistant.from_paths([tmp_path / "docs" / "skip.bin"], embedder=fake_embedder)
    with pytest.raises(QAError, match="does not exist"):
        Assistant.from_paths([tmp_path / "missing.txt"], embedder=fake_embedder)


def test_hybrid_evidence_explains_every_citation(fake_embedder) -> None:  # noqa: ANN001
    settings = Settings(depth=2, k=2, abstain_threshold=0.0)
    assistant = Assistant.from_texts(TEXTS, settings, embedder=fake_embedder)
    for citation in assistant.ask("Who built the Three Gorges Dam on the Yangtze River?").citations:
        e = citation.evidence
        assert None not in (e.dense_score, e.passage_bm25, e.passage_dense, e.reader_score)
        first_stage = (
            e.dense_score
            + settings.lexical_weight
            * (e.bm25_score or 0)
            / assistant.retriever.indexes.lexical.ceiling(
                "Who built the Three Gorges Dam on the Yangtze River?"
            )
            + settings.passage_lexical_weight * e.passage_bm25
            + settings.passage_dense_weight * e.passage_dense
        )
        assert e.fused_score == pytest.approx(first_stage)
        logit = math.log(e.reader_score / (1 - e.reader_score))
        assert citation.score == pytest.approx(
            e.fused_score + settings.reader_weight * logit, abs=1e-5
        )


def test_without_the_reader_the_score_is_the_fused_score(fake_embedder) -> None:  # noqa: ANN001
    settings = Settings(depth=2, k=2, abstain_threshold=0.0, reader=False)
    assistant = Assistant.from_texts(TEXTS, settings, embedder=fake_embedder)
    for citation in assistant.ask("Who built the Three Gorges Dam?").citations:
        assert citation.score == citation.evidence.fused_score
        assert citation.evidence.reader_score is None and citation.answer is None


def test_a_question_bm25_cannot_match_abstains_cleanly(fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts(TEXTS, embedder=fake_embedder)
    answer = assistant.ask("Xylophone quux?", mode="bm25")
    assert answer.abstained and answer.citations == () and answer.answerability == 0.0
