"""Untrusted files are converted in a child process with a memory and a time limit
(`qa.ingest.converters.sandbox`); a file over a limit is skipped with the setting to raise."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from qa.errors import QAError
from qa.ingest.converters import dispatch, read_file
from qa.ingest.converters.common import Extracted
from qa.ingest.converters.sandbox import Limits, convert_isolated
from scripts.hostile_files import docx_bomb


def _sleeps(data: bytes, name: str) -> Extracted:
    time.sleep(30)
    return Extracted("never")


def _allocates(data: bytes, name: str) -> Extracted:
    hoard = bytearray(2_000_000_000)
    return Extracted(str(len(hoard)))


def _connects(data: bytes, name: str) -> Extracted:
    socket.create_connection(("127.0.0.1", 9))
    return Extracted("connected")


def _fails(data: bytes, name: str) -> Extracted:
    raise AssertionError("the parser's own bug")


def _reads(data: bytes, name: str) -> Extracted:
    return Extracted(data.decode() + " read in a child")


def test_a_conversion_returns_what_the_converter_read() -> None:
    assert convert_isolated(_reads, b"Text", "a.html", Limits()) == Extracted(
        "Text read in a child"
    )


def test_a_conversion_past_the_time_limit_is_killed_and_says_which_setting() -> None:
    started = time.perf_counter()
    with pytest.raises(
        QAError, match=r"a\.pdf: reading it took longer than 1 s.*QA_CONVERT_SECONDS"
    ):
        convert_isolated(_sleeps, b"", "a.pdf", Limits(seconds=1))
    assert time.perf_counter() - started < 10


def test_a_conversion_past_the_memory_limit_says_which_setting() -> None:
    with pytest.raises(QAError, match=r"more than 100 MB of memory.*QA_CONVERT_MEMORY_MB"):
        convert_isolated(_allocates, b"", "a.docx", Limits(memory_mb=100))


def test_a_conversion_may_not_open_the_network() -> None:
    with pytest.raises(Exception, match="may not use the network"):
        convert_isolated(_connects, b"", "a.html", Limits())


def test_a_parsers_own_error_is_reported_with_its_type() -> None:
    with pytest.raises(Exception, match="AssertionError: the parser's own bug"):
        convert_isolated(_fails, b"", "a.html", Limits())


def test_a_word_file_that_inflates_past_the_limit_is_skipped_with_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_CONVERT_MEMORY_MB", "100")
    bomb = tmp_path / "bomb.docx"
    docx_bomb(bomb, inflated=300_000_000)
    assert bomb.stat().st_size < 1_000_000
    # Refused from its zip directory, before anything is inflated...
    with pytest.raises(QAError, match=r"bomb\.docx: its parts inflate to 300 MB \(word/document"):
        read_file(bomb)
    # ... and, where a directory lies about the sizes, by the child's memory limit.
    monkeypatch.setattr(dispatch, "check_parts", lambda data, name, memory_mb: None)
    with pytest.raises(QAError, match=r"bomb\.docx: reading it needs more than 100 MB"):
        read_file(bomb)


def test_limits_come_from_the_environment_and_bad_values_say_how_to_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QA_CONVERT_MEMORY_MB", "512")
    monkeypatch.setenv("QA_CONVERT_SECONDS", "5")
    monkeypatch.setenv("QA_CONVERT_ISOLATED", "0")
    assert Limits.from_environment() == Limits(512, 5.0, False)
    monkeypatch.setenv("QA_CONVERT_SECONDS", "soon")
    with pytest.raises(QAError, match="must be numbers.*unset them"):
        Limits.from_environment()


def test_a_script_without_a_main_guard_runs_once_and_reads_its_page(tmp_path: Path) -> None:
    """multiprocessing would run the caller's script again in each converting child."""
    import subprocess
    import sys

    page = tmp_path / "page.html"
    page.write_text("<html><body><p>The harbour festival was founded in 1987.</p></body></html>")
    script = tmp_path / "notes.py"
    script.write_text(
        "from qa.ingest.converters import read_file\n"
        "print('TOP LEVEL')\n"
        f"print(read_file(__import__('pathlib').Path({str(page)!r})).text)\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["TOP LEVEL", "The harbour festival was founded in 1987."]
