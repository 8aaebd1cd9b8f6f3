"""`qa index` adds and updates what it is given, and removes only what it was asked to: files
gone from the folders given (or, with --prune, everything not under the paths). Documents from
other paths, the chat's uploads and the sample stay; --dry-run says what would change and
changes nothing; the summary counts what really happened."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import qa.assistant
import qa.serve.indexing
from qa import Assistant, Settings
from qa.index.locks import writing
from qa.index.store import load_documents
from qa.ingest.documents import make_document
from qa.serve import Collection
from qa.serve.cli import main
from qa.serve.indexing import index_paths
from qa.settings import DEFAULT_MODEL, MULTILINGUAL_MODEL
from tests.conftest import SAMPLE, FakeEmbedder

ARTICLES = {
    "alpha.txt": "Alpha\n\nThe alpha plant opened in 1990. It makes steel.",
    "beta.md": "# Beta\n\nThe beta mill closed in 2001.",
    "gamma.txt": "Gamma\n\nThe gamma port handles grain.",
}
ALPHA_CHANGED = "Alpha\n\nThe alpha plant opened in 1991. It makes rails. And wire."
FESTIVAL = (
    "<html><head><title>Harbor Lights Festival</title></head><body><p>The festival was "
    "founded in 1987 by the guild. It is held every August on the old quay.</p></body></html>"
)
CHINESE = "长江三角洲\n\n上海是长江三角洲的中心城市。南京是江苏省的省会。杭州以西湖闻名。"
FAKE = Settings(embedder=FakeEmbedder.name, reader=False, abstain_threshold=0.0)


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every model `qa index` loads is the fake embedder (fast, offline); the list gets the
    number of texts of each embedding call, to compare with what the summary says."""
    calls: list[int] = []

    class Counting(FakeEmbedder):
        def embed(self, texts: Sequence[str]) -> np.ndarray:
            calls.append(len(texts))
            return super().embed(texts)

    for module in (qa.serve.indexing, qa.assistant):
        monkeypatch.setattr(module, "make_embedder", lambda *args, **kwargs: Counting())
    return calls


def _qa_index(capsys: pytest.CaptureFixture[str], embedded: list[int], *args: str) -> dict:
    """`qa index ARGS --json`'s summary, checked against the sentences really embedded."""
    capsys.readouterr()
    embedded.clear()
    assert main(["index", *args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["embedded_sentences"] == sum(embedded)
    kept = report["added"] + report["unchanged"] + report["kept"] + len(report["kept_previous"])
    assert report["documents"] == kept
    return report


def _folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _file(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _sources(store: str | Path) -> list[str]:
    return sorted(d.source for d in load_documents(Path(store))[1].documents.values())


def _two_paths_indexed(
    tmp_path: Path, embedded: list[int], capsys: pytest.CaptureFixture[str]
) -> tuple[Path, Path, str]:
    """A folder of articles and a festival page, each indexed by its own `qa index` run."""
    articles = _folder(tmp_path / "articles", ARTICLES)
    festival = _file(tmp_path / "festival.html", FESTIVAL)
    store = str(tmp_path / "store")
    _qa_index(capsys, embedded, str(articles), "--store", store)
    _qa_index(capsys, embedded, str(festival), "--store", store)
    return articles, festival, store


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under `folder`, with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def test_indexing_a_second_path_keeps_the_first_paths_documents(
    tmp_path: Path, embedded: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    articles = _folder(tmp_path / "articles", ARTICLES)
    festival = _file(tmp_path / "festival.html", FESTIVAL)
    store = str(tmp_path / "store")
    first = _qa_index(capsys, embedded, str(articles), "--store", store)
    assert (first["added"], first["kept"], first["embedded_sentences"]) == (3, 0, 7)
    second = _qa_index(capsys, embedded, str(festival), "--store", store)
    assert (second["added"], second["removed"], second["kept"], second["documents"]) == (1, 0, 3, 4)
    assert second["embedded_sentences"] == 2  # the festival's sentences only
    assert _sources(store) == sorted([*(str(articles / n) for n in ARTICLES), str(festival)])


def test_a_file_deleted_from_an_indexed_folder_is_dropped_and_a_changed_one_updated(
    tmp_path: Path, embedded: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    articles, festival, store = _two_paths_indexed(tmp_path, embedded, capsys)
    (articles / "beta.md").unlink()
    (articles / "alpha.txt").write_text(ALPHA_CHANGED, encoding="utf-8")
    again = _qa_index(capsys, embedded, str(articles), "--store", store)
    # alpha's new text added and its old one removed; beta removed; gamma read again
    assert (again["added"], again["updated"], again["removed"]) == (1, 1, 2)
    assert (again["unchanged"], again["kept"], again["documents"]) == (1, 1, 3)
    assert again["embedded_sentences"] == 4  # alpha's new sentences only
    assert _sources(store) == sorted(
        [str(articles / "alpha.txt"), str(articles / "gamma.txt"), str(festival)]
    )


@pytest.mark.parametrize("given", ["relative-then-absolute", "absolute-then-relative"])
def test_a_folder_named_relatively_or_absolutely_is_the_same_folder(
    tmp_path: Path,
    embedded: list[int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    given: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    _folder(tmp_path / "articles", ARTICLES)
    names = ["articles", str(tmp_path / "articles")]
    first, second = names if given == "relative-then-absolute" else names[::-1]
    _qa_index(capsys, embedded, first, "--store", "store")
    (tmp_path / "articles" / "gamma.txt").unlink()
    (tmp_path / "articles" / "alpha.txt").write_text(ALPHA_CHANGED, encoding="utf-8")
    again = _qa_index(capsys, embedded, second, "--store", str(tmp_path / "store"))
    assert (again["updated"], again["removed"], again["unchanged"], again["kept"]) == (1, 2, 1, 0)
    assert _sources(tmp_path / "store") == [str(Path(second) / n) for n in ("alpha.txt", "beta.md")]


def test_uploads_and_the_sample_are_kept_when_a_folder_is_indexed_into_the_chats_store(
    tmp_path: Path,
    embedded: list[int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = tmp_path / "collection"
    seed = lambda: Assistant.from_paths([SAMPLE], FAKE, FakeEmbedder())  # noqa: E731
    collection = Collection.open(store, seed, FakeEmbedder())
    upload = _file(tmp_path / "gradio-tmp-1f3a.html", FESTIVAL)
    collection.add_files([(upload, "festival.html")])  # the chat names it by the file's name
    upload.unlink()  # as the chat's temporary copy is
    work = _folder(tmp_path / "work" / "articles", ARTICLES).parent
    monkeypatch.chdir(work)  # there is no festival.html here: "." still does not hold it
    first = _qa_index(capsys, embedded, ".", "--store", str(store))
    assert (first["added"], first["removed"], first["kept"], first["documents"]) == (3, 0, 2, 5)
    (work / "articles" / "beta.md").unlink()
    again = _qa_index(capsys, embedded, ".", "--store", str(store))
    assert (again["removed"], again["kept"], again["unchanged"]) == (1, 2, 2)
    assert _sources(store) == sorted(
        ["articles/alpha.txt", "articles/gamma.txt", "festival.html", str(SAMPLE)]
    )


def test_prune_makes_the_store_hold_only_what_the_paths_hold(
    tmp_path: Path, embedded: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    articles, festival, store = _two_paths_indexed(tmp_path, embedded, capsys)
    pruned = _qa_index(capsys, embedded, str(festival), "--store", store, "--prune")
    assert (pruned["removed"], pruned["kept"], pruned["unchanged"], pruned["documents"]) == (
        3,
        0,
        1,
        1,
    )
    assert pruned["embedded_sentences"] == 0
    assert _sources(store) == [str(festival)]


def test_dry_run_lists_the_changes_and_changes_nothing(
    tmp_path: Path,
    embedded: list[int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    articles, festival, store = _two_paths_indexed(tmp_path, embedded, capsys)
    (articles / "beta.md").unlink()
    (articles / "alpha.txt").write_text(ALPHA_CHANGED, encoding="utf-8")
    delta = _file(articles / "delta.txt", "Delta\n\nThe delta dock builds ferries.")
    before = _snapshot(tmp_path)
    capsys.readouterr()

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("a dry run loaded a model")

    with monkeypatch.context() as patched:
        for module in (qa.serve.indexing, qa.assistant):
            patched.setattr(module, "make_embedder", refuse)
        assert main(["index", str(articles), "--store", store, "--dry-run", "--json"]) == 0
        plan = json.loads(capsys.readouterr().out)
        assert main(["index", str(articles), "--store", store, "--dry-run"]) == 0
        text = capsys.readouterr().out
        assert (
            main(["index", str(articles), "--store", store, "--dry-run", "--prune", "--json"]) == 0
        )
        pruning = json.loads(capsys.readouterr().out)
    assert _snapshot(tmp_path) == before  # no store file, lock file or folder written
    assert plan["dry_run"] is True
    assert (plan["add"], plan["update"], plan["remove"]) == (
        [str(delta)],
        [str(articles / "alpha.txt")],
        [str(articles / "beta.md")],
    )
    assert (plan["unchanged"], plan["keep"]) == ([str(articles / "gamma.txt")], [str(festival)])
    assert pruning["remove"] == [str(articles / "beta.md"), str(festival)] and not pruning["keep"]
    lines = text.splitlines()
    assert lines[0].startswith("dry run, nothing embedded or written")
    assert f"add {delta}" in lines and f"update {articles / 'alpha.txt'}" in lines
    assert f"remove {articles / 'beta.md'}" in lines and f"keep {festival}" in lines

    done = _qa_index(capsys, embedded, str(articles), "--store", store)  # does what it said
    assert (done["added"], done["updated"], done["removed"], done["kept"]) == (2, 1, 2, 1)


def test_a_chinese_document_added_to_an_english_store_embeds_only_its_own_sentences(
    tmp_path: Path, embedded: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    articles = _folder(tmp_path / "articles", ARTICLES)
    store = str(tmp_path / "store")
    first = _qa_index(capsys, embedded, str(articles), "--store", store)
    chinese = _file(tmp_path / "delta.txt", CHINESE)
    report = _qa_index(capsys, embedded, str(chinese), "--store", store)
    # A part of its own, with the multilingual model; the English part keeps its vectors.
    assert report["embedder"] == f"{DEFAULT_MODEL} + {MULTILINGUAL_MODEL}"
    assert (report["added"], report["kept"]) == (1, 3)
    assert report["embedded_sentences"] == report["sentences"] - first["sentences"] > 0
    again = _qa_index(capsys, embedded, str(chinese), "--store", store)  # loads both parts
    assert again["embedded_sentences"] == 0 and again["unchanged"] == 1


def test_another_model_embeds_everything_again_and_keeps_other_paths(
    tmp_path: Path, embedded: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    articles = _folder(tmp_path / "articles", ARTICLES)
    festival = _file(tmp_path / "festival.html", FESTIVAL)
    store = str(tmp_path / "store")
    _qa_index(capsys, embedded, str(articles), "--store", store)
    report = _qa_index(capsys, embedded, str(festival), "--store", store, "--model", "other-model")
    assert (report["embedder"], report["added"], report["removed"], report["kept"]) == (
        "other-model",
        1,
        0,
        3,
    )
    assert report["embedded_sentences"] == report["sentences"] == 9


def test_embedded_sentences_counts_a_damaged_store_rebuilt(
    tmp_path: Path, embedded: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    articles = _folder(tmp_path / "articles", ARTICLES)
    store = tmp_path / "store"
    _qa_index(capsys, embedded, str(articles), "--store", str(store))
    (store / "vectors" / "vectors.faiss").unlink()
    report = _qa_index(capsys, embedded, str(articles), "--store", str(store))
    assert (report["unchanged"], report["removed"]) == (3, 0)
    assert report["embedded_sentences"] == report["sentences"] == 7  # not 0


def test_a_change_saved_while_qa_index_waits_for_the_store_is_not_lost(
    tmp_path: Path,
) -> None:
    articles = _folder(tmp_path / "articles", ARTICLES)
    store = tmp_path / "store"
    index_paths([articles], store, FAKE, FakeEmbedder)
    festival = _file(tmp_path / "festival.html", FESTIVAL)
    upload = make_document("Upload\n\nThe upload names the harbor master.", source="upload.txt")
    with writing(store):  # as the chat holds it while it saves an upload
        run = threading.Thread(target=index_paths, args=([festival], store, FAKE, FakeEmbedder))
        run.start()
        time.sleep(0.5)  # qa index has read its file by now, and waits for the store
        assistant = Assistant.load(store, FakeEmbedder()).add_documents([upload])
        assistant.save(store)
    run.join(timeout=60)
    assert not run.is_alive()
    assert "upload.txt" in _sources(store) and str(festival) in _sources(store)


@pytest.mark.slow
def test_qa_index_a_second_path_keeps_the_first_with_the_real_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = _folder(tmp_path / "articles", ARTICLES)
    festival = _file(tmp_path / "festival.html", FESTIVAL)
    store = str(tmp_path / "store")
    assert main(["index", str(articles), "--store", store]) == 0
    capsys.readouterr()
    assert main(["index", str(festival), "--store", store]) == 0
    said = capsys.readouterr().out
    assert "1 added, 0 removed, 0 unchanged, 3 kept (not under the paths given)" in said
    assert "2 sentences embedded" in said
    assert main(["ask", "When was the festival founded?", "--store", store, "--k", "1"]) == 0
    assert "1987" in capsys.readouterr().out
