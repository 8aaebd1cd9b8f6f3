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


def test_wrong_dimension_and_duplicate_ids_are_errors() -> None:
    index = VectorIndex(8)
    with pytest.raises(EmbeddingError, match="dimension 8"):
        index.add(np.array([1]), random_unit(1, 4, 0))
    index.add(np.array([1]), random_unit(1, 8, 0))
    with pytest.raises(EmbeddingError, match="already in the index"):
        index.add(np.array([1]), random_unit(1, 8, 1))


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
