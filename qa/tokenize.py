"""Turning text into lexical terms for BM25: stemmed English words, Chinese character bigrams."""

from __future__ import annotations

import re
from functools import lru_cache

# Latin-script words and numbers, or runs of CJK characters (handled separately below).
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_]+", re.UNICODE)
# Measured on SQuAD train (scripts/tune_on_train.py): neutral on BM25 alone and fused (+-0.0005
# MRR), and it lets "Who directs ...?" find "... Director ..." as users expect.
_AGENT_SUFFIXES = ("er", "or")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def tokenize(text: str) -> list[str]:
    """Return the BM25 terms of `text`.

    English words are lower-cased, stop words dropped and the rest Snowball-stemmed; a stem
    ending in -er/-or also yields the stem without it, so agent nouns meet their verbs
    ("directs" -> direct, "Director" -> director + direct; Snowball keeps them apart). Runs of
    Chinese characters become overlapping character bigrams (a single character stays whole),
    a segmentation-free scheme that needs no dictionary.
    """
    terms: list[str] = []
    stopwords = _stopwords()
    stem = _stemmer().stemWord
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if _CJK_RUN.match(token):
            terms.extend(_bigrams(token))
            continue
        token = token.lower()
        if token in stopwords or (len(token) == 1 and not token.isdigit()):
            continue
        stemmed = stem(token)
        terms.append(stemmed)
        if len(stemmed) > 5 and stemmed.endswith(_AGENT_SUFFIXES) and stemmed.isalpha():
            terms.append(stemmed[:-2])
    return terms


def words(text: str) -> list[str]:
    """The words and Chinese runs of `text` as written, before stemming or stop-word removal."""
    return _TOKEN.findall(text)


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - PyStemmer has no type hints
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)
