"""Work that batches, shared by the threads that ask for it at the same time.

Several questions answered at once (the chat answers up to `QA_ANSWERING_THREADS`) each want
the reader to read a handful of sentences. One network run over all their pairs costs less
than one run per question (4 questions x 5 sentences read in one call: 15% less CPU), so calls
that arrive while others run are queued and read together by the first of them whose turn
comes. Measured as the chat answers, 4 at a time on 2 cores, the gain is within the machine's
noise (`scripts/reading_check.py`: 0 to 6% more answers a second, 3% less CPU); on more
cores, or with more questions queued, the batches are larger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Call(Generic[Item, Result]):
    """One caller's items and, once run, its results or the error that stopped the batch."""

    items: Sequence[Item]
    taken: bool = False
    results: list[Result] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class Combiner(Generic[Item, Result]):
    """Calls `work(items) -> results` (one result per item, in order) for many threads: at
    most `runs` batches at a time, each holding the calls that waited for it (up to
    `max_items` items, and always at least one call).

    Args:
        work: The batched function; it must be safe to call from several threads at once.
        runs: How many batches may run at the same time.
        max_items: Batches take further waiting calls while they stay within this many items.
    """

    def __init__(
        self, work: Callable[[list[Item]], list[Result]], runs: int, max_items: int
    ) -> None:
        self._work = work
        self._runs = runs
        self._max_items = max_items
        self._running = 0
        self._waiting: list[_Call[Item, Result]] = []
        self._turn = threading.Condition()

    def __call__(self, items: Sequence[Item]) -> list[Result]:
        call: _Call[Item, Result] = _Call(items)
        with self._turn:
            self._waiting.append(call)
        while True:
            with self._turn:
                while not call.done and (call.taken or self._running >= self._runs):
                    self._turn.wait()
                if call.done:
                    break
                batch = self._take()  # the longest-waiting calls: this one, or before it
            self._run(batch)
        if call.error is not None:
            raise call.error
        return call.results

    def _take(self) -> list[_Call[Item, Result]]:
        """Under the lock: the waiting calls the next batch holds, marked taken."""
        batch: list[_Call[Item, Result]] = []
        count = 0
        while self._waiting and (
            not batch or count + len(self._waiting[0].items) <= self._max_items
        ):
            call = self._waiting.pop(0)
            call.taken = True
            batch.append(call)
            count += len(call.items)
        self._running += 1
        return batch

    def _run(self, batch: list[_Call[Item, Result]]) -> None:
        error: BaseException | None = None
        results: list[Result] = []
        try:
            results = self._work([item for call in batch for item in call.items])
        except BaseException as exc:  # noqa: BLE001 - handed to every caller of the batch
            error = exc
        with self._turn:
            start = 0
            for call in batch:
                call.results = results[start : start + len(call.items)]
                call.error = error
                call.done = True
                start += len(call.items)
            self._running -= 1
            self._turn.notify_all()
