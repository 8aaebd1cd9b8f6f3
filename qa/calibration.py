"""The packaged abstention thresholds, one per embedder, with how each was measured."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from embeddings.sentence_transformer import resolve_model_path


@dataclass(frozen=True)
class Calibration:
    """Answerability threshold for one embedder and where it came from."""

    embedder: str
    threshold: float
    provenance: str


@cache
def _table() -> dict[str, Calibration]:
    raw = json.loads(resources.files("qa").joinpath("data/calibration.json").read_text("utf-8"))
    return {
        entry["embedder"]: Calibration(
            entry["embedder"], float(entry["threshold"]), entry["provenance"]
        )
        for entry in raw["calibrations"]
    }


def calibration_for(embedder: str) -> Calibration | None:
    """The packaged calibration for `embedder` (by name), or None if it was never calibrated."""
    table = _table()
    if embedder in table:
        return table[embedder]
    for name, calibration in table.items():
        if resolve_model_path(name) == embedder:
            return calibration
    return None
