"""Follow-up questions resolved from the conversation, without a language model.

"When was it founded?" says nothing of what "it" is; the previous turn does. A question that
leans on the conversation (it refers back with a pronoun, opens with an ellipsis such as
"And ..." or "What about ...", or names at most one thing of its own) takes as its context
the subject words of the previous question and the short answer it got, after historical
query expansion in conversational search (Kumar & Callan, SIGIR 2020, "HQE"). The assistant
(`Assistant.ask`) searches it first within the document the previous answer came from; the
context chooses passages while sentences are scored on the question's own words, and the
reader's probability is the mean of reading it with and without the context (appended to the
question outright, the words pull every follow-up back to the previous answer's sentence;
docs/quality.md section 5). A question that stands on its own is searched as typed. The
context is shown to the user, so a wrong guess is visible and easy to correct.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.index.lexical import QUESTION_WORDS
from qa.index.tokenize import content_words, tokenize, words
from qa.types import Answer

# Words that point back at something named earlier ("that" only where it cannot be a
# relative pronoun: last, or before a word of time).
_ANAPHOR_WORDS = """it its itself they them their theirs themselves he him his himself she her hers
herself this these those"""
ANAPHORS = frozenset(_ANAPHOR_WORDS.split())
_POINTING = re.compile(
    r"\b(which one|the (same|other|former|latter)|that (day|year|time|month|week|period|one))\b"
    r"|\b(that|there|then)\s*\?*\s*$",
    re.I,
)
CHINESE_ANAPHORS = ("它", "他", "她", "其", "该", "这", "那", "此")
# Openings of an elliptical question ("And the automobile alliance?").
_ELLIPSIS = re.compile(r"^\s*(and|also|what about|how about|same for|but|then|or)\b", re.I)
_QUESTION_WORDS = frozenset(QUESTION_WORDS)
MAX_CONTEXT_WORDS = 12
MAX_ANSWER_WORDS = 8


@dataclass(frozen=True)
class Turn:
    """One earlier exchange: the question as it was searched, the short answer it got and the
    document that answer came from."""

    question: str
    answer: str = ""
    doc_id: str = ""

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        """The turn an answer makes: what was searched, the short answer in [1] and the
        document [1] came from (empty when the assistant abstained)."""
        best = answer.best
        if best is None:
            return cls(answer.searched or answer.question)
        return cls(answer.searched or answer.question, best.answer_text or "", best.doc_id)


def leans_on_history(question: str) -> bool:
    """Whether `question` needs the conversation to be understood (see the module docstring)."""
    if _ELLIPSIS.match(question) or _POINTING.search(question):
        return True
    if any(c in question for c in CHINESE_ANAPHORS):
        return True
    if ANAPHORS.intersection(w.lower() for w in words(question)):
        return True
    return len(_subject_words(question)) <= 1


def follow_up_context(question: str, history: Sequence[Turn]) -> str:
    """The words `question` takes from the earlier `history` (oldest first): none when it
    stands alone, else the previous turn's subject words and short answer."""
    if not history or not leans_on_history(question):
        return ""
    previous = history[-1]
    context = _subject_words(previous.question)[:MAX_CONTEXT_WORDS]
    answer = words(previous.answer)
    if answer and len(answer) <= MAX_ANSWER_WORDS:
        context += answer
    own = {t for w in words(question) for t in tokenize(w)}
    added = [w for w in dict.fromkeys(context) if not own.issuperset(tokenize(w))]
    return " ".join(added)


def _subject_words(question: str) -> list[str]:
    """The words of `question` that name its subject: BM25 terms that are not question words
    (in Chinese, the words jieba finds, function words aside)."""
    return [
        w
        for w in content_words(question)
        if w.lower() not in _QUESTION_WORDS and w.lower() not in ANAPHORS and tokenize(w)
    ]
