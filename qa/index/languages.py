"""Which language each document's sentences are indexed in, and with which settings: a
collection whose model was not chosen by the user (`qa.settings.routed`) indexes its English
documents with all-MiniLM-L6-v2 and its Chinese ones with multilingual-e5-small, each in its
own indexes (`qa.assistant.MixedAssistant`).

A document's language is that of most of its sentences (`qa.ingest.language.is_chinese`), and
all its sentences are indexed in it: a command line or an English name inside a Chinese
document is read, and asked about, in its Chinese context.
"""

from __future__ import annotations

import numpy as np

from embeddings import DEFAULT_MODEL, MULTILINGUAL_MODEL
from qa.index.corpus import Corpus
from qa.ingest.language import CJK_CHAR, is_chinese
from qa.settings import MULTILINGUAL_TUNING, Settings

ENGLISH, CHINESE = "en", "zh"


def question_language(question: str) -> str:
    """ "zh" for a Chinese question, "en" for any other."""
    return CHINESE if is_chinese(question) else ENGLISH


def language_rows(corpus: Corpus) -> dict[str, np.ndarray]:
    """The rows of each language's sentences, ascending: a document's sentences are all in its
    language, Chinese when at least half of them are (a Chinese article with an English track
    list or command lines stays Chinese)."""
    rows: dict[str, list[np.ndarray]] = {}
    for doc_id, document in corpus.documents.items():
        sentences = corpus.document_sentences(doc_id)  # a document's rows are contiguous
        if not len(sentences):
            continue
        marks = [is_chinese(s.text) for s in sentences] if CJK_CHAR.search(document.text) else []
        language = CHINESE if marks and 2 * sum(marks) >= len(marks) else ENGLISH
        first = sentences[0].row
        rows.setdefault(language, []).append(np.arange(first, first + len(sentences)))
    return {name: np.sort(np.concatenate(found)) for name, found in sorted(rows.items())}


def settings_for(settings: Settings, language: str) -> Settings:
    """The settings of one language's part: Chinese with multilingual-e5-small and its tuning;
    English with the default model and, where `settings` carry that tuning, the defaults."""
    if language == CHINESE:
        return settings.with_(embedder=MULTILINGUAL_MODEL, **MULTILINGUAL_TUNING)
    if settings.embedder == DEFAULT_MODEL:
        return settings
    defaults = Settings()
    return settings.with_(
        embedder=DEFAULT_MODEL, **{key: getattr(defaults, key) for key in MULTILINGUAL_TUNING}
    )
