"""`qa index --ray`: on a local Ray cluster it writes the store the single-process path writes,
resumes after an interruption, and says what to do when Ray is missing or unreachable."""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa import Assistant, QAError, Settings
from qa.index import corpus as corpus_module
from qa.index import embedding as embedding_module
from qa.index.corpus import Corpus
from qa.index.embedding import indexed_text
from qa.index.indexes import Indexes
from qa.index.milvus import space_of
from qa.ingest.documents import make_document
from qa.scale.ray_checkpoint import checkpoint_folder
from qa.scale.ray_cluster import RayCluster, connected
from qa.scale.ray_embed import planned_calls
from qa.serve.cli import main
from qa.serve.indexing import index_paths
from tests.conftest import DIRECTORS, SAMPLE, FakeEmbedder

TOWNS = ("Aldmere", "Brackwater", "Corran", "Dunhollow", "Eskfield", "Fennick")
THINGS = ("stone bridge", "grain mill", "lighthouse", "library", "clock tower", "market hall")
PEOPLE = ("Mara Quill", "Tobin Ash", "Ines Varga", "Olek Brand", "Suri Calder", "Piet Lorne")
QUESTIONS = (
    "Who directs the biomedical alliance?",
    "Who built the stone bridge of Aldmere?",
    "When was the lighthouse of Corran repaired?",
)


def _town(town: str, seed: int) -> str:
    """A small made-up document: paragraphs of sentences about one town's buildings."""
    rng = random.Random(seed)
    paragraphs = []
    for thing in THINGS:
        built, repaired = rng.randrange(1700, 1900), rng.randrange(1900, 2020)
        paragraphs.append(
            f"The {thing} of {town} was built in {built} by {rng.choice(PEOPLE)}. "
            f"It was repaired in {repaired} after a storm. "
            f"Visitors to the {thing} count about {rng.randrange(100, 9000)} a year. "
            f"The town council of {town} keeps its records in the {rng.choice(THINGS)}."
        )
    return f"{town}\n\n" + "\n\n".join(paragraphs)


def _corpus(folder: Path, towns: Sequence[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, town in enumerate(towns):
        path = folder / f"{town.lower()}.txt"
        path.write_text(_town(town, i), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Embedding calls of 16 sentences, blocks of 64 rows: a small corpus makes many calls,
    some cut at a block's end, as a large one does with the real sizes."""
    monkeypatch.setattr(embedding_module, "EMBED_BATCH", 16)
    monkeypatch.setattr(embedding_module, "BLOCK_ROWS", 64)


@pytest.fixture
def local_ray():  # noqa: ANN201
    """A local two-CPU Ray cluster for the test (the runs inside use it rather than their own)."""
    pytest.importorskip("ray.data", reason="Ray Data is not installed: pip install 'ray[data]'")
    with connected(RayCluster(workers=2)) as workers:
        yield workers


class RecordingEmbedder(FakeEmbedder):
    """The fake embedder, keeping the texts of each call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return super().embed(texts)


def _texts(corpus: Corpus) -> list[str]:
    return [indexed_text(corpus, row, False) for row in range(len(corpus.sentences))]


def test_planned_calls_are_the_calls_indexing_makes(
    small_batches: None, backend: dict[str, str]
) -> None:
    settings = Settings(**backend)
    first = [make_document(_town(t, i), t) for i, t in enumerate(TOWNS[:4])]
    later = [make_document(_town(t, 9 + i), t) for i, t in enumerate(TOWNS[4:])]
    recorder = RecordingEmbedder()
    corpus = Corpus.build(first)
    built = Indexes.build(corpus, recorder, space=space_of(settings))
    assert len(recorder.calls) > 4  # the corpus crosses blocks
    assert recorder.calls == planned_calls(_texts(corpus), 0)

    recorder.calls.clear()
    kept = first[1:]  # the new rows start where no block does
    Assistant(corpus, recorder, built, settings).synced([*kept, *later])
    new = Corpus.build(later)
    rows_kept = sum(len(corpus.document_sentences(d.doc_id)) for d in kept)
    assert rows_kept % embedding_module.BLOCK_ROWS != 0
    assert recorder.calls == planned_calls(_texts(new), rows_kept)


def _compare(local: Path, remote: Path) -> None:
    a, b = Assistant.load(local), Assistant.load(remote)
    assert a.corpus.documents == b.corpus.documents
    assert list(a.corpus.sentences.spans()) == list(b.corpus.sentences.spans())
    assert a.corpus.sentences.ids.tolist() == b.corpus.sentences.ids.tolist()
    assert a.corpus.next_id == b.corpus.next_id
    rows = np.arange(len(a.corpus.sentences))
    vectors = a.retriever.indexes.vectors.vectors(rows), b.retriever.indexes.vectors.vectors(rows)
    np.testing.assert_allclose(*vectors, atol=1e-5, rtol=0)
    for question in QUESTIONS:
        cited = [[c.sentence.sentence_id for c in x.ask(question).citations] for x in (a, b)]
        assert cited[0] == cited[1], question
    answer = b.ask(QUESTIONS[0])
    assert DIRECTORS in answer.citations[0].sentence.text


@pytest.mark.slow
def test_ray_index_matches_single_process(
    tmp_path: Path,
    small_batches: None,
    local_ray: int,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, logger="qa.scale.ray_embed")
    files = [SAMPLE, *_corpus(tmp_path / "docs", TOWNS[:4])]
    local, remote = tmp_path / "local", tmp_path / "ray"
    index_paths(files, local)
    assert main(["index", *map(str, files), "--store", str(remote), "--ray", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sentences"] > 4 * embedding_module.EMBED_BATCH
    _compare(local, remote)
    assert not checkpoint_folder(remote).exists()

    # an update: two documents gone, two new ones embedded after the kept rows
    files = [SAMPLE, *files[3:], *_corpus(tmp_path / "docs", TOWNS[4:])]
    index_paths(files, local, prune=True)
    with monkeypatch.context() as patched:  # the new documents are split on Ray, not here
        patched.setattr(corpus_module, "split_document", lambda *a: pytest.fail("split here"))
        report = index_paths(files, remote, ray=RayCluster(), prune=True)
    assert (report.added, report.removed) == (2, 2)
    _compare(local, remote)
    assert "embedding 0 sentences" not in caplog.text  # every run embedded on Ray
    assert "not prepared" not in caplog.text  # and ahead, in the calls indexing then made


class Interrupted(Exception):
    """Stands for Ctrl-C or a lost machine in the middle of embedding."""


def _interrupt_when_embedding(phase: str, done: int, total: int) -> None:
    if phase == "embedding" and done > 0:
        raise Interrupted


@pytest.mark.slow
def test_ray_index_resumes_after_interruption(
    tmp_path: Path, small_batches: None, local_ray: int
) -> None:
    files = _corpus(tmp_path / "docs", TOWNS)
    store = tmp_path / "store"
    with pytest.raises(Interrupted):
        index_paths(files, store, None, FakeEmbedder, _interrupt_when_embedding, RayCluster())
    assert not store.exists()
    saved = sum(len(np.load(p)) for p in checkpoint_folder(store).glob("*.npy"))
    assert saved > 0

    reports: list[tuple[str, int, int]] = []
    report = index_paths(
        files, store, None, FakeEmbedder, lambda *report: reports.append(report), RayCluster()
    )
    embedded_now = next(total for phase, _, total in reports if phase == "embedding")
    assert embedded_now == report.sentences - saved
    assert not checkpoint_folder(store).exists()
    index_paths(files, tmp_path / "local", None, FakeEmbedder)
    _compare_fake(tmp_path / "local", store)


def _compare_fake(local: Path, remote: Path) -> None:
    a, b = (Assistant.load(s, FakeEmbedder()) for s in (local, remote))
    assert list(a.corpus.sentences.spans()) == list(b.corpus.sentences.spans())
    rows = np.arange(len(a.corpus.sentences))
    np.testing.assert_array_equal(
        a.retriever.indexes.vectors.vectors(rows), b.retriever.indexes.vectors.vectors(rows)
    )


def test_unreachable_address_fails_fast_saying_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ray.data", reason="Ray Data is not installed: pip install 'ray[data]'")
    store = tmp_path / "store"
    started = time.perf_counter()
    assert main(["index", str(SAMPLE), "--store", str(store), "--address", "127.0.0.1:1"]) == 2
    assert time.perf_counter() - started < 10  # Ray itself would retry for ever
    assert "start one there with `ray start --head`" in capsys.readouterr().err
    assert not store.exists()


def test_missing_ray_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(QAError, match=r"pip install 'ray\[data\]>=2.40'"):
        index_paths([SAMPLE], tmp_path / "store", ray=RayCluster())
