import pytest

from qa.search.fusion import fuse_rankings
from qa.types import Hit


def ranking(*ids: int) -> list[Hit]:
    return [Hit(row=s, score=1.0 / r, rank=r) for r, s in enumerate(ids, start=1)]


def test_rrf_scores_follow_the_formula() -> None:
    fused = fuse_rankings([ranking(1, 2, 3), ranking(3, 1)], k=60)
    scores = {h.row: h.score for h in fused}
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)
    assert scores[2] == pytest.approx(1 / 62)
    assert [h.row for h in fused] == [1, 3, 2]
    assert [h.rank for h in fused] == [1, 2, 3]


def test_rrf_weights_shift_the_winner() -> None:
    bm25, dense = ranking(1, 2), ranking(2, 1)
    assert fuse_rankings([bm25, dense], weights=(1.0, 2.0))[0].row == 2
    assert fuse_rankings([bm25, dense], weights=(2.0, 1.0))[0].row == 1


def test_rrf_breaks_ties_by_row() -> None:
    fused = fuse_rankings([ranking(7, 4), ranking(4, 7)])
    assert [h.row for h in fused] == [4, 7]


def test_rrf_with_empty_rankings_is_empty_and_weights_must_match() -> None:
    assert fuse_rankings([[], []]) == []
    with pytest.raises(ValueError):
        fuse_rankings([ranking(1)], weights=(1.0, 1.0))
