"""Batching token sequences: every row read once, little padding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from embeddings.tokens import by_padding


@dataclass(frozen=True)
class Encoding:
    ids: tuple[int, ...]


@given(st.lists(st.integers(1, 128), min_size=1, max_size=40), st.integers(1, 8))
def test_padding_batches_hold_every_row_once_with_little_padding(lengths, batch_size) -> None:  # noqa: ANN001
    encodings = [Encoding((0,) * n) for n in lengths]
    batches = by_padding(encodings, batch_size, waste=0.2)
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(len(lengths)))
    for batch in batches:
        sizes = [lengths[i] for i in batch]
        assert len(batch) <= batch_size
        assert max(sizes) * len(sizes) <= 1.2 * sum(sizes) + 1e-9


def test_similar_lengths_share_a_batch_and_an_outlier_does_not() -> None:
    encodings = [Encoding((0,) * n) for n in (50, 120, 52, 49, 51)]
    assert [sorted(b.tolist()) for b in by_padding(encodings, 5)] == [[0, 2, 3, 4], [1]]
