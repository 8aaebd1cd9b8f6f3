"""How the reader is built and where its weights are: shared by the runtime (`qa.answer.reader`,
ONNX) and the torch network that trains and exports it (`qa.answer.reader_network`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_READER_DIR = Path(__file__).parents[1] / "data" / "reader"
WEIGHTS_FILE = "reader.safetensors"
CONFIG_FILE = "reader.json"


@dataclass(frozen=True)
class ReaderConfig:
    """How the reader was built; stored next to its weights."""

    base_model: str = "all-MiniLM-L6-v2"
    rank: int = 16
    alpha: float = 32.0
    max_length: int = 128
    context: bool = False
    targets: tuple[str, ...] = (
        "attention.self.query",
        "attention.self.key",
        "attention.self.value",
        "attention.output.dense",
        "intermediate.dense",
        "output.dense",
    )

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "targets": list(self.targets)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReaderConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["targets"] = tuple(known.get("targets", cls.targets))
        return cls(**known)


CONTEXT_CHARS = 200
"""How much of a sentence's context (the sentence before it, or its heading) the reader sees."""


def question_in_context(question: str, context: str) -> str:
    """The first segment a context-reading reader is given: the question, then `[SEP]` and
    the start of the text the sentence follows (the sentence before it in its passage, else
    its heading or its document's title), so that "Use --trace-children=yes." can be read as
    the answer to the question its heading or the sentence before it asked."""
    context = " ".join(context.split())
    if not context:
        return question
    if len(context) > CONTEXT_CHARS:
        cut = context.rfind(" ", 0, CONTEXT_CHARS)
        context = context[: cut if cut > 0 else CONTEXT_CHARS]
    return f"{question} [SEP] {context}"


class ReaderError(RuntimeError):
    """The reader's weights are missing or do not fit the base model."""
