"""Vectors in Milvus: Milvus Lite in every run (the behavioural tests of test_assistant.py and
test_collection.py also run against it, through the `backend` fixture), the real Milvus 2.3.5
standalone server for the dense-only path where its binary starts."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings import MULTILINGUAL_MODEL
from qa import Answer, Assistant, QAError, Settings
from qa.evaluation.datasets import from_squad
from qa.index import embedding as embedding_module
from qa.index.milvus import URI_VARIABLE, MilvusSpace
from qa.ingest.documents import make_document
from qa.ingest.files import read_documents
from qa.serve.cli import _index_settings
from qa.serve.indexing import index_paths
from tests.conftest import DIRECTORS, SAMPLE, FakeEmbedder

SQUAD_SLICE = Path(__file__).parent / "data" / "squad-dev-slice.json"
TEXTS = [
    "Solar farms\n\nThe Nevada solar farm opened in 2021. It powers 90,000 homes. Dr. Lee runs it.",
    "River report\n\nThe Yangtze River floods every summer. Engineers built the Three Gorges Dam.",
]


def _on_milvus(backend: dict[str, str], settings: Settings = Settings()) -> Settings:
    return settings.with_(**backend)


@pytest.fixture
def milvus(milvus_uri, request) -> dict[str, str]:  # noqa: ANN001
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:60]
    return {"milvus": milvus_uri, "milvus_collection": name}


class FailingEmbedder(FakeEmbedder):
    """Fails on its `fail_on`-th call (an interrupted write); counts the texts it embeds."""

    def __init__(self, fail_on: int = 0) -> None:
        super().__init__()
        self.fail_on, self.calls, self.embedded = fail_on, 0, 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("killed")
        self.embedded += len(texts)
        return super().embed(texts)


def test_milvus_lite_recalls_with_hybrid_search_and_answers_as_faiss(
    milvus, fake_embedder, monkeypatch
) -> None:  # noqa: ANN001
    calls = []
    hybrid = MilvusSpace.hybrid
    monkeypatch.setattr(
        MilvusSpace, "hybrid", lambda self, *a: calls.append(a[1]) or hybrid(self, *a)
    )
    settings = Settings(reader=False, abstain_threshold=0.2)
    local = Assistant.from_texts(TEXTS, settings, embedder=fake_embedder)
    remote = Assistant.from_texts(TEXTS, _on_milvus(milvus, settings), embedder=fake_embedder)
    assert remote.retriever.indexes.vectors.space.lexical  # BM25 Function detected
    for question in ["Who runs the solar farm?", "What did engineers build?", "floods"]:
        assert _cited(remote.ask(question)) == _cited(local.ask(question))
    assert calls == ["Who runs the solar farm?", "What did engineers build?", "floods"]
    for mode in ("dense", "bm25"):  # the other modes search Milvus's HNSW / qa's BM25
        asked = [a.ask("Who runs it?", k=1, mode=mode) for a in (remote, local)]
        assert _cited(asked[0]) == _cited(asked[1])


def _cited(answer: Answer) -> tuple:
    """What an answer cites, with its scores (the dense rank among equal cosines may differ:
    FAISS and Milvus order ties each their own way)."""
    return answer.abstained, [(c.sentence, round(c.score, 6)) for c in answer.citations]


@pytest.mark.slow
def test_sample_and_squad_slice_cite_the_same_sentences_as_faiss(milvus, real_embedder) -> None:  # noqa: ANN001
    squad = from_squad("slice", json.loads(SQUAD_SLICE.read_text(encoding="utf-8")))
    local = Assistant.from_corpus(squad.corpus, Settings(), real_embedder)
    remote = Assistant.from_corpus(squad.corpus, _on_milvus(milvus), real_embedder)
    firsts = [
        [a.citations[0].sentence.row if a.citations else None for a in (x, y)]
        for x, y in ((local.ask(q.question), remote.ask(q.question)) for q in squad.questions)
    ]
    assert len(firsts) == 30 and all(a == b for a, b in firsts)
    sample = remote.add_documents(read_documents([SAMPLE]))
    best = sample.ask("Who directs the biomedical alliance?").best
    assert best is not None and DIRECTORS in best.text and best.rank == 1


def test_an_interrupted_write_resumes_where_it_stopped(milvus, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setattr(embedding_module, "EMBED_BATCH", 2)
    settings = _on_milvus(milvus, Settings(reader=False))
    failing = FailingEmbedder(fail_on=3)  # two blocks of two sentences written, then killed
    with pytest.raises(RuntimeError, match="killed"):
        Assistant.from_texts(TEXTS, settings, embedder=failing)
    resumed = FailingEmbedder()
    assistant = Assistant.from_texts(TEXTS, settings, embedder=resumed)
    assert failing.embedded == 4 and resumed.embedded == len(assistant.corpus.sentences) - 4
    fresh = Assistant.from_texts(TEXTS, Settings(reader=False), embedder=FakeEmbedder())
    for question in ["Who runs the solar farm?", "What did engineers build?"]:
        # The same sentences and scores; the fake embedder's tied cosines (0.0) may take
        # their dense ranks in another order in Milvus.
        answers = assistant.ask(question), fresh.ask(question)
        cited = [[(c.sentence, c.score) for c in answer.citations] for answer in answers]
        assert cited[0] == cited[1]


def test_removing_a_document_deletes_its_rows_in_milvus(milvus, fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_texts(TEXTS, _on_milvus(milvus), embedder=fake_embedder)
    space = assistant.retriever.indexes.vectors.space
    first, second = assistant.corpus.documents
    fewer = assistant.remove_documents([first])
    kept = fewer.corpus.sentences.ids
    np.testing.assert_array_equal(space.keys("sentences"), np.sort(kept))
    assert space.count("passages") == fewer.corpus.passage_count
    best = fewer.ask("Who runs the solar farm?", mode="bm25").best
    assert best is None or best.doc_id == second


def test_a_chinese_collection_is_analysed_by_jieba(milvus, fake_embedder) -> None:  # noqa: ANN001
    texts = [
        "产业链联盟\n\n生物医药产业链联盟由中国药科大学担任首届联盟理事长单位。新能源汽车联盟由吉利牵头。"
    ]
    settings = Settings.for_model(MULTILINGUAL_MODEL).with_(abstain_threshold=0.0, **milvus)
    assistant = Assistant.from_texts(texts, settings, embedder=fake_embedder)
    space = assistant.retriever.indexes.vectors.space
    fields = space.client.describe_collection(space.collection("sentences"))["fields"]
    text = next(f for f in fields if f["name"] == "text")
    assert "jieba" in text["params"]["analyzer_params"]
    best = assistant.ask("谁担任生物医药产业链联盟的理事长单位？").best
    assert best is not None and "中国药科大学" in best.text


def test_a_store_finds_milvus_at_the_address_the_environment_gives(
    milvus, fake_embedder, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    Assistant.from_texts(TEXTS, _on_milvus(milvus), embedder=fake_embedder).save(tmp_path / "s")
    manifest = tmp_path / "s" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["settings"]["milvus"] = "http://127.0.0.1:1"  # where it was, seen from another machine
    manifest.write_text(json.dumps(data))
    with pytest.raises(QAError, match="cannot reach Milvus at http://127.0.0.1:1"):
        Assistant.load(tmp_path / "s", embedder=fake_embedder)
    monkeypatch.setenv(URI_VARIABLE, milvus["milvus"])
    loaded = Assistant.load(tmp_path / "s", embedder=fake_embedder)
    assert loaded.ask("Who runs the solar farm?").best is not None


def test_a_bad_collection_name_says_what_is_allowed(milvus_uri) -> None:  # noqa: ANN001
    with pytest.raises(QAError, match="letters, digits and underscores"):
        MilvusSpace(milvus_uri, "my store", "m")


@pytest.fixture(scope="module")
def milvus_server() -> Iterator[str]:
    """The real Milvus 2.3.5 standalone server of the PyPI package `milvus`, on localhost."""
    server_module = pytest.importorskip("milvus", reason="the `milvus` server package is missing")
    server = server_module.default_server
    base = tempfile.mkdtemp(prefix="milvus-server-")
    server.set_base_dir(base)
    try:
        server.start()
    except Exception as exc:  # the binary cannot run here (platform, sandbox)
        pytest.skip(f"the Milvus 2.3.5 server binary cannot start here: {exc}")
    try:
        yield f"http://127.0.0.1:{server.listen_port}"
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_a_milvus_2_3_server_serves_dense_vectors_with_local_bm25(
    milvus_server, real_embedder, tmp_path
) -> None:  # noqa: ANN001
    settings = Settings(milvus=milvus_server, milvus_collection="smoke")
    assistant = Assistant.from_paths([SAMPLE], settings, real_embedder)
    space = assistant.retriever.indexes.vectors.space
    assert space.client.get_server_version().startswith("v2.3") and not space.lexical
    best = assistant.ask("Who directs the biomedical alliance?").best
    assert best is not None and DIRECTORS in best.text and best.rank == 1
    local = Assistant.from_paths([SAMPLE], Settings(), real_embedder)
    for question in ["Who directs the biomedical alliance?", "How many alliances were set up?"]:
        rows = [[c.sentence.row for c in a.ask(question).citations] for a in (assistant, local)]
        assert rows[0] == rows[1]
    grown = assistant.add_documents([make_document(TEXTS[0], "solar.txt")])
    assert space.count("sentences") == len(grown.corpus.sentences)
    grown.save(tmp_path / "store")
    reopened = Assistant.load(tmp_path / "store", real_embedder)
    assert reopened.ask("Who runs the solar farm?").best.doc_id != best.doc_id


def test_qa_index_moves_a_store_into_milvus_and_keeps_it_there(
    milvus, fake_embedder, tmp_path
) -> None:  # noqa: ANN001
    folder, store = tmp_path / "docs", tmp_path / "store"
    folder.mkdir()
    for number, text in enumerate(TEXTS):
        (folder / f"{number}.txt").write_text(text, encoding="utf-8")
    given = lambda: fake_embedder  # noqa: E731
    index_paths([folder], store, Settings(), given)  # a FAISS store
    args = argparse.Namespace(model=None, milvus=milvus["milvus"], collection=None, store=store)
    moved = index_paths([folder], store, _index_settings(args), given)
    assert moved.embedded_sentences == moved.sentences  # written into Milvus
    settings = Assistant.load(store, fake_embedder).settings
    assert settings.milvus == milvus["milvus"] and settings.milvus_collection.startswith(
        "qa_store_"
    )
    (folder / "2.txt").write_text("Harbor notes\n\nThe festival was founded in 1987.", "utf-8")
    args = argparse.Namespace(model=None, milvus=None, collection=None, store=store)
    assert _index_settings(args) is None  # the store's own settings: still Milvus
    again = index_paths([folder], store, None, given)
    assert (again.added, again.embedded_sentences, again.unchanged) == (1, 2, 2)
    best = Assistant.load(store, fake_embedder).ask("When was the festival founded?").best
    assert best is not None and best.source.endswith("2.txt")


def test_without_pymilvus_the_error_says_how_to_install(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setitem(sys.modules, "pymilvus", None)  # as if it were not installed
    with pytest.raises(QAError, match=r"needs pymilvus .*pip install -e '\.\[cluster\]'"):
        MilvusSpace(str(tmp_path / "never.db"), "t", "m")
