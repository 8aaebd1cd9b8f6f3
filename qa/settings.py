"""All tunable choices of the pipeline in one frozen value, passed explicitly."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from embeddings import DEFAULT_MODEL
from qa.errors import QAError
from qa.types import Fusion, Mode


@dataclass(frozen=True)
class Settings:
    """How documents are indexed and questions answered.

    Attributes:
        embedder: sentence-transformers model name or folder.
        mode: Default retrieval mode.
        k: Default number of citations.
        depth: How many candidates each retriever passes to fusion.
        fusion: How hybrid mode fuses BM25 and dense: `linear` (cosine plus weighted,
            normalised BM25) or `rrf` (reciprocal rank fusion).
        lexical_weight: Weight of normalised BM25 next to the cosine in linear fusion
            (tuned on SQuAD train, scripts/tune_on_train.py).
        passage_lexical_weight: Weight of the passage's normalised BM25 in linear fusion.
        passage_dense_weight: Weight of the question's cosine to the passage in linear fusion.
        rrf_k: The reciprocal-rank-fusion constant.
        bm25_weight: Weight of the BM25 ranking in RRF.
        dense_weight: Weight of the dense ranking in RRF.
        context_sentences: Neighbouring sentences shown on each side of a citation.
        reader: Whether the trained reader (qa/reader.py) reads the top sentences: it rescores
            them, marks each one's answer span and informs answerability.
        read_depth: How many top sentences the reader reads.
        reader_weight: Weight of the reader's log-odds added to a read sentence's score.
        abstain_threshold: Answerability below this abstains; None takes the packaged
            calibration for the embedder (and never abstains for an uncalibrated model).
    """

    embedder: str = DEFAULT_MODEL
    mode: Mode = Mode.HYBRID
    k: int = 3
    depth: int = 100
    fusion: Fusion = Fusion.LINEAR
    lexical_weight: float = 1.6
    passage_lexical_weight: float = 1.6
    passage_dense_weight: float = 0.4
    rrf_k: float = 60.0
    bm25_weight: float = 1.0
    dense_weight: float = 1.0
    context_sentences: int = 1
    reader: bool = True
    read_depth: int = 5
    reader_weight: float = 0.25
    abstain_threshold: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", Mode(self.mode))
        object.__setattr__(self, "fusion", Fusion(self.fusion))
        if self.k < 1 or self.depth < 1:
            raise QAError(f"k={self.k} and depth={self.depth} must both be at least 1")
        if self.k > self.depth:
            raise QAError(f"k={self.k} is larger than depth={self.depth}; raise depth or lower k")
        if self.read_depth < 1:
            raise QAError(f"read_depth={self.read_depth} must be at least 1")
        if self.context_sentences < 0:
            raise QAError(f"context_sentences={self.context_sentences} must be 0 or more")

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["mode"] = self.mode.value
        data["fusion"] = self.fusion.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        """Rebuild from `to_json` output, ignoring fields this version does not know."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})
