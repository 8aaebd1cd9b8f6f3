"""The README's Python example runs as written."""

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLE

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_python_example_runs(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    code = re.search(
        r"## Python API\n\n```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S
    ).group(1)
    (tmp_path / "articles").mkdir()
    shutil.copy(SAMPLE, tmp_path / "articles" / SAMPLE.name)
    monkeypatch.chdir(tmp_path)
    import qa.assistant

    monkeypatch.setattr(qa.assistant, "DEFAULT_CACHE_DIR", tmp_path / ".cache" / "qa-assistant")
    exec(compile(code, str(README), "exec"), {})
    assert (tmp_path / "my-store" / "manifest.json").is_file()
    assert list((tmp_path / ".cache" / "qa-assistant").glob("sample-*"))
