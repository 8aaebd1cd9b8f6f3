"""Two chat processes on one store, as the README's "Several processes on one store" runs
them: a change made through either is answered by both, concurrent uploads through both lose
nothing, and the nginx example (docs/deploy/nginx-two-apps.conf) serves them as one site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DIRECTORS, SAMPLE, free_port

ROOT = Path(__file__).resolve().parents[1]
NGINX_EXAMPLE = ROOT / "docs" / "deploy" / "nginx-two-apps.conf"
QA = "import sys; from qa.serve.cli import main; sys.exit(main(sys.argv[1:]))"
PAGES = {
    "harbour": "<html><head><title>Harbour festival</title></head><body><p>The harbour "
    "festival was founded in 1987 by the fishermen's guild. It is held every August.</p>"
    "</body></html>",
    "mill": "<html><head><title>Old mill</title></head><body><p>The old mill was rebuilt in "
    "1911 by the brothers Aalto. It grinds rye for the village bakery.</p></body></html>",
    "bridge": "<html><head><title>Bridge</title></head><body><p>The new harbour bridge opened "
    "on 3 May 2021. It was designed by Marta Lind.</p></body></html>",
}


def _wait(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{url} exited with {process.returncode}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def two_apps(real_embedder, tmp_path_factory) -> Iterator[tuple[str, str]]:  # noqa: ANN001
    """Two `qa serve` processes on one store of the sample article."""
    store = tmp_path_factory.mktemp("shared") / "store"
    subprocess.run(
        [sys.executable, "-c", QA, "index", str(SAMPLE), "--store", str(store)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    ports = [free_port(), free_port()]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-c", QA, "serve", "--store", str(store), "--port"]
    apps = [
        subprocess.Popen([*command, str(p)], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        for p in ports
    ]
    urls = [f"http://127.0.0.1:{p}/" for p in ports]
    try:
        for url, app in zip(urls, apps):
            _wait(url, app)
        yield urls[0], urls[1]
    finally:
        for app in apps:
            app.terminate()
            app.wait(30)


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


def _upload(url: str, path: Path) -> list[str]:
    from gradio_client import handle_file

    added = _client(url).predict([handle_file(str(path))], api_name="/upload")
    return [d["doc_id"] for d in added["added"]]


def _titles(url: str) -> set[str]:
    """The documents `url` lists (`/list` loads a store another process saved, first)."""
    return {d["title"] for d in _client(url).predict(api_name="/list")}


def _first_citation(url: str, question: str, expected: str, seconds: float = 60) -> str:
    """Citation [1] of `question` at `url` once it holds `expected`: a process answers from
    the store it has while it loads one another process saved (in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        cited = _client(url).predict(question, api_name="/ask")["citations"][0]["text"]
        if expected in cited or time.monotonic() > deadline:
            return cited
        time.sleep(0.5)


def test_a_change_through_one_process_is_answered_by_the_other(two_apps, tmp_path) -> None:  # noqa: ANN001
    first, second = two_apps
    pages = {}
    for name, html in PAGES.items():
        pages[name] = tmp_path / f"{name}.html"
        pages[name].write_text(html, encoding="utf-8")
    (harbour,) = _upload(first, pages["harbour"])
    question = "When was the harbour festival founded?"
    assert "founded in 1987" in _first_citation(second, question, "founded in 1987")
    # Uploads through both at once: each writer waits for the other's save, none is lost.
    with ThreadPoolExecutor(2) as pool:
        uploads = [pool.submit(_upload, first, pages["mill"]), pool.submit(_upload, second, pages["bridge"])]
        (mill,), (bridge,) = [u.result() for u in uploads]
    expected = {"Harbour festival", "Old mill", "Bridge"}
    assert expected < _titles(first) and _titles(first) == _titles(second)
    _client(second).predict(mill, api_name="/remove")
    assert "Old mill" not in _titles(first) and {"Harbour festival", "Bridge"} < _titles(first)
    answer = _client(first).predict("Who directs the biomedical alliance?", api_name="/ask")
    assert DIRECTORS in answer["citations"][0]["text"]
    for doc_id in (harbour, bridge):
        _client(first).predict(doc_id, api_name="/remove")


@pytest.fixture
def nginx(two_apps, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """docs/deploy/nginx-two-apps.conf in front of the two processes, on free ports."""
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if binary is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    port = free_port()
    config = NGINX_EXAMPLE.read_text(encoding="utf-8")
    for example, url in zip(("127.0.0.1:7860", "127.0.0.1:7861"), two_apps):
        config = config.replace(example, url.removeprefix("http://").rstrip("/"))
    config = config.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
    (tmp_path / "nginx.conf").write_text(config, encoding="utf-8")
    settings = f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;"
    proxy = subprocess.Popen(
        [binary, "-p", f"{tmp_path}/", "-c", str(tmp_path / "nginx.conf"), "-g", settings],
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait(url, proxy, seconds=30)
        yield url
    finally:
        proxy.terminate()
        proxy.wait(30)


def test_the_nginx_example_serves_the_two_processes_as_one_site(nginx, tmp_path) -> None:  # noqa: ANN001
    page = tmp_path / "lighthouse.html"
    page.write_text(
        "<html><head><title>Lighthouse</title></head><body><p>The lighthouse on Gull Point was "
        "lit in 1874. Its keeper was Ada Moss.</p></body></html>",
        encoding="utf-8",
    )
    (doc_id,) = _upload(nginx, page)  # the file, then the upload call: one process takes both
    assert "Ada Moss" in _first_citation(nginx, "Who kept the lighthouse?", "Ada Moss")
    assert "Lighthouse" in _titles(nginx)
    _client(nginx).predict(doc_id, api_name="/remove")
    assert "Lighthouse" not in _titles(nginx)
