"""Answers a second over the sample collection: the reader as it ships, and without its batching.

Reproduce: `./dev.sh python scripts/reading_check.py --rounds 3`

Asks the chat's example questions (and two more) from 1 and from 4 threads at once, as the
chat answers them (`QA_ANSWERING_THREADS`): with the reader as it ships (questions asked at
the same time share network runs, `qa/answer/combining.py`, and a question's sentences are
read in batches of similar length, `by_padding`), with each question's sentences read alone,
and read alone in one batch padded to the longest (as before `by_padding`); prints the median
answers per second and CPU milliseconds per answer of `--rounds` alternating rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import app  # noqa: E402
import qa.answer.reader as reader_module  # noqa: E402
from qa.answer.reader import Reader, Reading  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from scripts.load_check import QUESTIONS  # noqa: E402

SHARED = Reader.read
BY_PADDING = reader_module.by_padding


def one_batch(encodings: Sequence[object], batch_size: int) -> list[np.ndarray]:
    """All rows in one batch, padded to the longest."""
    return [np.arange(len(encodings))]


def alone(
    reader: Reader,
    question: str,
    sentences: Sequence[str],
    contexts: Sequence[str] | None = None,
) -> list[Reading]:
    """`Reader.read` without shared runs: this question's sentences only."""
    return reader.read_pairs(reader.first_segments(question, contexts, len(sentences)), sentences)


def rate(assistant: Assistant, threads: int, asks: int) -> tuple[float, float]:
    """(answers a second, CPU ms an answer) of `asks` questions from `threads` threads."""
    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda i: assistant.ask(QUESTIONS[i % len(QUESTIONS)]), range(asks)))
    return asks / (time.perf_counter() - started), (time.process_time() - cpu) / asks * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--asks", type=int, default=84)
    args = parser.parse_args()
    assistant = Assistant.sample(app.cache_dir())
    for question in QUESTIONS:
        assistant.ask(question)  # warm
    runs: dict[str, list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        variants = (
            ("as shipped", SHARED, BY_PADDING),
            ("alone", alone, BY_PADDING),
            ("alone, one padded batch", alone, one_batch),
        )
        for name, read, batches in variants:
            Reader.read = read  # type: ignore[method-assign]
            reader_module.by_padding = batches  # type: ignore[assignment]
            for threads in (1, 4):
                runs.setdefault(f"{name}, {threads} thread(s)", []).append(
                    rate(assistant, threads, args.asks)
                )
    Reader.read = SHARED  # type: ignore[method-assign]
    reader_module.by_padding = BY_PADDING
    report = {
        key: {
            "answers_per_second": round(statistics.median(r for r, _ in values), 1),
            "cpu_ms_per_answer": round(statistics.median(c for _, c in values), 1),
        }
        for key, values in runs.items()
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
