"""Chinese questions over English sentences: the question in the English words CC-CEDICT
glosses its words with, so that the English embedder, BM25 and the reader have English to
match (`qa.search.translation` is the other direction). Tuned on 50 SQuAD *train* questions
translated into Chinese (docs/eval/squad-v1.1-train-part-chinese-questions.json;
docs/quality.md section 6).
"""

from __future__ import annotations

import re
from functools import cache

from qa.index.tokenize import content_words
from qa.ingest.language import CJK_CHAR
from qa.search.translation import SKIPPED, STOP, entries

GLOSSES_PER_WORD = 1
GLOSS_WORDS = 3
_WORD = re.compile(r"[a-z]+")
_SKIPPED = (*SKIPPED, "abbr.", "used in")


def glossed(question: str) -> str:
    """`question`, Chinese, in English words ("第50届超级碗的冠军是哪支球队？" -> "50 arrive super
    bowl champion support sports team"): each of its words (jieba's, function words aside) as the first
    gloss of its first `GLOSSES_PER_WORD` CC-CEDICT entries (the gloss's first `GLOSS_WORDS`
    words besides stop words); a word the dictionary lacks as the longest dictionary words it
    is made of; Latin-script words and numbers as they are. (Adding the pinyin of names the
    dictionary lacks, 郭守敬 -> shoujing, was tried and lost 0.01 MRR on the tuning set.)"""
    found: list[str] = []
    for word in content_words(question):
        if not CJK_CHAR.match(word):
            found.append(word)
            continue
        for part in _known_parts(word):
            for gloss in _glosses().get(part, ())[:GLOSSES_PER_WORD]:
                found += [w for w in _WORD.findall(gloss.lower()) if w not in STOP][:GLOSS_WORDS]
    return " ".join(dict.fromkeys(found))


def load_glosses() -> None:
    """Read the glosses `glossed` uses now (about 1 s), not at its first question."""
    _glosses()


def _known_parts(word: str) -> list[str]:
    """`word` if the dictionary has it, else the longest dictionary words it starts with, left
    to right (a character it lacks is skipped)."""
    glosses, parts, start = _glosses(), [], 0
    while start < len(word):
        end = next((e for e in range(len(word), start, -1) if word[start:e] in glosses), start + 1)
        if word[start:end] in glosses:
            parts.append(word[start:end])
        start = end
    return parts


@cache
def _glosses() -> dict[str, list[str]]:
    """Headword (Simplified and Traditional) -> the first gloss of each of its entries without
    notes in brackets, in the dictionary's order, except that a word of several characters has
    its common entries before its names (大学 "university" before "the Great Learning"; a
    single character keeps its order, 法 "France" before "law", as it is mostly a piece of a
    name or an abbreviation in the words the dictionary lacks, 反法同盟)."""
    found: dict[str, list[tuple[bool, str]]] = {}
    for entry in entries():
        usable = [g for g in entry.glosses.split("/") if g and not g.lower().startswith(_SKIPPED)]
        if not usable:
            continue
        first = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", usable[0]).strip()
        for headword in dict.fromkeys((entry.simplified, entry.traditional)):
            name = entry.pinyin[:1].isupper() and len(headword) > 1
            found.setdefault(headword, []).append((name, first))
    return {
        word: [g for _, g in sorted(glosses, key=lambda g: g[0])] for word, glosses in found.items()
    }
