"""Writers check: two writers at once on one store, round after round; no change may be lost.

Reproduce: `./dev.sh python scripts/writers_check.py --rounds 100` (a few minutes: each
`qa` command is a process of its own that loads the default model, about 1 s). A folder of
small text files is indexed into a store with `qa index`; the chat's collection (a
`Collection` in this process, as `qa serve` holds it) stays open on that store throughout.
Each round runs two writers at once, the kinds in turn:

- `cli-remove+cli-remove`: two `qa docs remove` of different documents;
- `cli-index+cli-remove`: `qa index FOLDER` (a new file in it) and `qa docs remove`;
- `cli-index+cli-index`: two `qa index FOLDER` with a new file in it;
- `chat-upload+cli-remove`: the chat uploads a new file (into FOLDER) during `qa docs remove`;
- `chat-remove+cli-remove`: the chat removes one document during `qa docs remove` of another.

The chat's change starts after a random delay of up to one `qa` command's run, so it falls
before, during or after the command's own change. After each round the store must hold what
the two writers give run one after the other, in either order (a lost change otherwise), the
chat must list what the store holds (a stale list otherwise), and of two `qa index` runs only
one may embed the new file (embedded twice otherwise). Prints one line per kind and a
summary line; exits 1 on any lost change, stale list, repeated embedding or failed command.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.index.store import load_store  # noqa: E402
from qa.serve.collection import Collection  # noqa: E402

FIRST_FILES = 12
Outcomes = list[frozenset[str]]
"""The titles the store may hold after a round: one set per order of its two writers."""


@dataclass
class Tally:
    """What the rounds of one kind found."""

    rounds: int = 0
    lost: int = 0
    stale: int = 0
    twice: int = 0
    failed: int = 0

    def bad(self) -> int:
        return self.lost + self.stale + self.twice + self.failed


@dataclass
class World:
    """The folder, the store, the chat's collection over it, and the `qa` runs' durations."""

    folder: Path
    store: Path
    rng: random.Random
    chat: Collection | None = None
    files: int = 0
    durations: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def new_file(self) -> tuple[Path, str]:
        """A new file in the folder; returns it and the title of its document."""
        self.files += 1
        title = f"Note {self.files:03d}"
        path = self.folder / f"note-{self.files:03d}.txt"
        path.write_text(
            f"{title}\n\nThe facility number {self.files} opened in {1800 + self.files}. "
            f"It employs {10 * self.files} people on the river.",
            encoding="utf-8",
        )
        return path, title

    def titles(self) -> dict[str, str]:
        """The store's documents now: title -> document id."""
        return {d.title: d.doc_id for d in load_store(self.store).corpus.documents.values()}

    def folder_titles(self) -> frozenset[str]:
        return frozenset(f"Note {n:03d}" for n in range(1, self.files + 1))

    def qa(self, *args: str) -> subprocess.Popen:
        """Start `python -m qa.serve.cli ARGS` (the `qa` command)."""
        command = [sys.executable, "-m", "qa.serve.cli", *args]
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def remove(self, doc_id: str) -> subprocess.Popen:
        return self.qa("docs", "remove", doc_id, "--store", str(self.store), "--json")

    def index(self) -> subprocess.Popen:
        return self.qa("index", str(self.folder), "--store", str(self.store), "--json")

    def finish(self, run: subprocess.Popen, started: float) -> dict | list | None:
        """Wait for a `qa` run; its JSON output, or None (recorded) when it failed."""
        out, err = run.communicate()
        self.durations.append(time.perf_counter() - started)
        if run.returncode != 0:
            self.failures.append(f"{' '.join(run.args[3:5])}: {err.strip()[-300:]}")
            return None
        return json.loads(out.strip().splitlines()[-1])

    def typical_run(self) -> float:
        return statistics.median(self.durations[-20:]) if self.durations else 1.0

    def pick(self, count: int, present: dict[str, str]) -> list[str]:
        """`count` titles of the store, leaving at least two documents."""
        assert len(present) >= count + 2, "too few documents left to remove"
        return self.rng.sample(sorted(present), count)


def _together(
    world: World, first: Callable[[], subprocess.Popen], second: Callable[[], subprocess.Popen]
) -> list:
    """Start two `qa` runs a moment apart (0 to 0.2 s) and wait for both; their outputs."""
    started = time.perf_counter()
    runs = [first()]
    time.sleep(world.rng.uniform(0.0, 0.2))
    runs.append(second())
    return [world.finish(run, started) for run in runs]


def cli_remove_remove(world: World, tally: Tally) -> Outcomes:
    present = world.titles()
    a, b = world.pick(2, present)
    outputs = _together(world, lambda: world.remove(present[a]), lambda: world.remove(present[b]))
    tally.failed += outputs.count(None)
    return [frozenset(present) - {a, b}]


def cli_index_remove(world: World, tally: Tally) -> Outcomes:
    present = world.titles()
    world.new_file()
    (gone,) = world.pick(1, present)
    outputs = _together(world, world.index, lambda: world.remove(present[gone]))
    tally.failed += outputs.count(None)
    everything = world.folder_titles()  # `qa index` last: the folder as it is
    return [everything, everything - {gone}]  # `qa docs remove` last: without `gone`


def cli_index_index(world: World, tally: Tally) -> Outcomes:
    present = frozenset(world.titles())
    world.new_file()
    outputs = _together(world, world.index, world.index)
    tally.failed += outputs.count(None)
    new = len(world.folder_titles() - present)
    added = sum(out["added"] for out in outputs if isinstance(out, dict))
    tally.twice += int(added > new)  # the second run must find nothing new to embed
    return [world.folder_titles()]


def chat_upload_cli_remove(world: World, tally: Tally) -> Outcomes:
    present = world.titles()
    (gone,) = world.pick(1, present)
    path, title = world.new_file()
    assert world.chat is not None
    chat = world.chat

    def upload() -> None:
        added = chat.add_files([(path, path.name)])
        if [d.title for d in added.documents] != [title]:
            world.failures.append(f"the chat's upload of {path.name} gave {added}")
            tally.failed += 1

    _with_chat(world, tally, upload, lambda: world.remove(present[gone]))
    return [(frozenset(present) | {title}) - {gone}]


def chat_remove_cli_remove(world: World, tally: Tally) -> Outcomes:
    present = world.titles()
    mine, theirs = world.pick(2, present)
    assert world.chat is not None
    chat = world.chat

    def remove() -> None:
        chat.remove(present[mine])

    _with_chat(world, tally, remove, lambda: world.remove(present[theirs]))
    return [frozenset(present) - {mine, theirs}]


def _with_chat(
    world: World, tally: Tally, change: Callable[[], None], command: Callable[[], subprocess.Popen]
) -> None:
    """Start the `qa` command, make the chat's change after a random delay of up to one
    typical `qa` run, and wait for the command."""
    started = time.perf_counter()
    run = command()
    time.sleep(world.rng.uniform(0.0, world.typical_run()))
    try:
        change()
    except Exception as exc:  # noqa: BLE001 - any failure of the chat's change is counted
        world.failures.append(f"the chat's change: {exc}")
        tally.failed += 1
    tally.failed += int(world.finish(run, started) is None)


KINDS: dict[str, Callable[[World, Tally], Outcomes]] = {
    "cli-remove+cli-remove": cli_remove_remove,
    "cli-index+cli-remove": cli_index_remove,
    "cli-index+cli-index": cli_index_index,
    "chat-upload+cli-remove": chat_upload_cli_remove,
    "chat-remove+cli-remove": chat_remove_cli_remove,
}


def one_round(world: World, kind: str, tally: Tally) -> None:
    """Run one round of `kind` and check the store and the chat's list after it."""
    outcomes = KINDS[kind](world, tally)
    after = frozenset(world.titles())
    tally.rounds += 1
    if after not in outcomes:
        tally.lost += 1
        expected = " or ".join(str(sorted(o ^ after)) for o in outcomes)
        world.failures.append(f"{kind}: lost a change (the store differs in {expected})")
    assert world.chat is not None
    listed = frozenset(d.title for d in world.chat.documents())
    if listed != after:
        tally.stale += 1
        world.failures.append(f"{kind}: the chat lists {sorted(listed ^ after)} unlike the store")


def setup(workdir: Path, rng: random.Random) -> World:
    """The folder with its first files, indexed by `qa index`, and the chat opened on it."""
    world = World(workdir / "files", workdir / "store", rng)
    world.folder.mkdir()
    for _ in range(FIRST_FILES):
        world.new_file()
    started = time.perf_counter()
    if world.finish(world.index(), started) is None:
        sys.exit(f"writers check: the first `qa index` failed: {world.failures[-1]}")
    world.chat = Collection.open(world.store, lambda: sys.exit("the store must exist"))
    world.failures.clear()
    return world


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="rounds in all (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    tallies = {kind: Tally() for kind in KINDS}
    with tempfile.TemporaryDirectory(prefix="writers-check-") as workdir:
        world = setup(Path(workdir), random.Random(args.seed))
        kinds = list(KINDS)
        for i in range(args.rounds):
            kind = kinds[i % len(kinds)]
            one_round(world, kind, tallies[kind])
    for failure in world.failures[:20]:
        print(f"  {failure}")
    for kind, t in tallies.items():
        print(
            f"{kind:24} rounds {t.rounds:3}  lost {t.lost}  stale chat lists {t.stale}  "
            f"embedded twice {t.twice}  failed commands {t.failed}"
        )
    total = Tally(*(sum(getattr(t, name) for t in tallies.values()) for name in vars(Tally())))
    print(
        f"writers check: {total.rounds} rounds, lost changes {total.lost}, stale chat lists "
        f"{total.stale}, embedded twice {total.twice}, failed commands {total.failed}; "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 1 if total.bad() else 0


if __name__ == "__main__":
    sys.exit(main())
