"""Shared fixtures: a deterministic fake embedder so unit tests run offline and fast."""

from __future__ import annotations

import hashlib
import socket
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings import normalize_rows
from qa.index.tokenize import tokenize

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "qa"
    / "data"
    / "yangtze-river-delta-industrial-chains.txt"
)
DIRECTORS = "China Pharmaceutical University"  # named in the sample's director sentence


class FakeEmbedder:
    """Hashes each BM25 term into one of `dimension` buckets: texts sharing words are similar."""

    name = "fake-hash-embedder"

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in tokenize(text) or ["<empty>"]:
                bucket = int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dimension
                matrix[row, bucket] += 1.0
        return normalize_rows(matrix)


def write_pages(pdf, pages: Sequence[str], path: Path) -> Path:  # noqa: ANN001 - an fpdf.FPDF
    """Write `pages` of body text (12 pt Helvetica, one page each) with `pdf`, whose header
    and footer are its own, to `path`."""
    for body in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 8, body)
    pdf.output(str(path))
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on, for starting the app in a test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory) -> str:  # noqa: ANN001
    """One Milvus Lite database for the session (as one server serves many stores)."""
    pytest.importorskip("milvus_lite", reason="Milvus Lite is not installed (./dev.sh installs it)")
    return str(tmp_path_factory.mktemp("milvus") / "milvus.db")


@pytest.fixture(params=["faiss", "milvus"])
def backend(request) -> dict[str, str]:  # noqa: ANN001
    """Settings fields for each place vectors can live: the store folder (FAISS) and Milvus
    (Lite here), in collections of the test's own."""
    if request.param == "faiss":
        return {}
    uri = request.getfixturevalue("milvus_uri")
    return {"milvus": uri, "milvus_collection": f"test_{uuid.uuid4().hex[:12]}"}


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():  # noqa: ANN201
    from embeddings import FastEmbedder

    return FastEmbedder()


@pytest.fixture(scope="session")
def sample_assistant(real_embedder, tmp_path_factory):  # noqa: ANN001, ANN201
    from qa import Assistant

    return Assistant.sample(tmp_path_factory.mktemp("cache"), embedder=real_embedder)
