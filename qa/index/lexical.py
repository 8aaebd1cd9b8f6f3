"""BM25 over sentences, backed by bm25s (Lù 2024, "BM25S: Orders of magnitude faster lexical
search via eager sparse scoring")."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import QAError
from qa.index.tokenize import tokenize, words
from qa.types import Hit

if TYPE_CHECKING:
    import bm25s

log = logging.getLogger(__name__)

_PARAMS_FILE = "lexical.json"


class LexicalIndex:
    """BM25 (Lucene variant, k1=1.5, b=0.75) over sentence texts, keyed by sentence ids."""

    def __init__(self, ids: np.ndarray, retriever: bm25s.BM25) -> None:
        self._ids = np.ascontiguousarray(ids, dtype=np.int64)
        self._retriever = retriever

    @classmethod
    def build(cls, ids: Sequence[int], texts: Iterable[str]) -> LexicalIndex:
        """Index `texts` under `ids`."""
        import bm25s

        retriever = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
        # bm25s cannot index an empty corpus; a single empty document scores zero everywhere.
        shared: dict[str, str] = {}  # one string object per distinct term, not per occurrence
        corpus = [[shared.setdefault(w, w) for w in tokenize(t)] for t in texts] or [[]]
        retriever.index(corpus, show_progress=False)
        return cls(np.asarray(ids, dtype=np.int64), retriever)

    def __len__(self) -> int:
        return len(self._ids)

    def terms(self) -> list[str]:
        """The terms the index holds."""
        return list(self._retriever.vocab_dict)

    def search(self, query: str, k: int, within: np.ndarray | None = None) -> list[Hit]:
        """Return up to `k` hits with a positive BM25 score, best first; only ids in `within`
        when it is given."""
        return self._search(tokenize(query), k, within)

    def ceiling(self, query: str) -> float:
        """The sum of the query terms' IDF, which Lucene BM25 approaches as term frequency grows;
        dividing by it puts scores in [0, 1) whatever the collection's size.

        A term the collection lacks counts with the largest IDF, so a question whose key words
        are missing does not look fully matched.
        """
        return sum(self._idf(term) for term in set(tokenize(query))) or 1.0

    def coverage(self, query: str, text: str) -> float:
        """The IDF-weighted share of the query's terms, question words aside, that occur in
        `text` (1.0 without terms): how much of what the question names the text mentions."""
        terms = set(tokenize(query)) - _question_terms()
        if not terms:
            return 1.0
        present = terms & set(tokenize(text))
        return sum(self._idf(t) for t in present) / sum(self._idf(t) for t in terms)

    def _idf(self, term: str) -> float:
        n = len(self._ids)
        indptr, vocab = self._retriever.scores["indptr"], self._retriever.vocab_dict
        tid = vocab.get(term)
        df = int(indptr[tid + 1] - indptr[tid]) if tid is not None and tid + 1 < len(indptr) else 0
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _search(self, terms: Sequence[str], k: int, within: np.ndarray | None = None) -> list[Hit]:
        if not terms or not len(self._ids):
            return []
        scores = self._retriever.get_scores(list(terms))
        if within is not None:
            scores = np.where(np.isin(self._ids, within), scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            Hit(row=int(self._ids[i]), score=float(scores[i]), rank=rank)
            for rank, i in enumerate(top, start=1)
            if scores[i] > 0
        ]

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (numpy arrays and JSON, no pickle)."""
        folder.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(folder), show_progress=False)
        np.save(folder / "ids.npy", self._ids, allow_pickle=False)
        (folder / _PARAMS_FILE).write_text(json.dumps({"size": len(self._ids)}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Load an index written by `save`."""
        import bm25s

        try:
            params = json.loads((folder / _PARAMS_FILE).read_text(encoding="utf-8"))
            ids = np.load(folder / "ids.npy", allow_pickle=False)
            retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        except (OSError, ValueError) as exc:
            raise QAError(
                f"the BM25 index in {folder} is missing or damaged ({exc}); "
                "rebuild the store with `qa index`"
            ) from exc
        if len(ids) != params["size"]:
            raise QAError(
                f"the BM25 index in {folder} is damaged; rebuild the store with `qa index`"
            )
        return cls(ids, retriever)


def names_a_subject(question: str) -> bool:
    """Whether `question` has a BM25 term besides question words: "?", "the" or "What is
    it?" name nothing to search for (none of SQuAD v1.1 dev's 10,570 questions is like that)."""
    return any(term not in _question_terms() for term in tokenize(question))


@cache
def _question_terms() -> frozenset[str]:
    """Terms of the words that shape a question rather than name its subject."""
    return frozenset(tokenize(" ".join(QUESTION_WORDS)))


QUESTION_WORDS = [
    "who",
    "whom",
    "whose",
    "what",
    "which",
    "when",
    "where",
    "why",
    "how",
    "many",
    "much",
    "does",
    "do",
    "did",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "can",
    "could",
    "will",
    "would",
    "should",
    "name",
]


def matched_terms(query: str, sentence: str) -> tuple[str, ...]:
    """The question's words (lower-cased, in order) that share a BM25 term with the sentence."""
    sentence_terms = set(tokenize(sentence))
    return tuple(
        dict.fromkeys(
            word.lower() for word in words(query) if sentence_terms.intersection(tokenize(word))
        )
    )
