"""Answering, the fourth stage: a ranking becomes cited sentences, or an explicit abstention.

The reader is the small trained span model: `reader` runs it (ONNX), `reader_config` says how it
is built, `reader_network` is its torch network (training and export); `reading` lets it
re-order the top sentences and mark each one's short answer; `calibration` turns the evidence
into answerability; `answering` builds the citations and decides whether to answer.
"""

from qa.answer.answering import answerability, cite, make_answer
from qa.answer.calibration import Calibration, calibration_for
from qa.answer.reader import Reader, Reading, log_odds, packaged_reader
from qa.answer.reader_config import ReaderConfig, ReaderError
from qa.answer.reading import read_ranking

__all__ = [
    "Calibration",
    "Reader",
    "ReaderConfig",
    "ReaderError",
    "Reading",
    "answerability",
    "calibration_for",
    "cite",
    "log_odds",
    "make_answer",
    "packaged_reader",
    "read_ranking",
]
