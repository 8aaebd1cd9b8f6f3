"""The fast paths: ONNX exports cached on first use, the embedder that picks a path by batch
size, the reader on ONNX Runtime, and a `qa ask` that never imports torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.onnx import cached_export, fingerprint
from tests.conftest import SAMPLE

TEXTS = [
    "Who directs the biomedical alliance?",
    "China Pharmaceutical University is among the First Alliance Director Units.",
    "长江三角洲的产业链正在快速发展。",
    "x",
]


def test_cached_export_runs_once_and_a_failed_export_leaves_nothing(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    calls = []

    def export(folder: Path) -> None:
        calls.append(folder)
        (folder / "meta.json").write_text("{}")

    first = cached_export("thing", "k1", export)
    assert cached_export("thing", "k1", export) == first and len(calls) == 1
    assert first.parent == tmp_path / "onnx" and (first / "meta.json").is_file()

    def broken(folder: Path) -> None:
        (folder / "model.onnx").write_text("half")
        raise RuntimeError("killed mid-export")

    with pytest.raises(RuntimeError):
        cached_export("thing", "k2", broken)
    assert [p.name for p in (tmp_path / "onnx").iterdir()] == [first.name]


def test_fingerprint_changes_with_a_models_files(tmp_path) -> None:  # noqa: ANN001
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"1234")
    before = fingerprint(model)
    assert fingerprint(model) == before and fingerprint("some-name") != before
    (model / "weights.bin").write_bytes(b"12345")
    assert fingerprint(model) != before


@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers_float32(real_embedder) -> None:  # noqa: ANN001
    from embeddings import OnnxEmbedder, SentenceTransformerEmbedder

    onnx = OnnxEmbedder().embed(TEXTS)
    torch_fp32 = SentenceTransformerEmbedder(precision="fp32").embed(TEXTS)
    assert onnx.shape == torch_fp32.shape and onnx.dtype == np.float32
    assert (onnx * torch_fp32).sum(axis=1).min() > 0.99999
    assert OnnxEmbedder().embed([]).shape == (0, 384)


@pytest.mark.slow
def test_fast_embedder_takes_few_texts_to_onnx_and_many_to_torch(
    real_embedder, monkeypatch
) -> None:  # noqa: ANN001
    from embeddings import FastEmbedder, fast

    embedder = FastEmbedder(precision="bf16")
    few = embedder.embed(TEXTS)
    assert embedder._bulk is None  # torch not loaded for a question
    many = embedder.embed(TEXTS * (fast.BULK_FROM // len(TEXTS) + 1))
    assert type(embedder._bulk).__name__ == "SentenceTransformerEmbedder"
    assert (few * many[: len(TEXTS)]).sum(axis=1).min() > 0.999
    fp32 = FastEmbedder(precision="fp32")
    fp32.embed(TEXTS * fast.BULK_FROM)
    assert fp32._bulk is fp32._small  # float32 in bulk goes through ONNX too


def test_a_model_onnx_cannot_export_falls_back_to_torch(monkeypatch, caplog) -> None:  # noqa: ANN001
    from embeddings import fast
    from embeddings.onnx import OnnxExportError

    class Torch:
        name, dimension = "m", 3

        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def embed(self, texts: list[str]) -> np.ndarray:
            return np.ones((len(texts), 3), dtype=np.float32)

    def refuse(model: str) -> None:
        raise OnnxExportError(f"{model} has no fast tokenizer, which the ONNX path needs")

    monkeypatch.setattr(fast, "OnnxEmbedder", refuse)
    monkeypatch.setattr(fast, "SentenceTransformerEmbedder", Torch)
    embedder = fast.FastEmbedder("m")
    assert embedder.dimension == 3 and embedder.embed(["a"]).shape == (1, 3)
    assert "no fast tokenizer" in caplog.text


@pytest.mark.slow
def test_onnx_reader_reads_as_the_torch_network_does(real_embedder) -> None:  # noqa: ANN001
    import torch

    from qa.answer.reader import packaged_reader
    from qa.answer.reader_config import DEFAULT_READER_DIR, ReaderConfig
    from qa.answer.reader_network import build_network, merge_adapter, read_weights

    question = "Who directs the biomedical alliance?"
    sentences = [TEXTS[1], "The weather was fine.", "A long sentence about solar farms. " * 20]
    readings = packaged_reader().read(question, sentences)
    config = ReaderConfig.from_json(json.loads((DEFAULT_READER_DIR / "reader.json").read_text()))
    network, tokenizer = build_network(config)
    merge_adapter(network, config, read_weights(DEFAULT_READER_DIR / "reader.safetensors"))
    encoded = tokenizer(
        [question] * 3,
        sentences,
        truncation="only_second",
        max_length=128,
        padding=True,
        return_tensors="pt",
    )
    with torch.inference_mode():
        _, _, answer = network.eval()(**encoded)
    expected = torch.sigmoid(answer).numpy()
    assert np.allclose([r.answerability for r in readings], expected, atol=1e-4)
    assert readings[0].span is not None
    assert "China Pharmaceutical University" in sentences[0][slice(*readings[0].span)]


@pytest.mark.slow
def test_qa_ask_never_imports_torch(tmp_path, real_embedder) -> None:  # noqa: ANN001
    """Answering from a store loads ONNX Runtime only: the cold start stays short."""
    from qa.serve.cli import main

    store = tmp_path / "store"
    assert main(["index", str(SAMPLE), "--store", str(store)]) == 0
    code = (
        "import sys; from qa.serve.cli import main; "
        f"status = main(['ask', 'Who directs the biomedical alliance?', '--store', {str(store)!r}]); "
        "heavy = sorted({'torch', 'transformers', 'sentence_transformers'} & set(sys.modules)); "
        "print('HEAVY', heavy); sys.exit(status)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout


def test_an_unwritable_cache_says_how_to_fix(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from embeddings import EmbeddingError

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("QA_CACHE_DIR", str(blocker))
    with pytest.raises(EmbeddingError, match="set QA_CACHE_DIR to a writable folder"):
        cached_export("thing", "k", lambda folder: None)


@pytest.mark.slow
def test_a_question_longer_than_the_reader_reads_is_still_answered(sample_assistant) -> None:  # noqa: ANN001
    question = "Who directs the biomedical alliance " + "and what else is known of it " * 40
    answer = sample_assistant.ask(question)
    assert answer.citations  # the reader cut the question to fit instead of failing
