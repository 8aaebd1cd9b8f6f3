import math

import numpy as np
import pytest

from qa.answer.reader import Reading, _decode
from qa.answer.reader_config import ReaderConfig
from qa.answer.reading import read_ranking
from qa.index.corpus import Corpus
from qa.ingest.documents import make_document
from qa.search.retrieval import Ranked, Retrieval
from qa.types import Evidence

TEXT = "Alpha one. Beta two. Gamma three. Delta four."


class StubReader:
    """Gives fixed probabilities by sentence text and marks each sentence's last word."""

    config = ReaderConfig(context=True)

    def __init__(self, probabilities: dict[str, float]) -> None:
        self.probabilities = probabilities
        self.seen: list[str] = []
        self.contexts: list[str] = []

    def read(self, question: str, sentences: list[str], contexts: list[str]) -> list[Reading]:
        self.seen += sentences
        self.contexts += contexts
        return [
            Reading(self.probabilities[s], (s.rindex(" ") + 1, len(s) - 1), 1.0) for s in sentences
        ]


def _retrieval(corpus: Corpus) -> Retrieval:
    ranking = tuple(
        Ranked(sid, rank, score, Evidence(fused_score=score))
        for rank, (sid, score) in enumerate([(0, 1.0), (1, 0.9), (2, 0.8), (3, 0.1)], start=1)
    )
    return Retrieval(ranking, best_similarity=0.7)


def test_the_reader_reorders_only_the_sentences_it_read() -> None:
    corpus = Corpus.build([make_document(TEXT, "t")])
    reader = StubReader({"Alpha one.": 0.1, "Beta two.": 0.5, "Gamma three.": 0.9})
    read = read_ranking(reader, corpus, "q?", _retrieval(corpus), depth=3, weight=0.5)  # type: ignore[arg-type]
    assert reader.seen == ["Alpha one.", "Beta two.", "Gamma three."]
    assert reader.contexts[1:] == ["Alpha one.", "Beta two."]  # each read after the one before
    assert [r.row for r in read.ranking] == [2, 1, 0, 3]
    assert [r.rank for r in read.ranking] == [1, 2, 3, 4]
    top = read.ranking[0]
    assert top.score == pytest.approx(0.8 + 0.5 * math.log(0.9 / 0.1))
    assert top.evidence.reader_score == 0.9 and top.evidence.fused_score == 0.8
    assert TEXT[top.answer[0] : top.answer[1]] == "three"
    assert read.ranking[3].answer is None and read.ranking[3].evidence.reader_score is None
    assert read.best_reading == 0.9 and read.best_similarity == 0.7


def test_span_decoding_stays_inside_the_sentence_and_orders_start_before_end() -> None:
    # Tokens 0-1 are the question, 2-5 the sentence; the best pair overall would end before
    # it starts (start 4, end 3), which is not a span.
    in_sentence = np.array([False, False, True, True, True, True])
    offsets = np.array([[0, 0], [0, 0], [0, 5], [6, 9], [10, 14], [15, 20]])
    starts = np.array([9.0, 0, 0, 1, 5, 0])
    ends = np.array([0, 9.0, 0, 6, 0, 3])
    reading = _decode(starts, ends, in_sentence, offsets, 0.8)
    assert reading.span == (10, 20) and reading.span_score == 8.0


def test_missing_reader_weights_say_how_to_fix(tmp_path) -> None:  # noqa: ANN001
    from qa.answer.reader import Reader
    from qa.answer.reader_config import ReaderError

    with pytest.raises(ReaderError, match="train_reader.py"):
        Reader.load(tmp_path)


def test_calibrated_answerability_rises_with_every_signal() -> None:
    from qa.answer.calibration import Calibration, calibration_for

    c = Calibration(
        "m", True, 0.5, "test", cosine_weight=2.0, reader_weight=1.0, coverage_weight=1.0, bias=-2.0
    )
    assert c.answerability(0.5, 0.5, 1.0) == pytest.approx(0.5)
    assert c.answerability(0.6, 0.5, 1.0) > 0.5 and c.answerability(0.5, 0.7, 1.0) > 0.5
    assert c.answerability(0.5, 0.5, 0.5) < 0.5
    assert Calibration("m", False, 0.4, "test").answerability(0.3, None) == 0.3
    for reader in (False, True):
        packaged = calibration_for("all-MiniLM-L6-v2", reader)
        assert packaged is not None and packaged.reader is reader and packaged.provenance
