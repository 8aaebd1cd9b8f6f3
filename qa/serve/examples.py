"""Example questions for the chat, taken from the collection itself and in its language: the
questions its documents ask (a FAQ's question headings, "Q:" lines), then "What is X?" and
"What does X do?" for the names they define ("X is a ...", "X reads the ..."); each kept
only when the assistant answers it, and one question the documents cannot answer, kept only
when the assistant says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath

from qa.assistant import SAMPLE_PATH, Assistant
from qa.errors import QAError
from qa.index.corpus import Corpus
from qa.index.embedding import unwrapped
from qa.ingest.language import is_chinese

# The bundled sample article's own questions (it has no headings to make them from).
SAMPLE_QUESTIONS = (
    "Who directs the biomedical alliance?",
    "Which company is a director unit of the alliance?",
    "What does the industrial chain alliance aim to forge?",
    "What was signed to serve the Hangzhou Asian Games?",
)
# Shows that a question the documents do not answer gets "Not found".
OFF_TOPIC = {"en": "What is the capital of France?", "zh": "法国的首都是哪里？"}
MAX_TRIED = 16  # questions asked to choose the examples (about 0.1 s each with the reader)

_NUMBERING = re.compile(r"^\s*(?:(?:\d+\.)+\d*|\d+\)|[A-Z]\.|Q\s*[:.]|问\s*[:：])\s*", re.I)
# A name: up to three words, each capitalised or written like a program's ("python-dotenv").
_NAME = r"(?:[A-Z0-9][\w+]*|[a-z]+[-_.+][\w.+-]*)(?:[- ](?:[A-Z0-9][\w+]*|[a-z]+[-_.+][\w.+-]*)){0,2}"
_DEFINITION = re.compile(rf"^({_NAME}) (is|are) (?:a|an|the|one) ")
_DOES = re.compile(rf"^({_NAME}) (?!is |was |has |does )[a-z]{{3,}}s (?:a|an|the|\w+ing|\w+s)\b")
_CHINESE_DEFINITION = re.compile(r"^([\u4e00-\u9fff]{2,8})是(?:一[个個种種款套])")
_NOT_NAMES = frozenset({"This", "That", "It", "There", "Here", "The", "A", "An", "What", "Which"})
_QUESTION_WORDS = re.compile(
    r"^(?:how|what|why|when|where|who|whom|whose|which|can|could|does|do|did|is|are|was|were|"
    r"should|will|would|may|might|must|has|have)\b",
    re.IGNORECASE,
)
_CHINESE_QUESTION = re.compile(r"[什甚][么麼]|怎[么麼样樣]|如何|[为為]什[么麼]|[为為]何|哪|[吗嗎]|是否|多少|[谁誰]")


def example_questions(assistant: Assistant, limit: int = 4) -> tuple[str, ...]:
    """Up to `limit` questions the assistant answers from its documents, fewest from any one
    document, then `OFF_TOPIC` in the collection's language when it abstains on it."""
    corpus = assistant.corpus
    chosen: list[str] = []
    for tried, question in enumerate(_candidates(corpus)):
        if len(chosen) == limit or tried == MAX_TRIED:
            break
        if _answered(assistant, question):
            chosen.append(question)
    off_topic = OFF_TOPIC[collection_language(corpus)]
    if corpus.sentences and not _answered(assistant, off_topic):
        chosen.append(off_topic)
    return tuple(chosen)


def _answered(assistant: Assistant, question: str) -> bool:
    try:
        return not assistant.ask(question, k=1).abstained
    except QAError:  # e.g. a question of stop words only
        return False


def collection_language(corpus: Corpus) -> str:
    """"zh" when most of the collection's sentences are Chinese, else "en"."""
    step = max(1, len(corpus.sentences) // 500)  # a sample is enough
    sampled = [s.text for s in corpus.sentences[::step]]
    chinese = sum(is_chinese(text) for text in sampled)
    return "zh" if sampled and chinese * 2 > len(sampled) else "en"


def _candidates(corpus: Corpus) -> Iterator[str]:
    """The documents' own questions (the bundled sample's are `SAMPLE_QUESTIONS`), then those
    made from their definitions, taking each document's in turn."""
    asked = [_asked(corpus, doc_id) for doc_id in corpus.documents]
    made = [_defined(corpus, doc_id) for doc_id in corpus.documents]
    seen: set[str] = set()
    for question in (*_in_turn(asked), *_in_turn(made)):
        if question not in seen:
            seen.add(question)
            yield question


def _in_turn(lists: list[list[str]]) -> Iterator[str]:
    """The first of each list, then the second of each, and so on."""
    for index in range(max(map(len, lists), default=0)):
        yield from (items[index] for items in lists if index < len(items))


def _asked(corpus: Corpus, doc_id: str) -> list[str]:
    """The questions a document asks itself (`_is_question`), sentences and headings,
    without their numbering; for the bundled sample article, `SAMPLE_QUESTIONS`."""
    if PurePath(corpus.documents[doc_id].source).name == SAMPLE_PATH.name:
        return list(SAMPLE_QUESTIONS)
    found = []
    for sentence in corpus.document_sentences(doc_id):
        text = _NUMBERING.sub("", unwrapped(sentence.text)).strip()
        if _is_question(text):
            found.append(text)
    return found


def _defined(corpus: Corpus, doc_id: str) -> list[str]:
    """"What is X?" ("X是什么？") for the things a document defines, sentences that open
    "X is a ...", "X are the ..." ("X是一个..."), and "What does X do?" for those opening
    "X reads the ...", with X a name of at most three words."""
    found = []
    written = corpus.documents[doc_id].text
    for sentence in corpus.document_sentences(doc_id):
        text = unwrapped(sentence.text)
        english, does = _DEFINITION.match(text), _DOES.match(text)
        chinese = _CHINESE_DEFINITION.match(text)
        if english and _is_name(english.group(1), written):
            found.append(f"What {english.group(2)} {english.group(1)}?")
        elif does and _is_name(does.group(1), written):
            found.append(f"What does {does.group(1)} do?")
        elif chinese:
            found.append(f"{chinese.group(1)}是什么？")
    return found


def _is_name(words: str, text: str) -> bool:
    """Whether `words` (capitalised, or written like a program's name) name something in
    `text`: not a common word that opens a sentence, so written like that within one too."""
    if words.split()[0] in _NOT_NAMES:
        return False
    return bool(re.search(rf"[\w,;(]\s+{re.escape(words)}\b", text))


def _is_question(text: str) -> bool:
    """Whether `text` is one plain question of a question's length: it ends in a question
    mark, opens with a question word ("How", "Can", ...; in Chinese, has one) and holds no
    other sentence."""
    if not text.endswith(("?", "？")) or re.search(r"[.!?。！？;；]\s*\S", text[:-1]):
        return False
    if is_chinese(text):
        return 5 <= len(text) <= 40 and bool(_CHINESE_QUESTION.search(text))
    return 3 <= len(text.split()) <= 16 and bool(_QUESTION_WORDS.match(text))
