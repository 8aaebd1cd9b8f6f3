import json
from pathlib import Path

import faiss
import numpy as np
import pytest

from embeddings import EmbeddingError, VectorIndex, normalize_rows


def random_unit(n: int, d: int, seed: int) -> np.ndarray:
    return normalize_rows(np.random.default_rng(seed).normal(size=(n, d)))


def test_search_matches_numpy_brute_force() -> None:
    vectors, queries = random_unit(500, 32, 0), random_unit(20, 32, 1)
    ids = np.arange(1000, 1500)
    index = VectorIndex(32)
    index.add(ids, vectors)
    scores, found = index.search(queries, 10)
    expected = np.argsort(-(queries @ vectors.T), axis=1)[:, :10] + 1000
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_allclose(
        scores, np.sort(queries @ vectors.T, axis=1)[:, ::-1][:, :10], rtol=1e-5
    )


def test_save_load_round_trip_gives_the_same_results(tmp_path) -> None:  # noqa: ANN001
    index = VectorIndex(16)
    index.add(np.array([5, 9, 42]), random_unit(3, 16, 2))
    index.save(tmp_path / "v")
    loaded = VectorIndex.load(tmp_path / "v")
    queries = random_unit(4, 16, 3)
    for a, b in zip(index.search(queries, 3), loaded.search(queries, 3)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.ids(), [5, 9, 42])


def test_remove_drops_ids_from_results() -> None:
    index = VectorIndex(8)
    index.add(np.array([1, 2, 3]), random_unit(3, 8, 4))
    assert index.remove(np.array([2, 99])) == 1
    assert len(index) == 2 and 2 not in index.search(random_unit(1, 8, 5), 3)[1]


def approximate(vectors: np.ndarray, ids: np.ndarray) -> VectorIndex:
    """An index that takes the approximate structure at this small size."""
    index = VectorIndex(vectors.shape[1], size=len(vectors), exact_limit=len(vectors) // 10)
    index.add(ids, vectors)
    return index


def test_the_structure_flips_from_flat_to_a_graph_above_the_exact_limit(tmp_path: Path) -> None:
    assert VectorIndex(8).structure == "flat"  # size unknown
    assert VectorIndex(8, size=100, exact_limit=100).structure == "flat"
    assert VectorIndex(8, size=101, exact_limit=100).structure == "hnsw-sq8"
    index = VectorIndex(8, size=101, exact_limit=100)
    index.add(np.arange(101), random_unit(101, 8, 0))
    index.save(tmp_path / "v")
    manifest = json.loads((tmp_path / "v" / "vectors.json").read_text())
    assert manifest["structure"] == "hnsw-sq8" and manifest["format_version"] == 2
    assert VectorIndex.load(tmp_path / "v").structure == "hnsw-sq8"


def test_approximate_search_finds_the_exact_top_hits_with_exact_cosines() -> None:
    vectors, queries = random_unit(3000, 32, 0), random_unit(50, 32, 1)
    ids = 7 + 3 * np.arange(3000)[::-1]  # not the positions: exercises the id lookup
    index = approximate(vectors, ids)
    assert index.structure == "hnsw-sq8"
    scores, found = index.search(queries, 10)
    exact = queries @ vectors.T
    expected = ids[np.argsort(-exact, axis=1)[:, :10]]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, expected)])
    assert recall >= 0.97
    positions = (found - 7) // 3
    true = np.take_along_axis(exact, 2999 - positions, axis=1)
    np.testing.assert_allclose(scores, true, rtol=0, atol=1e-6)  # re-scored, not code scores
    assert (np.diff(scores, axis=1) <= 0).all()
    np.testing.assert_array_equal(index.ids(), ids)


def test_approximate_search_fills_missing_slots_and_keeps_adding_after_it_is_built() -> None:
    vectors = random_unit(600, 16, 2)
    index = VectorIndex(16, size=500, exact_limit=50)
    index.add(np.arange(500), vectors[:500])  # the announced size: the graph is built here
    index.add(np.arange(500, 600), vectors[500:])  # added into the built graph
    _, found = index.search(vectors[550:560], 1)
    np.testing.assert_array_equal(found[:, 0], np.arange(550, 560))
    scores, found = index.search(vectors[:1], 605)
    assert (found[0, :600] >= 0).all() and (found[0, 600:] == -1).all()
    assert np.isneginf(scores[0, 600:]).all()
    with pytest.raises(EmbeddingError, match="cannot remove"):
        index.remove(np.array([1]))
    with pytest.raises(EmbeddingError, match="not in the index"):
        index.vectors(np.array([600]))


def test_the_codes_are_trained_on_every_block_not_only_the_first() -> None:
    rng = np.random.default_rng(6)
    first = np.hstack([rng.normal(size=(1000, 4)), np.zeros((1000, 4))])  # dimensions 0-3
    later = np.hstack([np.zeros((1000, 4)), rng.normal(size=(1000, 4))])  # dimensions 4-7
    index = VectorIndex(8, size=2000, exact_limit=10)
    index.add(np.arange(1000), normalize_rows(first))
    index.add(np.arange(1000, 2000), normalize_rows(later))
    # Ranges taken from the first block alone would code every later vector as the same point.
    _, found = index.search(normalize_rows(later[:200]), 1)
    assert np.mean(found[:, 0] == np.arange(1000, 1200)) >= 0.95


@pytest.mark.parametrize("exact_limit", [1000, 10], ids=["flat", "hnsw-sq8"])
def test_vectors_come_back_bit_identical_through_repeated_saves(
    tmp_path: Path, exact_limit: int
) -> None:
    vectors = random_unit(200, 24, 3) * np.float32(1.0001)  # not exactly representable in codes
    index = VectorIndex(24, size=200, exact_limit=exact_limit)
    index.add(np.arange(200), vectors)
    index.save(tmp_path / "a")
    loaded = VectorIndex.load(tmp_path / "a")
    loaded.save(tmp_path / "a")  # over the very files it reads (memory-mapped for the graph)
    loaded.save(tmp_path / "b")
    again = VectorIndex.load(tmp_path / "b")
    rows = np.array([199, 0, 57])
    for each in (loaded, again, VectorIndex.load(tmp_path / "a")):
        assert each.structure == index.structure
        assert np.array_equal(each.vectors(rows), vectors[rows])  # bit for bit
        np.testing.assert_array_equal(each.similarity(vectors[5], rows), vectors[rows] @ vectors[5])
        np.testing.assert_array_equal(each.ids(), np.arange(200))


def test_a_format_1_index_still_loads(tmp_path: Path) -> None:
    vectors = random_unit(30, 8, 4)
    old = faiss.IndexIDMap2(faiss.IndexFlatIP(8))
    old.add_with_ids(vectors, np.arange(100, 130))
    (tmp_path / "v").mkdir()
    faiss.write_index(old, str(tmp_path / "v" / "vectors.faiss"))
    manifest = {"format_version": 1, "dimension": 8, "size": 30}
    (tmp_path / "v" / "vectors.json").write_text(json.dumps(manifest))
    loaded = VectorIndex.load(tmp_path / "v")
    assert loaded.structure == "flat" and len(loaded) == 30
    assert loaded.search(vectors[3:4], 1)[1][0, 0] == 103
    np.testing.assert_array_equal(loaded.vectors(np.array([104])), vectors[4:5])


@pytest.mark.parametrize(
    "damage",
    [
        lambda v: (v / "vectors.npy").write_bytes((v / "vectors.npy").read_bytes()[:3000]),
        lambda v: (v / "graph.faiss").write_bytes((v / "graph.faiss").read_bytes()[:3000]),
        lambda v: (v / "ids.npy").unlink(),
        lambda v: (v / "vectors.json").write_text(
            '{"format_version": 2, "dimension": 8, "size": 9'
        ),
    ],
    ids=["truncated vectors", "truncated graph", "missing ids", "garbled manifest"],
)
def test_a_damaged_approximate_index_says_how_to_fix_it(tmp_path: Path, damage) -> None:  # noqa: ANN001
    approximate(random_unit(300, 8, 5), np.arange(300)).save(tmp_path / "v")
    damage(tmp_path / "v")
    with pytest.raises(EmbeddingError, match="damaged.*rebuild it with `qa index`"):
        VectorIndex.load(tmp_path / "v")


def test_a_newer_or_unknown_index_format_says_to_rebuild(tmp_path: Path) -> None:
    VectorIndex(8).save(tmp_path / "v")
    manifest = json.loads((tmp_path / "v" / "vectors.json").read_text())
    for change in ({"format_version": 3}, {"structure": "ivf-pq"}):
        (tmp_path / "v" / "vectors.json").write_text(json.dumps({**manifest, **change}))
        with pytest.raises(EmbeddingError, match="rebuild it with `qa index`"):
            VectorIndex.load(tmp_path / "v")


def test_an_assistant_over_the_graph_answers_alike_after_save_load_and_update(
    fake_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    from qa import Assistant
    from qa.ingest.documents import make_document
    from tests.conftest import SAMPLE

    monkeypatch.setattr("embeddings.index.EXACT_LIMIT", 5)  # the sample's sentences: a graph
    built = Assistant.from_paths([SAMPLE], embedder=fake_embedder)
    assert built.retriever.indexes.vectors.structure == "hnsw-sq8"
    question = "Who directs the biomedical alliance?"
    built.save(tmp_path / "store")
    loaded = Assistant.load(tmp_path / "store", embedder=fake_embedder)
    assert loaded.retriever.indexes.vectors.structure == "hnsw-sq8"
    first, again = built.ask(question), loaded.ask(question)
    assert [c.sentence.sentence_id for c in again.citations] == [
        c.sentence.sentence_id for c in first.citations
    ]
    assert [c.evidence for c in again.citations] == [c.evidence for c in first.citations]
    rows = np.arange(len(built.corpus.sentences))
    stored = built.retriever.indexes.vectors.vectors(rows)
    updated = loaded.add_documents([make_document("Tides rise twice a day. Boats wait.", "tides")])
    np.testing.assert_array_equal(updated.retriever.indexes.vectors.vectors(rows), stored)


def test_wrong_dimension_and_duplicate_ids_are_errors() -> None:
    index = VectorIndex(8)
    with pytest.raises(EmbeddingError, match="dimension 8"):
        index.add(np.array([1]), random_unit(1, 4, 0))
    index.add(np.array([1]), random_unit(1, 8, 0))
    with pytest.raises(EmbeddingError, match="already in the index"):
        index.add(np.array([1]), random_unit(1, 8, 1))
    index.add(np.array([0]), random_unit(1, 8, 2))  # below the largest id, yet new
    with pytest.raises(EmbeddingError, match="already in the index"):
        index.add(np.array([5, 0]), random_unit(2, 8, 3))


def test_empty_index_returns_missing_slots() -> None:
    scores, ids = VectorIndex(4).search(random_unit(2, 4, 0), 3)
    assert (ids == -1).all() and ids.shape == (2, 3)


def test_loading_a_missing_index_says_how_to_fix_it(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(EmbeddingError, match="qa index"):
        VectorIndex.load(tmp_path)


def test_a_lazy_embedder_loads_its_model_only_for_texts(fake_embedder) -> None:  # noqa: ANN001
    from embeddings import EmbeddingError, LazyEmbedder

    made = []
    lazy = LazyEmbedder(lambda: made.append(1) or fake_embedder, "fake", fake_embedder.dimension)
    assert lazy.embed([]).shape == (0, fake_embedder.dimension) and made == []
    assert lazy.embed(["steel mill"]).shape == (1, fake_embedder.dimension)
    lazy.embed(["grain port"])
    assert made == [1]
    wrong = LazyEmbedder(lambda: fake_embedder, "fake", 7)
    with pytest.raises(EmbeddingError, match="not the 7 its store was built with"):
        wrong.embed(["text"])
