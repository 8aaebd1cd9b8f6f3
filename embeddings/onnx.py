"""A sentence-transformers model exported once to ONNX and run with ONNX Runtime.

Answering a question embeds one short text; loading torch and sentence-transformers for that
costs 4-5 s, ONNX Runtime and `tokenizers` a fifth of a second. The export is derived from the
model's own weights on first use (torch's exporter, float32, pooling and normalisation inside
the graph) and cached under `cache_root()/onnx/`, keyed by the model and its files' sizes and
modification times, so a changed model is exported anew.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import normalize_rows
from embeddings.errors import EmbeddingError
from embeddings.sentence_transformer import DEFAULT_MODEL, resolve_model_path
from embeddings.tokens import Batcher, fast_tokenizer

log = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"
EXPORT_VERSION = 1  # part of the cache key: raise it when the export's graph or files change


class OnnxExportError(EmbeddingError):
    """The model cannot be exported to ONNX (no fast tokenizer, an operation the exporter
    lacks); the torch path still works."""


def cache_root() -> Path:
    """Where derived files are cached: $QA_CACHE_DIR, else ~/.cache/qa-assistant."""
    return Path(os.environ.get("QA_CACHE_DIR") or Path.home() / ".cache" / "qa-assistant")


def fingerprint(*paths: str | Path) -> str:
    """A short hash of names and, for files and folders that exist, their files' sizes and
    modification times: it changes when a model's files do."""
    digest = hashlib.sha256()
    for path in map(Path, paths):
        digest.update(str(path).encode())
        files = sorted(path.rglob("*")) if path.is_dir() else [path] if path.is_file() else []
        for file in files:
            if file.is_file():
                stat = file.stat()
                digest.update(
                    f"{file.relative_to(path.parent)}:{stat.st_size}:{stat.st_mtime_ns}".encode()
                )
    return digest.hexdigest()[:16]


def cached_export(kind: str, key: str, export: Callable[[Path], None]) -> Path:
    """The folder `cache_root()/onnx/{kind}-v{EXPORT_VERSION}-{key}`, made by `export(folder)`
    into a temporary folder and renamed into place, so a killed export never leaves a
    half-written model where a later run would take it."""
    target = cache_root() / "onnx" / f"{kind}-v{EXPORT_VERSION}-{key}"
    if (target / META_FILE).is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=target.parent))
    except OSError as exc:
        raise EmbeddingError(
            f"cannot write the ONNX cache in {target.parent} ({exc}); "
            "set QA_CACHE_DIR to a writable folder"
        ) from exc
    log.info("exporting %s to ONNX once (cached in %s)", kind, target)
    work.chmod(0o755)
    try:
        export(work)
        os.replace(work, target)
    except OSError:
        if not (target / META_FILE).is_file():  # not merely another process finishing first
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def session(path: Path):  # noqa: ANN201 - onnxruntime.InferenceSession, a heavy import
    """An ONNX Runtime CPU session for the model file at `path`."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only
    # Idle workers would spin for a while after each run, taking a core from FAISS and numpy
    # right when the answer is being put together (p95 of a question 40 ms instead of 15).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def export_graph(
    module: Any,
    call: Callable[[Any, dict[str, Any]], Any],
    sample: dict[str, Any],
    outputs: dict[str, dict[int, str]],
    path: Path,
) -> None:
    """Trace `call(module, features)` (named token tensors in, tensors out) on `sample` with
    torch's exporter and write the graph to `path`: inputs of any batch size and length,
    `outputs` named in order with their dynamic axes. Imports torch."""
    import torch

    names = list(sample)

    class Positional(torch.nn.Module):  # the exporter passes inputs by position
        def __init__(self) -> None:
            super().__init__()
            self.inner = module  # registered, so its weights export as weights

        def forward(self, *tensors: torch.Tensor) -> Any:  # noqa: ANN401 - tensor(s)
            return call(self.inner, dict(zip(names, tensors)))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's warnings concern shapes we keep dynamic
        torch.onnx.export(
            Positional().eval(),
            tuple(sample.values()),
            str(path),
            input_names=names,
            output_names=list(outputs),
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, **outputs},
            opset_version=17,
            dynamo=False,
        )


def export_embedder(model: str, folder: Path) -> None:
    """Write `model`'s ONNX graph (token ids in, normalised embedding out), its fast tokenizer
    and what running it needs into `folder`. Imports torch and sentence-transformers."""
    from embeddings.sentence_transformer import _load, tokenized

    st = _load(resolve_model_path(model))
    batcher = Batcher.of(st)
    if batcher is None:
        raise OnnxExportError(f"{model} has no fast tokenizer, which the ONNX path needs")
    sample = tokenized(st, ["A short sentence.", "A slightly longer sentence than that one."])
    names = [n for n in batcher.inputs if n in sample]

    try:
        export_graph(
            st,
            lambda model, features: model(features)["sentence_embedding"],
            {n: sample[n] for n in names},
            {"embedding": {0: "batch"}},
            folder / MODEL_FILE,
        )
    except Exception as exc:  # the exporter raises many kinds for unsupported operations
        raise OnnxExportError(f"torch could not export {model} to ONNX: {exc}") from exc
    st.tokenizer.backend_tokenizer.save(str(folder / TOKENIZER_FILE))
    meta = {
        "model": model,
        "dimension": int(st.get_embedding_dimension()),
        "max_length": int(st.max_seq_length),
        "inputs": names,
        "pad_id": batcher.pad_id,
        "lowercase": batcher.lowercase,
    }
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


class OnnxEmbedder:
    """Embeds texts with `model` exported to ONNX (float32, the same vectors as
    sentence-transformers' to within rounding); exports it on first use.

    Args:
        model: As for `SentenceTransformerEmbedder`.
        batch_size: Texts per forward pass (texts of similar length go together).
    """

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32) -> None:
        self.name = model
        self.batch_size = batch_size
        folder = cached_export(
            "embedder", fingerprint(resolve_model_path(model)), partial(export_embedder, model)
        )
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        self.dimension = int(meta["dimension"])
        serialised = (folder / TOKENIZER_FILE).read_text(encoding="utf-8")
        self._batcher = Batcher(
            fast_tokenizer(serialised, int(meta["max_length"])),
            tuple(meta["inputs"]),
            int(meta["pad_id"]),
            bool(meta["lowercase"]),
        )
        self._session = session(folder / MODEL_FILE)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit float32 rows, one per text."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        for rows, feed in self._batcher.batches(texts, self.batch_size):
            out[rows] = self._session.run(None, feed)[0]
        return normalize_rows(out)
