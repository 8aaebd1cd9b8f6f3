"""A small trained reader: does this sentence answer the question, and which words are the answer.

The network is the default embedder's transformer (all-MiniLM-L6-v2) reading the question and one
sentence together, with low-rank (LoRA) updates to its linear layers and two small heads: a
start/end head over the sentence's tokens and an "answers it" head over the first token. Only
the low-rank factors and the heads are trained (`scripts/train_reader.py`, on the SQuAD
train-part) and shipped in `qa/data/reader/` (about 1 MB); at load time the updates are merged
into the base weights, so reading costs exactly one forward pass of the base model.

The merged network is exported once to ONNX (cached beside the embedder's export, keyed by the
weight files) and read with ONNX Runtime and `tokenizers`: answering loads neither torch nor
transformers, which would take longer than the whole answer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.tokens import by_padding, fast_tokenizer, padded
from qa.answer.combining import Combiner
from qa.answer.reader_config import (
    CONFIG_FILE,
    DEFAULT_READER_DIR,
    WEIGHTS_FILE,
    ReaderConfig,
    ReaderError,
    question_in_context,
)

MAX_ANSWER_TOKENS = 30
BATCH_SIZE = 32
READING_RUNS = 2
"""Network runs at a time: one per core of the 2-core machine this was measured on."""


@dataclass(frozen=True)
class Reading:
    """What the reader makes of one sentence for one question.

    Attributes:
        answerability: Probability that the sentence answers the question.
        span: `(start, end)` of the answer within the sentence text, or None.
        span_score: Sum of the span's start and end logits.
    """

    answerability: float
    span: tuple[int, int] | None
    span_score: float


def log_odds(p: float) -> float:
    """`log(p / (1 - p))`, with p clipped to [1e-6, 1 - 1e-6] so certainty stays finite."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@cache
def packaged_reader() -> Reader:
    """The reader shipped in qa/data/reader, loaded once per process."""
    return Reader.load()


class Reader:
    """Reads (question, sentence) pairs; see the module docstring.

    Args:
        session: ONNX Runtime session of the merged network (token ids in; start, end and
            answer logits out).
        tokenizer: The base model's `tokenizers.Tokenizer`, truncating the sentence to fit.
        config: How the reader was built.
    """

    def __init__(self, session: Any, tokenizer: Any, config: ReaderConfig) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.config = config
        # Questions answered at once have their sentences read in shared runs (`Combiner`).
        self._combined: Combiner[tuple[str, str], Reading] = Combiner(
            self._read_pair_list, runs=READING_RUNS, max_items=BATCH_SIZE
        )

    @classmethod
    def load(cls, directory: str | Path = DEFAULT_READER_DIR) -> Reader:
        """Load the reader in `directory`, exporting it to ONNX on first use."""
        from embeddings.onnx import MODEL_FILE, TOKENIZER_FILE, cached_export, fingerprint, session
        from embeddings.sentence_transformer import resolve_model_path

        directory = Path(directory)
        config_path, weights_path = directory / CONFIG_FILE, directory / WEIGHTS_FILE
        if not config_path.is_file() or not weights_path.is_file():
            raise ReaderError(
                f"No reader weights in {directory}. Train them with "
                "`./dev.sh python scripts/train_reader.py` or pass --no-reader."
            )
        config = ReaderConfig.from_json(json.loads(config_path.read_text(encoding="utf-8")))
        key = fingerprint(config_path, weights_path, resolve_model_path(config.base_model))
        folder = cached_export("reader", key, partial(_export, config, weights_path))
        serialised = (folder / TOKENIZER_FILE).read_text(encoding="utf-8")
        # longest_first cuts the sentence alone while it is the longer of the pair (what the
        # reader was trained with) and the question too when even that is not enough.
        tokenizer = fast_tokenizer(serialised, config.max_length)
        return cls(session(folder / MODEL_FILE), tokenizer, config)

    def read(
        self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[Reading]:
        """One Reading per sentence, in order; read together with the sentences of other
        threads' questions waiting at the same time. A reader trained with context
        (`ReaderConfig.context`) reads each sentence after its entry in `contexts`."""
        return self._combined(
            list(zip(self.first_segments(question, contexts, len(sentences)), sentences))
        )

    def first_segments(
        self, question: str, contexts: Sequence[str] | None, count: int
    ) -> list[str]:
        """What is read before each of `count` sentences: the question, after which a reader
        trained with context reads the sentence's context."""
        if self.config.context and contexts is not None:
            return [question_in_context(question, c) for c in contexts]
        return [question] * count

    def _read_pair_list(self, pairs: list[tuple[str, str]]) -> list[Reading]:
        return self.read_pairs([q for q, _ in pairs], [s for _, s in pairs])

    def read_pairs(
        self, questions: Sequence[str], sentences: Sequence[str], batch_size: int = BATCH_SIZE
    ) -> list[Reading]:
        """One Reading per (question, sentence) pair, for evaluation over many questions."""
        readings: list[Reading] = []
        for start in range(0, len(sentences), batch_size):
            end = start + batch_size
            readings.extend(
                self._read_batch(list(questions[start:end]), list(sentences[start:end]))
            )
        return readings

    def _read_batch(self, questions: list[str], sentences: list[str]) -> list[Reading]:
        encodings = self.tokenizer.encode_batch(list(zip(questions, sentences)))
        readings: list[Reading | None] = [None] * len(encodings)
        for rows in by_padding(encodings, len(encodings)):
            feed = padded([encodings[i] for i in rows], pad_id=0)
            start_logits, end_logits, answer_logit = self.session.run(None, feed)
            probabilities = 1 / (1 + np.exp(-answer_logit))
            for j, i in enumerate(rows):
                e = encodings[i]
                readings[i] = _decode(
                    start_logits[j][: len(e.ids)],
                    end_logits[j][: len(e.ids)],
                    np.array([sid == 1 for sid in e.sequence_ids]),
                    np.array(e.offsets),
                    float(probabilities[j]),
                )
        return [r for r in readings if r is not None]


def _export(config: ReaderConfig, weights_path: Path, folder: Path) -> None:
    from qa.answer.reader_network import export_reader

    export_reader(config, weights_path, folder)


def _decode(
    starts: np.ndarray,
    ends: np.ndarray,
    in_sentence: np.ndarray,
    offsets: np.ndarray,
    answerability: float,
) -> Reading:
    """Best span with start <= end < start + MAX_ANSWER_TOKENS inside the sentence's tokens."""
    tokens = np.flatnonzero(in_sentence)
    if tokens.size == 0:
        return Reading(answerability, None, float("-inf"))
    s, e = starts[tokens], ends[tokens]
    pair = s[:, None] + e[None, :]
    distance = np.arange(tokens.size)[None, :] - np.arange(tokens.size)[:, None]
    pair[(distance < 0) | (distance >= MAX_ANSWER_TOKENS)] = -np.inf
    first, last = np.unravel_index(int(np.argmax(pair)), pair.shape)
    span = (int(offsets[tokens[first]][0]), int(offsets[tokens[last]][1]))
    return Reading(answerability, span, float(pair[first, last]))
