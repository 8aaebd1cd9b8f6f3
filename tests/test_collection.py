"""Adding and removing documents: only new sentences are embedded, every change is saved."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa import Assistant, QAError, Settings
from qa.serve.collection import Collection, Step
from tests.conftest import FakeEmbedder

FIRST = "Harbor notes\n\nThe festival was founded in 1987 by the guild. It is held every August."
SECOND = "River notes\n\nThe bridge was built in 1901 by the city. It was painted red in 1950."


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting the texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return super().embed(texts)


def _files(tmp_path: Path, **texts: str) -> list[tuple[Path, str]]:
    files = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        files.append((path, f"{name}.txt"))
    return files


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def collection(tmp_path, embedder, backend) -> Collection:  # noqa: ANN001
    settings = Settings(reader=False, abstain_threshold=0.0, **backend)
    return Collection.open(
        tmp_path / "store", lambda: Assistant.from_texts([FIRST], settings, embedder=embedder)
    )


def test_adding_embeds_only_the_new_sentences_and_saves(collection, embedder, tmp_path) -> None:  # noqa: ANN001
    assert embedder.embedded == 3 and (tmp_path / "store" / "manifest.json").is_file()
    before = collection.assistant
    old_vectors = before.retriever.indexes.vectors.vectors(np.arange(3))
    steps: list[Step] = []
    added = collection.add_files(
        _files(tmp_path, second=SECOND), lambda fraction, step: steps.append(step)
    )
    assert [d.source for d in added.documents] == ["second.txt"] and added.skipped == ()
    assert embedder.embedded == 3 + 3  # the second document's three sentences only
    said = [step.said() for step in steps]
    assert said[0] == "reading 1 file(s)" and said[-1] == "done"
    assert "embedding 3/3 sentences" in said and "saving the collection" in said
    assert "计算向量 3/3 句" in [step.said("zh") for step in steps]  # as a Chinese browser shows it
    after = collection.assistant
    np.testing.assert_array_equal(
        after.retriever.indexes.vectors.vectors(np.arange(3)), old_vectors
    )
    assert before.corpus.documents.keys() < after.corpus.documents.keys()  # a new snapshot
    best = after.ask("When was the bridge built?", k=1).best
    assert best is not None and best.source == "second.txt" and "1901" in best.text
    reopened = Assistant.load(tmp_path / "store", embedder=embedder)
    assert [d.source for d in reopened.corpus.documents.values()] == ["text 1", "second.txt"]


def test_unreadable_and_repeated_files_are_skipped_with_the_reason(collection, tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x00")
    files = [*_files(tmp_path, again=FIRST, empty=" \n"), (bad, "tool.exe")]
    added = collection.add_files(files)
    assert added.documents == ()
    reasons = {s.source: s.reason for s in added.skipped}
    assert "already in the collection as 'Harbor notes'" in reasons["again.txt"]
    assert "no text" in reasons["empty.txt"] and "supported" in reasons["tool.exe"]
    assert len(collection.documents()) == 1
    stub = collection.add_files(_files(tmp_path, stub="TODO: notes"))
    assert len(stub.documents) == 1 and stub.near_empty == ("stub.txt",)


def test_removing_keeps_the_rest_without_embedding_and_saves(
    collection, embedder, tmp_path
) -> None:  # noqa: ANN001
    collection.add_files(_files(tmp_path, second=SECOND))
    first = collection.documents()[0]
    embedded = embedder.embedded
    assert collection.remove(first.doc_id) == first
    assert embedder.embedded == embedded
    assert [d.source for d in collection.documents()] == ["second.txt"]
    best = collection.assistant.ask("When was the festival founded?", k=1).best
    assert best is not None and best.source == "second.txt"  # the festival is gone
    reopened = Assistant.load(tmp_path / "store", embedder=embedder)
    assert [d.source for d in reopened.corpus.documents.values()] == ["second.txt"]
    with pytest.raises(QAError, match="no documents"):
        collection.remove(collection.documents()[0].doc_id)
    with pytest.raises(QAError, match="no document with id nope"):
        collection.remove("nope")


def test_a_folder_that_is_not_a_store_is_left_alone(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(QAError, match="not empty and holds no store"):
        Collection.open(tmp_path / "photos", lambda: pytest.fail("must not seed"))


def test_a_collection_with_damaged_indexes_is_embedded_again_from_its_documents(
    collection, embedder, tmp_path
) -> None:  # noqa: ANN001
    store = tmp_path / "store"
    collection.add_files(_files(tmp_path, second=SECOND))
    sentences = collection.assistant.corpus.sentences
    vectors = collection.assistant.retriever.indexes.vectors
    if collection.assistant.settings.milvus:  # a write that stopped half-way through Milvus
        vectors.space.delete("sentences", vectors.keys[4:])
    else:
        (store / "vectors" / "vectors.faiss").write_bytes(b"garbage")
    reopened = Collection.open(store, lambda: pytest.fail("must not seed"), embedder)
    assert reopened.assistant.corpus.sentences == sentences  # the same documents and ids
    # FAISS: all embedded again, once; Milvus: only the two sentences it lacks
    assert embedder.embedded == 6 + (2 if collection.assistant.settings.milvus else 6)
    Assistant.load(store, embedder=embedder)  # and saved whole
    (store / "metadata.sqlite").write_bytes(b"garbage")
    with pytest.raises(QAError, match="cannot be read back .* Move the folder aside"):
        Collection.open(store, lambda: pytest.fail("must not seed"), embedder)


def test_a_save_killed_between_its_renames_leaves_the_previous_store(
    collection, embedder, tmp_path
) -> None:  # noqa: ANN001
    store = tmp_path / "store"
    collection.add_files(_files(tmp_path, second=SECOND))
    store.rename(tmp_path / ".store.old")  # the first rename done, the second never happened
    reopened = Collection.open(store, lambda: pytest.fail("must recover, not seed"), embedder)
    assert [d.source for d in reopened.documents()] == ["text 1", "second.txt"]


KILLED_WRITER = """
import sys
from qa import Assistant, Settings
from tests.conftest import FakeEmbedder
settings = Settings(reader=False)
states = [Assistant.from_texts(texts, settings, embedder=FakeEmbedder()) for texts in (%r, %r)]
print("ready", flush=True)
while True:
    for state in states:
        state.save(sys.argv[1])
"""


@pytest.mark.slow  # a dozen Python processes
def test_killing_a_writer_at_random_moments_never_breaks_the_store(tmp_path, fake_embedder) -> None:  # noqa: ANN001
    import random
    import signal
    import subprocess
    import sys
    import time

    store = tmp_path / "store"
    texts = ([FIRST], [FIRST, SECOND])
    Assistant.from_texts(texts[0], Settings(reader=False), embedder=fake_embedder).save(store)
    root = Path(__file__).resolve().parents[1]
    script = KILLED_WRITER % texts
    states = set()
    rng = random.Random(7)
    for _ in range(12):
        writer = subprocess.Popen(
            [sys.executable, "-c", script, str(store)], cwd=root, stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.3))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        loaded = Assistant.load(store, embedder=fake_embedder)  # recovers, or raises
        states.add(len(loaded.corpus.documents))
        assert len(loaded.corpus.sentences) == 3 * len(loaded.corpus.documents)
    assert states <= {1, 2}


def test_loading_never_sees_a_store_between_the_swap_renames(tmp_path, fake_embedder) -> None:  # noqa: ANN001
    from qa.index.store import StoredIndexes, load_store, save_store

    store = tmp_path / "store"
    versions = []
    for text in (FIRST, SECOND):
        a = Assistant.from_texts([text], Settings(reader=False), embedder=fake_embedder)
        versions.append(StoredIndexes(a.settings, a.corpus, a.retriever.indexes))
    save_store(store, versions[0])
    done = threading.Event()
    errors: list[Exception] = []

    def write() -> None:
        for i in range(40):
            save_store(store, versions[i % 2])
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    loads = 0
    while not done.is_set():
        try:
            load_store(store)
        except Exception as exc:  # noqa: BLE001 - any failure to read is the bug looked for
            errors.append(exc)
        loads += 1
    writer.join()
    assert loads > 40 and errors == []


def test_an_upload_longer_than_the_limit_is_skipped_saying_to_use_qa_index(
    collection, embedder, tmp_path  # noqa: ANN001
) -> None:
    files = _files(tmp_path, second=SECOND, long=SECOND + " It is long." * 10)
    added = collection.add_uploads(files, max_chars=len(SECOND) + 10)
    assert [d.source for d in added.documents] == ["second.txt"]
    (skipped,) = added.skipped
    name, reason = skipped.source, skipped.reason
    assert name == "long.txt" and reason.startswith("long.txt holds 202 characters of text, more than one upload may (92,")
    assert "QA_UPLOAD_MAX_CHARS" in reason and "`qa index FILE --store STORE`" in reason
    assert embedder.embedded == 3 + 3  # nothing of the long file
    assert not any(path.exists() for path, _ in files)  # uploads are deleted either way
