"""The packaged answerability calibrations, one per embedder and reader use, with provenance.

Without the reader, answerability is the question's best cosine similarity to any sentence.
With it, answerability is `sigmoid(w_cos * best_cosine + w_reader * logit(best_reading) +
w_cov * coverage + bias)`, a logistic model (coverage: the IDF-weighted share of the question's
terms that the top sentence's passage mentions) fitted on questions asked of their own SQuAD
train article (answerable) and of that article without its answer sentences, of another
article, or rewritten as a near miss (unanswerable); see scripts/tune_reader.py.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from embeddings.sentence_transformer import resolve_model_path
from qa.answer.reader import log_odds


@dataclass(frozen=True)
class Calibration:
    """How to turn one question's evidence into answerability, and the threshold below which
    the assistant abstains."""

    embedder: str
    reader: bool
    threshold: float
    provenance: str
    language: str | None = None
    cosine_weight: float = 1.0
    reader_weight: float = 0.0
    coverage_weight: float = 0.0
    bias: float = 0.0
    needs_coverage: bool = False
    """Answerability is 0 when the passage mentions none of the question's terms (coverage
    0): set for Chinese questions read in their English glosses, whose other evidence lets
    "法国的首都是哪里？" ("france capital") through over a man page."""

    def answerability(
        self, best_similarity: float, best_reading: float | None, coverage: float | None = None
    ) -> float:
        """The score compared with `threshold`."""
        if not self.reader:
            return best_similarity
        if best_reading is None or coverage is None:
            raise ValueError("this calibration needs the reader's probability and the coverage")
        if self.needs_coverage and coverage == 0:
            return 0.0
        z = (
            self.cosine_weight * best_similarity
            + self.reader_weight * log_odds(best_reading)
            + self.coverage_weight * coverage
        )
        return 1 / (1 + math.exp(-(z + self.bias)))


@cache
def _table() -> dict[tuple[str, bool, str | None], Calibration]:
    raw = json.loads(resources.files("qa").joinpath("data/calibration.json").read_text("utf-8"))
    fields = Calibration.__dataclass_fields__
    table = {}
    for entry in raw["calibrations"]:
        c = Calibration(**{k: v for k, v in entry.items() if k in fields})
        table[c.embedder, c.reader, c.language] = c
    return table


def calibration_for(
    embedder: str, reader: bool, language: str | None = None, exact: bool = False
) -> Calibration | None:
    """The packaged calibration for `embedder` (by name or folder) with or without the reader,
    for `language`: "zh" for Chinese questions, "to-zh" for other questions cited to a
    Chinese sentence, "to-zh-fallback" for English questions a mixed collection's Chinese part
    answers and "to-en-fallback" for Chinese ones its English part answers, "to-en-switch"
    for Chinese ones its English part leads the citations of (`qa.assistant.MixedAssistant`),
    None for the rest (fitted on English); unless `exact`, falling back to the one for None;
    None if never calibrated."""
    for wanted in dict.fromkeys((language,) if exact else (language, None)):
        for (name, with_reader, language_of), calibration in _table().items():
            same_model = name == embedder or resolve_model_path(name) == embedder
            if (with_reader, language_of) == (reader, wanted) and same_model:
                return calibration
    return None
