"""Batched work shared by concurrent callers: each gets its own results, in order, once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa.answer.combining import Combiner


def test_concurrent_calls_share_batches_and_get_their_own_results() -> None:
    batches: list[int] = []
    lock = threading.Lock()

    def work(items: list[int]) -> list[int]:
        with lock:
            batches.append(len(items))
        time.sleep(0.02)
        return [i * 10 for i in items]

    combined = Combiner(work, runs=1, max_items=12)
    calls = [list(range(n, n + 3)) for n in range(0, 90, 3)]
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(combined, calls))
    assert results == [[i * 10 for i in call] for call in calls]
    assert sum(batches) == 90 and max(batches) <= 12
    assert len(batches) < len(calls)  # calls that waited were read together


def test_a_call_larger_than_a_batch_still_runs_alone() -> None:
    combined = Combiner(lambda items: [-i for i in items], runs=2, max_items=4)
    assert combined(list(range(10))) == [-i for i in range(10)]


def test_an_error_reaches_every_caller_of_its_batch_and_the_next_calls_run() -> None:
    def work(items: list[int]) -> list[int]:
        if 13 in items:
            raise ValueError("unlucky")
        return items

    combined = Combiner(work, runs=1, max_items=100)
    with pytest.raises(ValueError, match="unlucky"):
        combined([13])
    assert combined([1, 2]) == [1, 2]
