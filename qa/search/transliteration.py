"""Names written in pinyin in a question ("Sun Quan", "Zhuge Liang", "diao zhong hua") matched
to the Chinese words of the collection that they transliterate (孙权, 诸葛亮, 吊钟花), so that
BM25 finds an English question's names in Chinese sentences. CC-CEDICT
(`qa.search.translation`) lacks most names; their pinyin spelling is what an English writer
keeps of them.

Each Chinese term of the collection's BM25 vocabulary (words and character bigrams) is read
in toneless pinyin (pypinyin, MIT licence). A question's Latin-script words that spell whole
pinyin syllables, and are capitalised or not English words, are taken in runs of adjacent
words; every stretch of two to four of their syllables brings the collection's terms that
read so. Wade-Giles and other spellings ("Chiang Kai-shek") are not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

from qa.index.tokenize import tokenize
from qa.search.translation import english_words

MAX_SYLLABLES = 4
_WORD = re.compile(r"[A-Za-zü]+")
# Words of a run are next to each other: only spaces, hyphens or apostrophes between them.
_JOINER = re.compile(r"[\s\-'’]*")
_VOWEL = re.compile("[aeiou]")
_HAN = re.compile(r"^[\u4e00-\u9fff]{2,4}$")

Syllables = tuple[str, ...]

# English words that spell one pinyin syllable, lower-case in SQuAD train's articles at least
# ten times (scripts/pinyin_english.py).
_ENGLISH_SYLLABLES = frozenset(
    re.findall(
        r"\w+",
        "a an he can de long she e men run mi song man re you la me gun ran da sun ban o die lie "
        "pin fan ha du bin yuan di pen le en tie bi ca duo",
    )
)


class Transliterations:
    """The Chinese terms of one collection, by their toneless pinyin."""

    def __init__(self, terms: Iterable[str]) -> None:
        from pypinyin import lazy_pinyin

        self._by_reading: dict[Syllables, list[str]] = {}
        for term in terms:
            if _HAN.match(term):
                reading = tuple(_plain(s) for s in lazy_pinyin(term))
                self._by_reading.setdefault(reading, []).append(term)

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> Transliterations:
        """The Chinese terms BM25 finds in `texts`."""
        return cls({term for text in texts for term in tokenize(text)})

    def named(self, question: str) -> str:
        """`question` followed by the Chinese words its pinyin names spell: what the
        multilingual embedder embeds for it."""
        return f"{question} {self.chinese_words(question)}".rstrip()

    def chinese_words(self, question: str) -> str:
        """The collection's Chinese terms that the pinyin names of `question` spell,
        space-separated ("" when it has none)."""
        found: list[str] = []
        for run in _pinyin_runs(question):
            for size in range(2, min(MAX_SYLLABLES, len(run)) + 1):
                for start in range(len(run) - size + 1):
                    found += self._by_reading.get(run[start : start + size], ())
        return " ".join(dict.fromkeys(found))


def _pinyin_runs(question: str) -> list[Syllables]:
    """The syllables of each run of adjacent pinyin words in `question`."""
    runs: list[Syllables] = []
    run: list[str] = []
    end = 0
    for match in _WORD.finditer(question):
        joined = _JOINER.fullmatch(question, end, match.start()) is not None
        if run and not joined:
            runs.append(tuple(run))
            run = []
        syllables = _syllables(match.group(0))
        if syllables:
            run += syllables
        elif run:
            runs.append(tuple(run))
            run = []
        end = match.end()
    if run:
        runs.append(tuple(run))
    return runs


def _syllables(word: str) -> Syllables:
    """`word` split into pinyin syllables, fewest first; () when it is not pinyin, or when it
    is written in lower case and is an English word: one of the common ones that spell a
    single syllable, or one of several syllables that CC-CEDICT's glosses use ("change")."""
    lowered = word.lower().replace("ü", "u")
    syllables = _split(lowered)
    if word[0].islower() and (
        lowered in _ENGLISH_SYLLABLES or (len(syllables) > 1 and lowered in english_words())
    ):
        return ()
    return syllables


@lru_cache(maxsize=8192)
def _split(word: str) -> Syllables:
    """`word` as the fewest pinyin syllables that spell it exactly (() when none do), found
    from its end backwards (no recursion, linear in its length)."""
    syllables = _pinyin_syllables()
    best: list[Syllables | None] = [None] * len(word) + [()]
    for start in range(len(word) - 1, -1, -1):
        for end in range(min(start + 6, len(word)), start, -1):  # longest syllable first
            rest, known = best[end], best[start]
            better = known is None or (rest is not None and len(rest) + 1 < len(known))
            if rest is not None and better and word[start:end] in syllables:
                best[start] = (word[start:end], *rest)
    return best[0] or ()


def _plain(syllable: str) -> str:
    """Without the umlaut, which English writers drop (pypinyin writes it "v")."""
    return syllable.replace("ü", "u").replace("v", "u")


@cache
def _pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows with a vowel (not the interjections
    "hm", "ng")."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    readings = {_plain(to_normal(r)) for rs in pinyin_dict.values() for r in rs.split(",")}
    return frozenset(r for r in readings if _VOWEL.search(r))
