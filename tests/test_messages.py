"""Every failure a message, and a CLI that does what its help says (issue: nothing lost,
nothing surprising). Each test names the defect it guards against."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.errors import QAError
from qa.ingest.files import ingest, read_files
from qa.serve.cli import main
from qa.serve.formatting import answer_to_json, answer_to_text
from tests.conftest import SAMPLE
from tests.test_converters import make_pdf

ROOT = Path(__file__).resolve().parents[1]
# lxml raises AssertionError on this 85-byte page (found by fuzzing trafilatura's input).
LXML_ASSERTS = "<embed><![CDATA[x]]><div><table></a></html><![CDATA[x]]>&#0;"
GOOD = "The harbour bridge opened in May 2021. It was designed by Marta Lind.\n"


def test_a_parser_exception_of_any_type_skips_only_that_file(tmp_path: Path) -> None:
    (tmp_path / "broken.html").write_text(LXML_ASSERTS, encoding="utf-8")
    (tmp_path / "bridge.txt").write_text(GOOD, encoding="utf-8")
    ingested = ingest([tmp_path])
    assert [d.source for d in ingested.documents] == [str(tmp_path / "bridge.txt")]
    [skipped] = ingested.skipped
    assert skipped.source.endswith("broken.html")
    assert "parser failed: AssertionError" in skipped.reason and ".txt file" in skipped.reason


def test_the_chat_says_its_errors_in_chinese_to_a_chinese_reader(tmp_path, fake_embedder) -> None:  # noqa: ANN001
    """An upload's reasons for skipping a file, a parser's included (it runs in a process of
    its own, so the Chinese must cross it), and a question's error, as the chat shows them to
    a browser asking for Chinese; English everywhere else, as before."""
    from app import _upload_message
    from qa.serve.collection import Added

    files = {"notes.xyz": b"notes", "broken.pdf": b"%PDF-1.4 broken", "broken.html": LXML_ASSERTS}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    skipped = read_files([(tmp_path / name, name) for name in files]).skipped
    chinese = {s.source: s.said("zh") for s in skipped}
    assert "不支持的文件类型 .xyz" in chinese["notes.xyz"]
    assert "不是可读的 PDF" in chinese["broken.pdf"]
    assert "解析失败：AssertionError" in chinese["broken.html"]
    assert all(s.said("en") == s.reason and s.reason.startswith(s.source) for s in skipped)
    shown = _upload_message(Added((), skipped), "zh")
    assert "已跳过 notes.xyz：notes.xyz：不支持的文件类型" in shown and "unsupported" not in shown
    assert "unsupported file type .xyz" in _upload_message(Added((), skipped), "en")

    assistant = Assistant.from_paths([SAMPLE], embedder=fake_embedder)
    with pytest.raises(QAError) as asked:
        assistant.ask("?")
    assert "没有可查找的内容" in asked.value.said("zh")
    assert asked.value.said("en") == str(asked.value) and "names nothing" in str(asked.value)
    with pytest.raises(QAError) as removed:
        assistant.remove_documents(list(assistant.corpus.documents))
    assert "删除后将不剩任何文档" in removed.value.said("zh")


@pytest.mark.parametrize("question", ["?", "the", "What is it?", "  ...  "])
def test_a_question_without_content_words_gets_a_message(question: str, fake_embedder) -> None:  # noqa: ANN001
    assistant = Assistant.from_paths([SAMPLE], embedder=fake_embedder)
    with pytest.raises(QAError, match="names nothing to look for"):
        assistant.ask(question)
    assert assistant.ask("Who directs the biomedical alliance?").citations  # others still do


def test_qa_eval_refuses_a_plot_it_cannot_draw_before_evaluating(tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    import qa.evaluation

    monkeypatch.setattr(qa.evaluation, "evaluate", lambda *a, **k: pytest.fail("evaluated"))
    squad = ROOT / "tests" / "data" / "squad-dev-slice.json"
    assert main(["eval", str(squad), "--plot", str(tmp_path / "out.txt")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "end the name with one of" in error and ".png" in error
    assert main(["eval", str(squad), "--plot", str(tmp_path / "out.png")]) == 2
    assert "no unanswerable questions" in capsys.readouterr().err


def _store(tmp_path: Path, name: str, text: str, fake_embedder) -> Path:  # noqa: ANN001
    folder = tmp_path / name
    Assistant.from_texts([text], embedder=fake_embedder).save(folder)
    return folder


def test_qa_ask_and_docs_default_to_qa_store(tmp_path, capsys, monkeypatch, fake_embedder) -> None:  # noqa: ANN001
    store = _store(tmp_path, "mine", GOOD, fake_embedder)
    monkeypatch.setenv("QA_STORE", str(store))
    monkeypatch.setattr(Assistant, "load", _loading_with(fake_embedder))
    assert main(["ask", "Who designed the harbour bridge?", "--json", "--no-reader"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert "Marta Lind" in answer["citations"][0]["text"]  # from $QA_STORE, not the sample
    assert main(["docs", "list", "--json"]) == 0
    assert [d["sentences"] for d in json.loads(capsys.readouterr().out)] == [2]


def test_qa_docs_without_a_collection_says_how_to_make_one(tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QA_STORE", str(tmp_path / "none-yet"))
    assert main(["docs", "list"]) == 2
    error = capsys.readouterr().err
    assert "no collection at" in error and "qa serve" in error and error.count("\n") == 1


def _loading_with(embedder):  # noqa: ANN001, ANN202
    load = Assistant.load.__func__  # type: ignore[attr-defined]

    def loading(cls, store, given=None):  # noqa: ANN001, ANN202
        return load(cls, store, given or embedder)

    return classmethod(loading)


def test_a_pdf_citation_shows_its_page(tmp_path, fake_embedder) -> None:  # noqa: ANN001
    pdf = make_pdf(
        tmp_path / "report.pdf",
        ["The alliance was founded in 2021.", "Its director is Professor Wen Li of Nanjing."],
    )
    assistant = Assistant.from_paths([pdf], embedder=fake_embedder)
    answer = assistant.ask("Who is the director of the alliance?", k=1)
    assert answer_to_json(answer)["citations"][0]["page"] == 2
    assert "page 2, chars" in answer_to_text(answer)
    txt = Assistant.from_texts([GOOD], embedder=fake_embedder).ask("Who designed the bridge?")
    assert answer_to_json(txt)["citations"][0]["page"] is None
    assert "page" not in answer_to_text(txt)


@pytest.mark.slow
def test_dev_sh_keeps_the_callers_directory(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "bridge.txt").write_text(GOOD, encoding="utf-8")
    ran = subprocess.run(
        [str(ROOT / "dev.sh"), "qa", "index", "articles", "--store", "s", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["added"] == 1
    assert (tmp_path / "s" / "manifest.json").is_file()


@pytest.mark.parametrize(
    "command",
    [
        ["index", "{dir}", "--store", "{file}"],
        ["ask", "Who designed the bridge?", "--store", "{file}"],
        ["docs", "list", "--store", "{file}"],
        ["docs", "remove", "abc", "--store", "{file}"],
    ],
)
def test_a_store_that_is_a_file_gets_one_line(tmp_path, capsys, command) -> None:  # noqa: ANN001
    (tmp_path / "bridge.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a store", encoding="utf-8")
    args = [a.format(dir=tmp_path, file=tmp_path / "notes.txt") for a in command]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "is a file, not a store folder" in error


def test_a_store_that_cannot_be_written_is_refused_before_embedding(tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    import tempfile

    import qa.index.store
    from qa.serve.indexing import index_paths

    def refused(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - as a folder without write permission
        raise PermissionError(13, "Permission denied")

    (tmp_path / "bridge.txt").write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(qa.index.store.tempfile, "mkdtemp", refused)
    never = lambda: pytest.fail("embedding started before the store was known unwritable")  # noqa: E731
    with pytest.raises(QAError, match="cannot write the store .*Permission denied.*choose a folder"):
        index_paths([tmp_path / "bridge.txt"], tmp_path / "locked" / "store", embedder=never)
    monkeypatch.setattr(qa.index.store.tempfile, "mkdtemp", tempfile.mkdtemp)
    # and a real one: nothing can be created under /proc
    assert main(["index", str(tmp_path / "bridge.txt"), "--store", "/proc/qa-test/store"]) == 2
    assert "cannot write the store /proc/qa-test/store" in capsys.readouterr().err


@pytest.mark.slow
def test_qa_serve_with_a_store_that_is_a_file_gets_one_line(tmp_path, capsys) -> None:  # noqa: ANN001
    from tests.conftest import free_port

    (tmp_path / "notes.txt").write_text("not a store", encoding="utf-8")
    args = ["serve", "--store", str(tmp_path / "notes.txt"), "--port", str(free_port())]
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "is a file, not a store folder" in error
