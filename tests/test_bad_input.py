"""Every row of the bad-input table in docs/bad-input.md, as the user meets it: what they see
on the command line (or from the Python API), and that nothing already indexed is lost."""

from __future__ import annotations

import base64
import json
import shutil
import tracemalloc
from pathlib import Path

import pytest

import qa.ingest.converters.text
from qa import Settings
from qa.ingest.converters import MAX_TEXT_BYTES, read_file
from qa.ingest.converters.text import read_text
from qa.serve.cli import main
from qa.serve.indexing import index_paths
from tests.conftest import SAMPLE, FakeEmbedder

pytestmark = pytest.mark.slow

GOOD = "Harbor notes\n\nThe festival was founded in 1987 by the guild. It is held every August.\n"
FAKE = Settings(embedder=FakeEmbedder.name, reader=False, abstain_threshold=0.0)


def _index(paths: list[Path], store: Path):  # noqa: ANN202
    return index_paths(paths, store, FAKE, FakeEmbedder)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:  # noqa: ANN001
    """A store of the sample article, built by `qa index` with the default model."""
    store = tmp_path_factory.mktemp("store") / "store"
    assert main(["index", str(SAMPLE), "--store", str(store), "--json"]) == 0
    return store


def _ask(store: Path, question: str, capsys) -> tuple[int, str, str]:  # noqa: ANN001
    capsys.readouterr()
    status = main(["ask", question, "--store", str(store), "--json"])
    out, err = capsys.readouterr()
    return status, out, err


# --- questions -------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_an_empty_or_blank_question_says_to_type_one(sample_store, question, capsys) -> None:  # noqa: ANN001
    status, out, err = _ask(sample_store, question, capsys)
    assert status == 2 and out == ""
    assert err.strip() == "error: the question is empty; type a question about your documents"


def test_a_100000_character_question_is_refused_with_the_limit(sample_store, capsys) -> None:  # noqa: ANN001
    status, _, err = _ask(sample_store, "why" * 33_333 + "?", capsys)
    assert status == 2
    assert "the question has 100000 characters; shorten it to at most" in err


@pytest.mark.parametrize("question", ["谁领导生物医药联盟？", "Wer leitet die Biomedizin-Allianz?"])
def test_a_question_in_another_language_is_not_found_in_english_text(
    sample_store, question, capsys
) -> None:  # noqa: ANN001
    status, out, _ = _ask(sample_store, question, capsys)
    answer = json.loads(out)
    assert status == 0 and answer["abstained"] is True and answer["answer"] is None
    assert answer["citations"]  # the closest sentences, shown as not an answer


# --- files ----------------------------------------------------------------------------------


def test_empty_binary_and_near_empty_files_are_reported_and_the_rest_indexed(tmp_path) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "blank.md").write_text("  \n\n\t\n")
    (docs / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    (docs / "stub.txt").write_text("TODO\n")
    report = _index([docs], tmp_path / "store")
    assert (report.documents, report.added) == (2, 2)
    reasons = {Path(s["source"]).name: s["reason"] for s in report.skipped}
    assert "contains no text" in reasons["empty.txt"] and "contains no text" in reasons["blank.md"]
    assert "looks binary, not text" in reasons["photo.txt"]
    assert [Path(s).name for s in report.near_empty] == ["stub.txt"]


def test_a_line_of_encoded_data_is_skipped_and_text_without_spaces_is_not(tmp_path) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "blob.txt").write_bytes(base64.b64encode(bytes(range(256)) * 400))
    (docs / "link.md").write_text(f"{GOOD} See https://example.org/{'a' * 250} for more.\n")
    (docs / "chinese.txt").write_text("长江三角洲的产业链正在快速发展" * 100, encoding="utf-8")
    report = _index([docs], tmp_path / "store")
    assert report.added == 2, report.skipped
    (skip,) = report.skipped
    assert Path(skip["source"]).name == "blob.txt"
    assert "reads as encoded data, not text: 100% of its 136,536 characters" in skip["reason"]


def test_the_command_line_lists_what_it_skipped(tmp_path, capsys) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    (docs / "copy.txt").write_text(GOOD, encoding="utf-8")
    (docs / "empty.txt").write_bytes(b"")
    assert main(["index", str(docs), "--store", str(tmp_path / "store")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("indexed 1 documents, 3 sentences")
    assert lines[1].startswith(
        f"skipped {docs / 'empty.txt'}: {docs / 'empty.txt'} contains no text"
    )
    assert lines[2] == f"skipped {docs / 'good.txt'}: the same text as {docs / 'copy.txt'}"


def test_gbk_and_big5_files_are_read_and_answered(tmp_path, capsys) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "simplified.txt").write_bytes(
        "长江三角洲\n\n联盟由十二所大学于二零二一年创立。它的主任是中国药科大学的一位教授。\n".encode(
            "gbk"
        )
    )
    (docs / "traditional.txt").write_bytes(
        "台灣港口\n\n高雄港是台灣最大的港口。基隆港建於一八八六年。\n".encode("big5")
    )
    store = tmp_path / "store"
    assert main(["index", str(docs), "--store", str(store), "--json"]) == 0
    status, out, _ = _ask(store, "联盟的主任是哪所大学的教授？", capsys)
    assert json.loads(out)["citations"][0]["text"] == "它的主任是中国药科大学的一位教授。"
    status, out, _ = _ask(store, "基隆港建於哪一年？", capsys)
    assert json.loads(out)["citations"][0]["text"] == "基隆港建於一八八六年。"


def test_a_large_text_file_is_read_in_chunks_with_bounded_memory(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    # The same code reads a 200 MB file with 4 MB chunks (scripts/big_file_check.py measures
    # that); here 64 KB chunks over a 6 MB file put many chunk edges in the way: CRLF pairs
    # and multi-byte characters cut in two must come out as a whole-file read gives them.
    monkeypatch.setattr(qa.ingest.converters.text, "CHUNK_BYTES", 1 << 16)
    line = "Le café « Hôtel » ouvre à 8 h.\r\nIl ferme à 20 h — 长江.\r\n\r\n"
    data = (line * (6_000_000 // len(line.encode()))).encode("utf-8")
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    steps: list[tuple[str, int, int]] = []
    tracemalloc.start()
    document = read_file(path, progress=lambda *step: steps.append(step))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert document.text == read_text(data, "whole").text  # exact, chunk edges and all
    text_bytes = 4 * len(document.text)  # this text needs 4 bytes a character in Python
    assert peak < 2.5 * text_bytes  # the parts and their join; no copy of the bytes or more
    assert len(steps) == -(-len(data) // (1 << 16)) and steps[-1] == (
        "reading",
        len(data),
        len(data),
    )
    assert MAX_TEXT_BYTES >= 200_000_000  # a 200 MB text file is within the limit


# --- paths and stores ------------------------------------------------------------------------


def test_a_missing_path_changes_nothing(tmp_path, capsys) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    store = tmp_path / "store"
    _index([docs], store)
    before = sorted(p.read_bytes() for p in store.rglob("*") if p.is_file())
    status = main(["index", str(tmp_path / "dosc"), "--store", str(store)])
    assert status == 2 and "dosc does not exist; check the path" in capsys.readouterr().err
    assert sorted(p.read_bytes() for p in store.rglob("*") if p.is_file()) == before


def test_an_unreadable_file_is_skipped_and_its_indexed_version_kept(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    (docs / "river.txt").write_text(
        "River notes\n\nThe bridge was built in 1901.", encoding="utf-8"
    )
    store = tmp_path / "store"
    _index([docs], store)
    locked = docs / "river.txt"
    real_open = Path.open

    def refuse(path: Path, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - as chmod 000 would (tests run as root)
        if path == locked:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    report = _index([docs], store)
    assert report.skipped == [
        {
            "source": str(locked),
            "reason": f"cannot read {locked}: Permission denied; check the path and its permissions",
        }
    ]
    assert report.kept_previous == [str(locked)] and (report.documents, report.removed) == (2, 0)


def test_run_again_without_settings_a_store_keeps_its_own_model(tmp_path) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    _index([docs], tmp_path / "store")
    again = index_paths([docs], tmp_path / "store", embedder=FakeEmbedder)
    assert (again.embedder, again.unchanged, again.embedded_sentences) == (FakeEmbedder.name, 1, 0)


def test_a_folder_that_is_not_a_store_is_never_overwritten(tmp_path, capsys) -> None:  # noqa: ANN001
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.txt").write_text(GOOD, encoding="utf-8")
    assert main(["index", str(notes), "--store", str(notes)]) == 2
    assert "is not empty and holds no store" in capsys.readouterr().err
    assert [p.name for p in notes.iterdir()] == ["good.txt"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "1", "question": "Who?"}', '{"id": "2", "question": '], "line 2: invalid JSON"),
        (['["id", "question"]'], "line 1: each line must be a JSON object"),
        (['{"id": "1"}'], "line 1: missing question"),
    ],
)
def test_a_malformed_question_set_line_names_file_and_line(
    tmp_path, capsys, lines, message
) -> None:  # noqa: ANN001
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["eval", str(questions), "--corpus", str(SAMPLE)]) == 2
    assert f"{questions}, {message}" in capsys.readouterr().err


def test_a_store_of_a_newer_format_says_to_upgrade(sample_store, tmp_path, capsys) -> None:  # noqa: ANN001
    store = tmp_path / "newer"
    shutil.copytree(sample_store, store)
    manifest = json.loads((store / "manifest.json").read_text())
    (store / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    status, _, err = _ask(store, "Who directs the biomedical alliance?", capsys)
    assert status == 2 and "format version 99, newer than this version of qa reads" in err
    assert main(["index", str(SAMPLE), "--store", str(store)]) == 2  # not overwritten either
    assert json.loads((store / "manifest.json").read_text())["format_version"] == 99


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda s: (s / "vectors" / "vectors.faiss").unlink(), "no vector index in"),
        (
            lambda s: (s / "vectors" / "vectors.faiss").write_bytes(
                (s / "vectors" / "vectors.faiss").read_bytes()[:5000]
            ),
            "the file is truncated or garbled",
        ),
        (
            lambda s: (s / "bm25" / "data.csc.index.npy").write_bytes(b"\x93NUMPY"),
            "the BM25 index in",
        ),
        (
            lambda s: (s / "metadata.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 50),
            "is damaged",
        ),
    ],
)
def test_a_store_with_a_missing_or_truncated_file_says_so_and_qa_index_rebuilds_it(
    sample_store, tmp_path, capsys, damage, said
) -> None:  # noqa: ANN001
    store = tmp_path / "damaged"
    shutil.copytree(sample_store, store)
    damage(store)
    status, _, err = _ask(store, "Who directs the biomedical alliance?", capsys)
    assert status == 2 and said in err and "rebuild" in err and "Traceback" not in err
    assert main(["index", str(SAMPLE), "--store", str(store)]) == 0
    status, out, _ = _ask(store, "Who directs the biomedical alliance?", capsys)
    assert (
        status == 0 and "China Pharmaceutical University" in json.loads(out)["citations"][0]["text"]
    )
