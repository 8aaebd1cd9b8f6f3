"""Crash check: SIGKILL a real `qa index` at random moments; the store must always load and
equal the state before or after the update.

Reproduce: `./dev.sh python scripts/crash_check.py --kills 50` (a few minutes). A folder of
25 text files alternates between two versions (5 files changed, 5 added or removed); each
round first runs `qa index FOLDER` to completion on a copy of the store (the "after" state:
documents, every sentence's id and span, the next id), then starts it on the store itself and
kills it: half the rounds after a random delay, half within 0.04 s of the moment it starts
writing. The result is one JSON object: rounds, stores that failed to load or matched neither
the state before nor the state after (both must be 0), kills that caught a write in progress,
and how often each state was found.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.errors import QAError  # noqa: E402
from qa.index.store import load_store  # noqa: E402

QA = ROOT / ".venv" / "bin" / "qa"


def write_version(folder: Path, version: int) -> None:
    """Version 0: files 0-19. Version 1: files 0-14, 15-19 changed, 20-24 added."""
    for path in folder.glob("*.txt"):
        path.unlink()
    for i in range(25 if version else 20):
        edited = " It was expanded later." if version and i >= 15 else ""
        (folder / f"article-{i:02d}.txt").write_text(
            f"Article {i}\n\nThe facility number {i} opened in {1900 + i}.{edited} "
            f"It employs {100 + i} people and exports to {i % 7 + 2} countries.\n\n"
            f"Its director, engineer number {i}, grew up in a town on the river.",
            encoding="utf-8",
        )


def state_of(store: Path) -> tuple | None:
    """The store's documents and every sentence's id and span, or None when it fails to load."""
    try:
        corpus = load_store(store).corpus
    except QAError:
        return None
    spans = tuple((s.sentence_id, s.doc_id, s.start, s.end) for s in corpus.sentences)
    return frozenset(corpus.documents), spans, corpus.next_id


def reference_run(folder: Path, store: Path, reference: Path, durations: list[float]) -> tuple:
    """The state a complete run from the store's present state gives (run on a copy)."""
    shutil.rmtree(reference, ignore_errors=True)
    shutil.copytree(store, reference)
    started = time.perf_counter()
    assert index(folder, reference).wait() == 0
    durations.append(time.perf_counter() - started)
    state = state_of(reference)
    assert state is not None
    return state


def index(folder: Path, store: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [str(QA), "index", str(folder), "--store", str(store), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-crash-check"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder, store = args.work / "folder", args.work / "store"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    write_version(folder, 0)
    assert index(folder, store).wait() == 0
    store_version, durations = 0, []
    failed = neither = in_write = 0
    found = {"before": 0, "after": 0}
    for _ in range(args.kills):
        target = 1 - store_version
        write_version(folder, target)
        before = state_of(store)
        after = reference_run(folder, store, args.work / "reference", durations)
        writer = index(folder, store)
        if rng.random() < 0.5:  # at any moment of the run
            time.sleep(rng.uniform(0.0, durations[-1]))
        else:  # while the store is being written: soon after its temporary folder appears
            while writer.poll() is None and not any(args.work.glob(".store.tmp-*")):
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.04))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        caught = list(args.work.glob(".store.tmp-*")) + list(args.work.glob(".store.old"))
        in_write += bool(caught)
        state = state_of(store)  # puts a set-aside store back, if that is where it stopped
        if state is None:
            failed += 1
        elif state == before:
            found["before"] += 1
        elif state == after:
            found["after"] += 1
            store_version = target
        else:
            neither += 1
    result = {
        "rounds": args.kills,
        "failed_to_load": failed,
        "matched_neither": neither,
        "kills_during_a_write": in_write,
        "found_before": found["before"],
        "found_after": found["after"],
        "full_run_seconds_median": round(sorted(durations)[len(durations) // 2], 1),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
