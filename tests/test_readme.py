"""The README's Python and gradio_client examples run as written; the docs name real tests."""

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, free_port

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_python_example_runs(tmp_path, monkeypatch, capsys) -> None:  # noqa: ANN001
    code = re.search(
        r"## Python API\n\n```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S
    ).group(1)
    (tmp_path / "articles").mkdir()
    shutil.copy(SAMPLE, tmp_path / "articles" / SAMPLE.name)
    monkeypatch.chdir(tmp_path)
    import qa.assistant

    monkeypatch.setattr(qa.assistant, "DEFAULT_CACHE_DIR", tmp_path / ".cache" / "qa-assistant")
    exec(compile(code, str(README), "exec"), {})
    printed = capsys.readouterr().out
    assert "China Pharmaceutical University" in printed  # the director sentence, as claimed
    assert "True" in printed.splitlines()  # the capital of France: abstained, as claimed
    assert printed.rstrip().endswith("-> every August")  # the follow-up, as the comment says
    assert (tmp_path / "my-store" / "manifest.json").is_file()
    assert list((tmp_path / ".cache" / "qa-assistant").glob("sample-*"))


@pytest.mark.slow
def test_readme_gradio_client_example_runs(sample_assistant, tmp_path, monkeypatch, capsys) -> None:  # noqa: ANN001
    from app import build_app
    from qa.serve.collection import Collection

    code = re.search(
        r"### API \(gradio_client\)\n.*?```python\n(.*?)```",
        README.read_text(encoding="utf-8"),
        re.S,
    ).group(1)
    port = free_port()
    demo = build_app(Collection(tmp_path / "store", sample_assistant))
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    monkeypatch.chdir(tmp_path)
    try:
        code = code.replace("http://127.0.0.1:7860/", f"http://127.0.0.1:{port}/")
        exec(compile(code, str(README), "exec"), {})
    finally:
        demo.close()
    printed = [line for line in capsys.readouterr().out.splitlines() if "Loaded as API" not in line]
    assert "China Pharmaceutical University" in printed[0]  # as the README claims
    assert printed[1] == "['Harbor Lights'] []"
    assert printed[2].endswith("-> every August")
    assert len(Collection.open(tmp_path / "store", lambda: sample_assistant).documents()) == 1


def test_every_test_the_bad_input_table_names_exists() -> None:
    table = (Path(__file__).resolve().parents[1] / "docs" / "bad-input.md").read_text("utf-8")
    rows = [line for line in table.splitlines() if line.startswith("| ") and "test_" in line]
    assert len(rows) >= 16
    for row in rows:
        named = re.findall(r"`(?:(tests/\w+\.py)::)?(test_\w+)`", row.rsplit(" | ", 1)[-1])
        assert named, row
        for file, name in named:
            source = Path(__file__).parent / Path(file or "tests/test_bad_input.py").name
            assert f"def {name}(" in source.read_text("utf-8"), (file, name)
