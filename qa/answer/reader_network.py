"""The reader's torch network, its low-rank adapters and their weight files (imports torch)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.numpy import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer

from embeddings.onnx import META_FILE, MODEL_FILE, TOKENIZER_FILE, export_graph
from embeddings.sentence_transformer import resolve_model_path
from qa.answer.reader_config import ReaderConfig, ReaderError


class ReaderNetwork(nn.Module):
    """Transformer encoder with a start/end head and an "answers it" head."""

    def __init__(self, encoder: Any) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.span_head = nn.Linear(hidden, 2)
        self.answer_head = nn.Linear(hidden, 1)

    def forward(self, **inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        states = self.encoder(**inputs).last_hidden_state
        start, end = self.span_head(states).unbind(-1)
        return start, end, self.answer_head(states[:, 0]).squeeze(-1)


class LoRALinear(nn.Module):
    """`base(x) + scale * x A^T B^T` with the base layer frozen (Hu et al. 2021)."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.randn(rank, base.in_features) / rank**0.5 * 0.1)
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale


def build_network(config: ReaderConfig) -> tuple[ReaderNetwork, Any]:
    """The base encoder (offline) with fresh heads, and its fast tokenizer."""
    path = resolve_model_path(config.base_model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        encoder = AutoModel.from_pretrained(path, local_files_only=True)
    except OSError as exc:
        raise ReaderError(
            f"Cannot load the reader's base model {config.base_model!r}: {exc}"
        ) from exc
    return ReaderNetwork(encoder), tokenizer


def _targets(network: ReaderNetwork, config: ReaderConfig) -> dict[str, nn.Linear]:
    return {
        name: module
        for name, module in network.encoder.named_modules()
        if isinstance(module, nn.Linear) and name.endswith(config.targets) and ".layer." in name
    }


def add_adapters(network: ReaderNetwork, config: ReaderConfig) -> list[nn.Parameter]:
    """Freeze the encoder, wrap its target layers in LoRA; returns the trainable parameters."""
    for parameter in network.encoder.parameters():
        parameter.requires_grad = False
    for name, module in _targets(network, config).items():
        parent_name, _, child = name.rpartition(".")
        setattr(
            network.encoder.get_submodule(parent_name),
            child,
            LoRALinear(module, config.rank, config.alpha),
        )
    return [p for p in network.parameters() if p.requires_grad]


def adapter_weights(network: ReaderNetwork) -> dict[str, np.ndarray]:
    """The trained tensors: LoRA factors (float16) and heads (float32)."""
    weights: dict[str, np.ndarray] = {}
    for name, parameter in network.named_parameters():
        if parameter.requires_grad:
            array = parameter.detach().numpy()
            weights[name] = array.astype(np.float16 if "lora_" in name else np.float32)
    return weights


def load_trainable(network: ReaderNetwork, weights: dict[str, np.ndarray]) -> None:
    """Set the trainable tensors (after `add_adapters`) from saved weights, to go on training."""
    with torch.no_grad():
        for name, parameter in network.named_parameters():
            if parameter.requires_grad:
                parameter.copy_(torch.from_numpy(weights[name].astype(np.float32)))


def write_weights(path: Path, weights: dict[str, np.ndarray]) -> None:
    save_file(weights, str(path))


def read_weights(path: Path) -> dict[str, np.ndarray]:
    return load_file(str(path))


def merge_adapter(
    network: ReaderNetwork, config: ReaderConfig, weights: dict[str, np.ndarray]
) -> None:
    """Add each `scale * B A` into its frozen base weight and load the heads."""
    scale = config.alpha / config.rank
    targets = _targets(network, config)
    expected = {f"encoder.{name}.lora_{part}" for name in targets for part in "ab"}
    missing = expected - weights.keys()
    if missing:
        raise ReaderError(
            f"Reader weights lack {len(missing)} adapter tensors, e.g. {min(missing)}"
        )
    with torch.no_grad():
        for name, module in targets.items():
            a = torch.from_numpy(weights[f"encoder.{name}.lora_a"].astype(np.float32))
            b = torch.from_numpy(weights[f"encoder.{name}.lora_b"].astype(np.float32))
            module.weight += scale * (b @ a)
        for head in ("span_head", "answer_head"):
            layer = getattr(network, head)
            layer.weight.copy_(torch.from_numpy(weights[f"{head}.weight"]))
            layer.bias.copy_(torch.from_numpy(weights[f"{head}.bias"]))


def export_reader(config: ReaderConfig, weights_path: Path, folder: Path) -> None:
    """Write the merged reader network as ONNX (input_ids, attention_mask and token_type_ids
    in; start, end and answer logits out) with its tokenizer and config into `folder`."""
    network, tokenizer = build_network(config)
    merge_adapter(network, config, read_weights(weights_path))
    network.eval().requires_grad_(False)
    sample = tokenizer(
        ["Who?", "What year?"], ["A sentence.", "Another one."], padding=True, return_tensors="pt"
    )
    names = ("input_ids", "attention_mask", "token_type_ids")
    export_graph(
        network,
        lambda model, features: model(**features),
        {n: sample[n] for n in names},
        {
            "start": {0: "batch", 1: "tokens"},
            "end": {0: "batch", 1: "tokens"},
            "answer": {0: "batch"},
        },
        folder / MODEL_FILE,
    )
    tokenizer.backend_tokenizer.save(str(folder / TOKENIZER_FILE))
    (folder / META_FILE).write_text(json.dumps(config.to_json()), encoding="utf-8")
