"""Near-miss questions: a question changed so that its gold sentence no longer answers it.

Users ask about things their articles almost cover: another company, the last instead of the
first, a year the article does not give. A reader trained only on (question, other sentence)
negatives learns topic match and answers those confidently. Each function here rewrites a
SQuAD train question in one such way (the kinds of unanswerable question Rajpurkar, Jia and
Liang, ACL 2018, list for SQuAD 2.0: entity swap, antonym, negation, mutual exclusion), and
the training script pairs the rewrite with the gold sentence as a negative.
"""

from __future__ import annotations

import random
import re

_PAIRS = [
    ("first", "last"),
    ("largest", "smallest"),
    ("biggest", "smallest"),
    ("most", "least"),
    ("highest", "lowest"),
    ("earliest", "latest"),
    ("before", "after"),
    ("increase", "decrease"),
    ("increased", "decreased"),
    ("more", "less"),
    ("north", "south"),
    ("east", "west"),
    ("northern", "southern"),
    ("eastern", "western"),
    ("maximum", "minimum"),
    ("best", "worst"),
    ("longest", "shortest"),
    ("oldest", "youngest"),
    ("won", "lost"),
    ("began", "ended"),
    ("start", "end"),
    ("above", "below"),
    ("higher", "lower"),
    ("larger", "smaller"),
    ("older", "newer"),
    ("major", "minor"),
    ("open", "close"),
    ("opened", "closed"),
    ("import", "export"),
    ("imports", "exports"),
    ("rise", "fall"),
    ("successful", "unsuccessful"),
]
ANTONYMS = {a: b for a, b in _PAIRS} | {b: a for a, b in _PAIRS}
_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:of\s+|the\s+|de\s+|and\s+)?[A-Z][\w'’-]+)*")
_NUMBER = re.compile(r"\b\d[\d,]*\b")
_AUX = re.compile(r"\b(was|were|is|are)\b")
_WORD = re.compile(r"[A-Za-z]+")


def names(text: str) -> list[str]:
    """Capitalised phrases not at the start of the text."""
    return [m.group(0) for m in _NAME.finditer(text) if m.start() > 0]


def near_miss(
    question: str, sentence: str, other_names: list[str], rng: random.Random
) -> str | None:
    """A rewrite of `question` that `sentence` does not answer, or None if none applies."""
    options = []
    for m in _NAME.finditer(question):
        if m.start() == 0 or m.group(0) not in sentence:
            continue
        swaps = [n for n in other_names if n not in sentence and n not in question]
        if swaps:
            options.append(question[: m.start()] + rng.choice(swaps) + question[m.end() :])
    for m in _NUMBER.finditer(question):
        if m.group(0) in sentence:
            value = int(m.group(0).replace(",", ""))
            changed = value + rng.choice([-1, 1]) * rng.randint(1, max(2, value // 4 or 2))
            options.append(question[: m.start()] + str(changed) + question[m.end() :])
    for m in _WORD.finditer(question):
        swap = ANTONYMS.get(m.group(0).lower())
        if swap:
            swap = swap.capitalize() if m.group(0)[0].isupper() else swap
            options.append(question[: m.start()] + swap + question[m.end() :])
    aux = _AUX.search(question)
    if aux and " not " not in question and "n't" not in question:
        options.append(question[: aux.end()] + " not" + question[aux.end() :])
    return rng.choice(options) if options else None
