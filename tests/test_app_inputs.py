"""The app's inputs from outside: `/ask` through gradio_client with arguments left out, None
or of the wrong type, uploaded files (deleted once read, or kept with --keep-uploads until
their document is removed), and `python app.py` started wrongly (a busy port, a malformed
login)."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DIRECTORS, free_port

APP = Path(__file__).resolve().parents[1] / "app.py"
QUESTION = "Who directs the biomedical alliance?"


@pytest.fixture(scope="module")
def client(sample_assistant, tmp_path_factory) -> Iterator[Any]:  # noqa: ANN001
    from gradio_client import Client

    from app import build_app
    from qa.serve.collection import Collection

    port = free_port()
    demo = build_app(Collection(tmp_path_factory.mktemp("app") / "store", sample_assistant))
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    demo.close()


def test_ask_needs_only_the_question(client, sample_assistant) -> None:  # noqa: ANN001
    answer = client.predict(QUESTION, api_name="/ask")
    settings = sample_assistant.settings
    assert DIRECTORS in answer["citations"][0]["text"]
    assert len(answer["citations"]) == settings.k and answer["mode"] == settings.mode.value
    described = client.view_api(print_info=False, return_format="dict")
    parameters = described["named_endpoints"]["/ask"]["parameters"]
    assert [(p["parameter_name"], p["parameter_has_default"]) for p in parameters] == [
        ("question", False),
        ("k", True),
        ("mode", True),
        ("previous", True),
    ]
    assert [p["parameter_default"] for p in parameters[1:]] == [settings.k, "hybrid", None]


def test_none_for_k_mode_and_previous_means_the_default(client) -> None:  # noqa: ANN001
    given = client.predict(QUESTION, 2, "bm25", None, api_name="/ask")
    assert len(given["citations"]) == 2 and given["mode"] == "bm25"
    defaults = client.predict(QUESTION, None, None, None, api_name="/ask")
    assert defaults == client.predict(QUESTION, api_name="/ask")
    assert len(client.predict(QUESTION, 2.0, api_name="/ask")["citations"]) == 2  # 2.0 is whole


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((["Who", "directs"],), "question must be a string.*not the list"),
        (
            (QUESTION, "three"),
            "k must be a whole number such as 3, or None, not the string 'three'",
        ),
        ((QUESTION, 2.5), "k must be a whole number such as 3, not 2.5"),
        ((QUESTION, True), "k must be a whole number.*not the boolean True"),
        ((QUESTION, 0), r"k=0 is out of range; choose 1 to \d+"),
        ((QUESTION, 3, 5), "mode must be one of hybrid, bm25, dense, not the number 5"),
        ((QUESTION, 3, "fast"), "unknown mode 'fast'; choose one of hybrid, bm25, dense"),
        ((QUESTION, 3, "hybrid", "hello"), "previous must be the object a previous /ask call"),
        ((QUESTION, 3, "hybrid", [1, 2]), "previous must be .* not the list"),
        ((QUESTION, 3, "hybrid", {"answer": "x"}), "previous must be .*: a question \\(string\\)"),
    ],
)
def test_a_wrong_ask_argument_is_named_in_the_error(client, arguments, message) -> None:  # noqa: ANN001
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(*arguments, api_name="/ask")


def test_a_second_app_on_a_busy_port_fails_with_one_line(tmp_path) -> None:  # noqa: ANN001
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "QA_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("QA_AUTH", None)
    with socket.socket() as running:  # as the first app's server holds it
        running.bind(("127.0.0.1", 0))
        running.listen()
        port = running.getsockname()[1]
        started = subprocess.run(
            [sys.executable, str(APP), "--port", str(port), "--store", str(tmp_path / "store")],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
    assert started.returncode == 2, started.stderr
    assert started.stderr.splitlines() == [
        f"error: port {port} on 127.0.0.1 is in use (is the chat already running?); "
        "choose another with --port N (or GRADIO_SERVER_PORT=N)"
    ]
    assert not (tmp_path / "store").exists()  # it stopped before opening the collection


@pytest.mark.parametrize(
    ("arguments", "variable", "message"),
    [
        (["--auth", "nouser"], None, "error: --auth must be USER:PASSWORD"),
        (["--port", "70000"], None, "error: port 70000 is out of range; choose 1 to 65535"),
        ([], "http", "error: GRADIO_SERVER_PORT='http' is not a port number; use --port N"),
        (["--host", "no-such-host.invalid"], None, "error: cannot listen on host"),
    ],
)
def test_app_start_up_errors_are_one_line(
    arguments: list[str],
    variable: str | None,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import app

    monkeypatch.setattr(sys, "argv", ["app.py", "--store", str(tmp_path / "store"), *arguments])
    monkeypatch.delenv("QA_AUTH", raising=False)
    if variable is None:
        monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    else:
        monkeypatch.setenv("GRADIO_SERVER_PORT", variable)
    with pytest.raises(SystemExit) as stopped:
        app.main()
    assert stopped.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(message), err
    assert not (tmp_path / "store").exists()


FESTIVAL = (
    "# Harbor Lights\n\nThe Harbor Lights Festival was founded in 1987 by the fishermen's guild "
    "of Port Ellery. It is held every August on the old quay.\n"
)
RIVER = "# River Notes\n\nThe iron bridge over the Ellery river was built in 1901.\n"


@contextmanager
def _serving(collection: Any, keep_uploads: bool) -> Iterator[Any]:
    from gradio_client import Client

    from app import build_app

    port = free_port()
    demo = build_app(collection, keep_uploads)
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        demo.close()


def _uploads(tmp_path: Path, **texts: str | bytes) -> dict[str, Path]:
    """Files with names no other test uses, so Gradio's upload folder can be searched."""
    folder = tmp_path / "mine"
    folder.mkdir(exist_ok=True)
    made = {}
    for key, text in texts.items():
        path = folder / f"{key}-{uuid.uuid4().hex}.{'txt' if isinstance(text, bytes) else 'md'}"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        made[key] = path
    return made


def _left_in_gradio(*paths: Path) -> list[Path]:
    from gradio.utils import get_upload_folder

    return [p for path in paths for p in Path(get_upload_folder()).rglob(path.name)]


@pytest.mark.slow
def test_an_upload_leaves_no_copy_of_the_original(sample_assistant, tmp_path) -> None:  # noqa: ANN001
    from gradio_client import handle_file

    from qa.serve.collection import Collection

    files = _uploads(tmp_path, festival=FESTIVAL, binary=b"\x00\x01\x02 not text" * 50)
    collection = Collection(tmp_path / "store", sample_assistant)
    with _serving(collection, keep_uploads=False) as client:
        added = client.predict([handle_file(str(p)) for p in files.values()], api_name="/upload")
        assert [d["title"] for d in added["added"]] == ["Harbor Lights"]
        assert [s["file"] for s in added["skipped"]] == [files["binary"].name]
        assert not _left_in_gradio(*files.values())  # indexed or refused: deleted either way
    assert not collection.originals.exists()
    beside = [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")]
    assert sorted(beside) == ["mine", "store"]  # nothing kept beside the store
    assert all(p.exists() for p in files.values())  # the user's own files are theirs


@pytest.mark.slow
def test_kept_uploads_stay_beside_the_store_until_their_document_is_removed(
    sample_assistant,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    from gradio_client import handle_file

    from qa.serve.collection import Collection, remove_documents

    files = _uploads(tmp_path, festival=FESTIVAL, river=RIVER, binary=b"\x00\x01" * 100)
    collection = Collection(tmp_path / "store", sample_assistant)
    with _serving(collection, keep_uploads=True) as client:
        added = client.predict([handle_file(str(p)) for p in files.values()], api_name="/upload")
        ids = {d["title"]: d["doc_id"] for d in added["added"]}
        festival = collection.originals / ids["Harbor Lights"] / files["festival"].name
        river = collection.originals / ids["River Notes"] / files["river"].name
        assert festival.read_text() == FESTIVAL and river.read_text() == RIVER
        kept = sorted(p for p in collection.originals.rglob("*") if p.is_file())
        assert kept == sorted([festival, river])  # not the refused file
        assert not _left_in_gradio(*files.values())  # moved, not copied
        client.predict(ids["Harbor Lights"], api_name="/remove")  # as the Documents tab does
        assert not festival.parent.exists() and river.exists()
    embedder = sample_assistant.retriever.embedder
    remove_documents(tmp_path / "store", [ids["River Notes"]], embedder)  # `qa docs remove`
    assert list(collection.originals.iterdir()) == []


def test_keep_uploads_reaches_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import app
    from qa.serve.options import add_serve_options, serve_argv

    parser = argparse.ArgumentParser()
    add_serve_options(parser)
    assert "--keep-uploads" in serve_argv(parser.parse_args(["--keep-uploads"]))
    assert "--keep-uploads" not in serve_argv(parser.parse_args([]))
    served: list[tuple[Any, ...]] = []
    monkeypatch.setattr(app, "serve", lambda *args: served.append(args))
    monkeypatch.delenv("QA_AUTH", raising=False)
    monkeypatch.setattr(sys, "argv", ["app.py", "--store", str(tmp_path), "--keep-uploads"])
    app.main()
    assert served == [(tmp_path, "127.0.0.1", None, None, True)]


def test_the_server_keeps_a_bounded_number_of_sessions(sample_assistant, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """Each REST call is a session of its own; Gradio's default would keep 10,000 of them."""
    import httpx

    import app
    from qa.serve.collection import Collection

    monkeypatch.setattr(app, "SESSIONS", 3)
    demo = app.build_app(Collection(tmp_path / "store", sample_assistant))
    port = free_port()
    options = {**app.launch_options(), "server_name": "127.0.0.1", "server_port": port}
    demo.launch(**options, prevent_thread_lock=True, quiet=True)
    try:
        for _ in range(6):
            url = f"http://127.0.0.1:{port}/gradio_api/call/ask"
            event = httpx.post(url, json={"data": [QUESTION, None, None, None]}).json()["event_id"]
            assert DIRECTORS in httpx.get(f"{url}/{event}", timeout=60).text
        assert 0 < len(demo.state_holder.session_data) <= 3
    finally:
        demo.close()
