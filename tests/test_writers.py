"""Several writers on one store: threads, processes, the chat and the CLI. Every change survives,
the chat sees what others wrote, and files others planted beside a store are never used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qa import Assistant, QAError, Settings
from qa.index.store import FORMAT_VERSION, MANIFEST, load_store, save_store, store_generation
from qa.serve.collection import Collection, remove_documents
from tests.conftest import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
TOPICS = ("festival", "bridge", "harbor", "orchard", "castle", "library")
SETTINGS = Settings(reader=False, abstain_threshold=0.0)
NOBODY = 65534  # another user's uid and gid (the tests run as root, so chown works)


def _text(topic: str) -> str:
    return f"{topic.title()} notes\n\nThe {topic} was founded in 1901 by the {topic} guild."


def _store(tmp_path: Path, topics: tuple[str, ...] = TOPICS) -> Path:
    store = tmp_path / "store"
    texts = [_text(t) for t in topics]
    Assistant.from_texts(texts, SETTINGS, embedder=FakeEmbedder()).save(store)
    return store


def _ids_by_topic(store: Path) -> dict[str, str]:
    documents = load_store(store).corpus.documents.values()
    return {d.title.split()[0].lower(): d.doc_id for d in documents}


def _topics(store: Path) -> set[str]:
    return set(_ids_by_topic(store))


def _open(store: Path) -> Collection:
    return Collection.open(store, lambda: pytest.fail("must not seed"), FakeEmbedder())


def _upload(collection: Collection, folder: Path, topic: str) -> None:
    path = folder / f"{topic}.txt"
    path.write_text(_text(topic), encoding="utf-8")
    assert len(collection.add_files([(path, path.name)]).documents) == 1


def _together(how: str, work: list[Callable[[], None]]) -> None:
    """Run each of `work` at once: in threads, or each in a forked process (a writer of its
    own, as two `qa` commands would be); any failure fails the test."""
    if how == "threads":
        barrier = threading.Barrier(len(work))
        errors: list[BaseException] = []

        def run(job: Callable[[], None]) -> None:
            try:
                barrier.wait()
                job()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(job,)) for job in work]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        return
    read, write = os.pipe()  # the children start together when the parent closes `write`
    children = []
    for job in work:
        pid = os.fork()
        if pid == 0:  # child: wait for the start, do the job, report by exit status
            status = 1
            try:
                os.close(write)
                os.read(read, 1)
                job()
                status = 0
            finally:
                os._exit(status)
        children.append(pid)
    os.close(read)
    os.close(write)
    statuses = [os.waitpid(pid, 0)[1] for pid in children]
    assert statuses == [0] * len(work)


@pytest.mark.parametrize("how", ["threads", "processes"])
def test_concurrent_removals_of_different_documents_all_survive(tmp_path, how) -> None:  # noqa: ANN001
    store = _store(tmp_path)
    ids = _ids_by_topic(store)
    chats = [_open(store) for _ in range(2)]  # opened before: each holds the same snapshot
    work = [
        lambda: chats[0].remove(ids["festival"]),
        lambda: chats[1].remove(ids["bridge"]),
        lambda: remove_documents(store, [ids["harbor"]], FakeEmbedder()),  # `qa docs remove`
        lambda: remove_documents(store, [ids["orchard"]], FakeEmbedder()),
    ]
    _together(how, work)
    assert _topics(store) == {"castle", "library"}
    assert store_generation(store) == 1 + len(work)  # one save each, none lost


@pytest.mark.parametrize("how", ["threads", "processes"])
def test_concurrent_uploads_of_different_documents_all_survive(tmp_path, how) -> None:  # noqa: ANN001
    store = _store(tmp_path, TOPICS[:1])
    chats = [_open(store) for _ in TOPICS[1:4]]
    work = [
        lambda chat=chat, topic=topic: _upload(chat, tmp_path, topic)
        for chat, topic in zip(chats, TOPICS[1:4])
    ]
    _together(how, work)
    assert _topics(store) == set(TOPICS[:4])
    reopened = Assistant.load(store, FakeEmbedder())
    assert len(reopened.corpus.sentences) == 2 * 4  # each upload indexed once, none twice


REMOVER = """
import sys
from qa.serve.collection import remove_documents
from tests.conftest import FakeEmbedder
remove_documents(sys.argv[1], sys.argv[2:], FakeEmbedder())
"""


def test_the_chat_sees_another_process_removal_and_does_not_bring_it_back(tmp_path) -> None:  # noqa: ANN001
    store = _store(tmp_path, TOPICS[:3])
    chat = _open(store)
    festival = _ids_by_topic(store)["festival"]
    command = [sys.executable, "-c", REMOVER, str(store), festival]
    subprocess.run(command, cwd=ROOT, check=True)
    assert {d.title for d in chat.documents()} == {"Bridge notes", "Harbor notes"}
    best = chat.assistant.ask("When was the festival founded?", k=1).best
    assert best is None or "festival" not in best.text
    _upload(chat, tmp_path, "orchard")
    assert _topics(store) == {"bridge", "harbor", "orchard"}  # the festival stays removed
    with pytest.raises(QAError, match=f"no document with id {festival}"):
        chat.remove(festival)


def test_answers_come_from_the_old_snapshot_until_the_new_store_is_loaded(
    tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    store = _store(tmp_path, TOPICS[:2])
    chat = _open(store)
    before = chat.assistant
    loading, release = threading.Event(), threading.Event()
    load = Collection._loaded

    def slow_load(self: Collection) -> Assistant:
        loading.set()
        assert release.wait(10)
        return load(self)

    monkeypatch.setattr(Collection, "_loaded", slow_load)
    remove_documents(store, [_ids_by_topic(store)["bridge"]], FakeEmbedder())  # another writer
    assert chat.assistant is before  # noticed: the load starts in the background
    assert loading.wait(10)
    started = time.perf_counter()
    assert chat.assistant is before and chat.assistant.ask("Who founded the bridge?").citations
    assert time.perf_counter() - started < 1.0  # answering did not wait for the load
    release.set()
    deadline = time.monotonic() + 10
    while chat.assistant is before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [d.title for d in chat.assistant.corpus.documents.values()] == ["Festival notes"]


def test_every_save_counts_a_generation_and_a_store_without_one_still_loads(tmp_path) -> None:  # noqa: ANN001
    store = _store(tmp_path, TOPICS[:2])
    assert store_generation(store) == 1
    stored = load_store(store)
    save_store(store, stored)
    assert store_generation(store) == 2
    manifest = json.loads((store / MANIFEST).read_text(encoding="utf-8"))
    del manifest["generation"]  # as qa wrote stores before generations were counted
    (store / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert store_generation(store) == 0 and manifest["format_version"] == FORMAT_VERSION
    assert set(load_store(store).corpus.documents) == set(stored.corpus.documents)
    save_store(store, stored)
    assert store_generation(store) == 1
    assert store_generation(tmp_path / "nothing") is None


def _planted_store(tmp_path: Path) -> Path:
    """A store with another user's answer in it, made somewhere else."""
    planted = tmp_path / "planted"
    fake = Assistant.from_texts([_text("swindle")], SETTINGS, embedder=FakeEmbedder())
    fake.save(planted)
    return planted


@pytest.mark.parametrize("how", ["owned by another user", "a symbolic link"])
def test_a_planted_old_store_is_never_adopted(tmp_path, how) -> None:  # noqa: ANN001
    planted = _planted_store(tmp_path)
    aside = tmp_path / ".store.old"  # what a writer killed mid-swap leaves
    if how == "a symbolic link":
        aside.symlink_to(planted)
    else:
        planted.rename(aside)
        for path in [aside, *aside.rglob("*")]:
            os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    store = tmp_path / "store"
    with pytest.raises(QAError, match=f"{aside} is .*remove it"):
        Collection.open(store, lambda: pytest.fail("must not seed"), FakeEmbedder())
    with pytest.raises(QAError, match="remove it"):
        load_store(store)
    assert not store.exists()


def test_a_planted_old_store_is_not_used_when_saving_either(tmp_path) -> None:  # noqa: ANN001
    store = _store(tmp_path, TOPICS[:1])
    aside = tmp_path / ".store.old"
    aside.mkdir()
    os.chown(aside, NOBODY, NOBODY)
    assert _topics(store) == {"festival"}  # loading ignores it while the store is there
    with pytest.raises(QAError, match="owned by uid 65534"):
        save_store(store, load_store(store))
    assert _topics(store) == {"festival"}


@pytest.mark.parametrize("kind", ["write", "swap"])
def test_a_symlinked_lock_file_is_refused_and_its_target_not_created(tmp_path, kind) -> None:  # noqa: ANN001
    target = tmp_path / "victim" / "created-by-qa"
    target.parent.mkdir()
    (tmp_path / f".store.{kind}.lock").symlink_to(target)
    seed = lambda: Assistant.from_texts([_text("festival")], SETTINGS, embedder=FakeEmbedder())  # noqa: E731
    with pytest.raises(QAError, match=f"store.{kind}.lock is a symbolic link.*Remove it"):
        Collection.open(tmp_path / "store", seed, FakeEmbedder())
    assert not os.path.lexists(target)


@pytest.mark.parametrize("kind", ["write", "swap"])
def test_a_lock_file_of_another_user_is_refused(tmp_path, kind) -> None:  # noqa: ANN001
    store = _store(tmp_path, TOPICS[:1])
    lock = tmp_path / f".store.{kind}.lock"
    lock.touch()
    os.chown(lock, NOBODY, NOBODY)
    with pytest.raises(QAError, match=r"owned by another user \(uid 65534\).*Remove it"):
        remove_documents(store, ["nope"], FakeEmbedder())
    lock.unlink()
    assert _topics(store) == {"festival"}


def test_lock_files_are_made_private_to_their_user(tmp_path) -> None:  # noqa: ANN001
    _store(tmp_path, TOPICS[:1])
    for kind in ("write", "swap"):
        assert (tmp_path / f".store.{kind}.lock").stat().st_mode & 0o777 == 0o600
