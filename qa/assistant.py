"""The assistant: ingest -> split -> embed -> index, then retrieve -> fuse -> answer."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import Embedder, embedder_for, make_embedder
from qa.answer.answering import answerability, make_answer
from qa.answer.calibration import Calibration, calibration_for
from qa.answer.reader import Reader, packaged_reader
from qa.answer.reading import read_ranking
from qa.errors import QAError
from qa.index.corpus import Corpus, DocumentSplit
from qa.index.indexes import Indexes
from qa.index.languages import CHINESE, ENGLISH, language_rows, question_language, settings_for
from qa.index.lexical import names_a_subject
from qa.index.milvus import space_of
from qa.index.store import (
    FORMAT_VERSION,
    StoredIndexes,
    StoredPart,
    load_documents,
    load_store,
    save_store,
)
from qa.ingest.documents import make_document
from qa.ingest.files import read_documents
from qa.ingest.language import is_chinese
from qa.ingest.splitting import SPLITTER_VERSION
from qa.progress import Progress, quiet
from qa.search.followup import Turn, follow_up_context
from qa.search.glossing import glossed, load_glosses
from qa.search.headings import headings_as_context
from qa.search.retrieval import Retrieval, Retriever, Scope, joined
from qa.search.translation import chinese_words, load_dictionary
from qa.search.transliteration import Transliterations
from qa.settings import MULTILINGUAL_TUNING, Settings, routed
from qa.types import Answer, Document, Mode

log = logging.getLogger(__name__)

SAMPLE_PATH = Path(__file__).parent / "data" / "yangtze-river-delta-industrial-chains.txt"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "qa-assistant"
MAX_QUESTION_CHARS = 2000


class Assistant:
    """Answers questions with cited sentences from a fixed collection of documents."""

    def __init__(
        self,
        corpus: Corpus,
        embedder: Embedder,
        indexes: Indexes,
        settings: Settings = Settings(),
    ) -> None:
        self.corpus = corpus
        self.settings = settings
        self.retriever = Retriever(embedder, indexes, corpus.passage_of, settings)
        self.calibration = _calibration(settings)
        self._calibrations = {language: _calibration(settings, language) for language in _PAIRS}

    @property
    def threshold(self) -> float | None:
        """Answerability below this abstains; None = never abstain (uncalibrated embedder).
        A Chinese question, or another one cited to a Chinese sentence, may have its own
        (`calibration_of`)."""
        return self.calibration.threshold if self.calibration else None

    def calibration_of(self, question: str, cited: str = "") -> Calibration | None:
        """How `question`'s answerability is judged when `cited` would be citation [1]: a
        model's cosines run on other scales between Chinese texts, and from another language
        to Chinese, than between English ones, so it may be calibrated for each."""
        if is_chinese(question):
            return self._calibrations["zh"]
        return self._calibrations["to-zh"] if is_chinese(cited) else self.calibration

    @cached_property
    def reader(self) -> Reader | None:
        """The trained reader, loaded on first use; None when `settings.reader` is off."""
        return packaged_reader() if self.settings.reader else None

    @property
    def models(self) -> dict[str, str]:
        """The model of each language's sentences ("" for all of them, in one index)."""
        return {"": self.settings.embedder}

    def embedders(self) -> dict[str, Embedder]:
        """This assistant's embedders by model name (to `load` a newer store with them)."""
        return {self.settings.embedder: self.retriever.embedder}

    def with_settings(self, **changes: Any) -> Assistant:
        """The same collection and indexes answering under changed settings."""
        r = self.retriever
        return Assistant(self.corpus, r.embedder, r.indexes, self.settings.with_(**changes))

    # ---- building ---------------------------------------------------------------------

    @classmethod
    def from_documents(
        cls,
        documents: Iterable[Document],
        settings: Settings = Settings(),
        embedder: Embedder | None = None,
        progress: Progress = quiet,
    ) -> Assistant:
        """Index documents in memory.

        Args:
            documents: The documents; one whose text repeats an earlier one is skipped.
            settings: Indexing and answering settings.
            embedder: An embedder to use instead of loading `settings.embedder`.
            progress: Told how splitting and embedding go (`qa.progress`).
        """
        return cls.from_corpus(
            Corpus.build(documents, progress=progress), settings, embedder, progress
        )

    @classmethod
    def from_corpus(
        cls,
        corpus: Corpus,
        settings: Settings = Settings(),
        embedder: Embedder | None = None,
        progress: Progress = quiet,
    ) -> Assistant:
        """Embed and index an already split corpus. Without an `embedder`, the settings are
        first fitted to the documents' language (`Settings.for_texts`) and their model loaded."""
        if not corpus.sentences:
            raise QAError(
                "the documents contain no text to index; add documents with sentences in them",
                zh="这些文档中没有可索引的文字；请添加含有句子的文档",
            )
        if embedder is None:
            if routed(settings):  # each language's documents by the model for it
                return per_language(None, corpus, settings, progress)
            settings = settings.for_texts(d.text for d in corpus.documents.values())
            embedder = make_embedder(settings.embedder)
        indexes = Indexes.build(corpus, embedder, progress, settings.titled, space_of(settings))
        return cls(corpus, embedder, indexes, settings)

    @classmethod
    def from_paths(
        cls,
        paths: Sequence[str | Path],
        settings: Settings = Settings(),
        embedder: Embedder | None = None,
    ) -> Assistant:
        """Index the text files at `paths` (folders are searched recursively)."""
        return cls.from_documents(read_documents(paths), settings, embedder)

    @classmethod
    def from_texts(
        cls, texts: Sequence[str], settings: Settings = Settings(), embedder: Embedder | None = None
    ) -> Assistant:
        """Index plain strings, each one document."""
        docs = [make_document(text, source=f"text {i + 1}") for i, text in enumerate(texts)]
        return cls.from_documents(docs, settings, embedder)

    @classmethod
    def rebuilt(
        cls, store: str | Path, embedder: Embedder | None = None, progress: Progress = quiet
    ) -> Assistant:
        """Embed and index again the documents of a store whose indexes are damaged (the
        sentences keep their ids); the store itself is left to the caller to save.

        Raises:
            QAError: As `load`; DamagedStoreError when the documents cannot be read back.
        """
        settings, corpus = load_documents(Path(store))
        log.warning("re-embedding the %d documents of %s", len(corpus.documents), store)
        if routed(settings):  # as it was built: each language by its own model
            reuse = {settings.embedder: embedder} if embedder else {}  # the store's model's
            return per_language(None, corpus, settings, progress, reuse)
        return cls.from_corpus(corpus, settings, embedder, progress)

    @classmethod
    def load(
        cls,
        store: str | Path,
        embedder: Embedder | None = None,
        reuse: Mapping[str, Embedder] | None = None,
    ) -> Assistant:
        """Open a store written by `save`, with `embedder` (for the store's model) or one of
        `reuse` (embedders by model name, `embedders()` of an assistant already open) where
        the store's model is among them, else its model loaded.

        Raises:
            QAError: The store is missing, damaged, or was built with another embedder.
        """
        stored = load_store(Path(store))
        model = stored.settings.embedder  # an `embedder` given is the store's model's
        reuse = {**(reuse or {}), **({model: embedder} if embedder else {})}
        if stored.parts:
            return MixedAssistant.from_stored(stored, reuse)
        assert stored.indexes is not None  # a store without parts has the whole corpus's
        embedder = reuse.get(model) or make_embedder(model)
        dimension = stored.indexes.dimension
        if embedder.dimension != dimension:
            raise QAError(
                f"the store {store} was built with {stored.settings.embedder} "
                f"({dimension}-d vectors) but the embedder gives {embedder.dimension}-d; "
                f"use {stored.settings.embedder} or rebuild the store with `qa index`"
            )
        return cls(stored.corpus, embedder, stored.indexes, stored.settings)

    def add_documents(self, documents: Iterable[Document], progress: Progress = quiet) -> Assistant:
        """This collection with `documents` added (a text already present is skipped); only
        the new documents' sentences are embedded. The assistant itself is left unchanged."""
        corpus = Corpus.build([*self.corpus.documents.values(), *documents], self.corpus, progress)
        return self._reindexed(corpus, progress)

    def synced(
        self,
        documents: Sequence[Document],
        progress: Progress = quiet,
        splits: Mapping[str, DocumentSplit] | None = None,
    ) -> Assistant:
        """This collection made to hold exactly `documents`: texts it has keep their vectors
        and their place (first, in their old order), new or changed texts are embedded, the
        rest are dropped. A document is known by its text, so a renamed file is not
        re-embedded (its source is updated). `splits`: new documents' sentences, already
        split (by document id; `qa index --ray` splits on the cluster)."""
        wanted: dict[str, Document] = {}
        for document in documents:
            wanted.setdefault(document.doc_id, document)
        kept = [wanted[doc_id] for doc_id in self.corpus.documents if doc_id in wanted]
        corpus = Corpus.build([*kept, *wanted.values()], self.corpus, progress, splits)
        return self._reindexed(corpus, progress)

    def remove_documents(self, doc_ids: Iterable[str]) -> Assistant:
        """This collection without the documents `doc_ids`; nothing is re-embedded.

        Raises:
            QAError: An id is not in the collection, or no document would be left.
        """
        gone = set(doc_ids)
        unknown = gone - self.corpus.documents.keys()
        if unknown:
            ids = ", ".join(sorted(unknown))
            raise QAError(
                f"no document with id {ids} in this collection; list the documents to see their ids",
                zh=f"这个文档集中没有 id 为 {ids} 的文档；请查看文档列表中的 id",
            )
        kept = [d for d in self.corpus.documents.values() if d.doc_id not in gone]
        if not kept:
            raise QAError(
                "that would leave no documents; add another document before removing this one",
                zh="删除后将不剩任何文档；请先添加另一篇文档，再删除这一篇",
            )
        return self._reindexed(Corpus.build(kept, self.corpus))

    def _reindexed(self, corpus: Corpus, progress: Progress = quiet) -> Assistant:
        if routed(self.settings):  # each language's documents by the model for it
            return per_language(self, corpus, self.settings, progress)
        new = (d.text for d in corpus.documents.values() if d.doc_id not in self.corpus.documents)
        fitted = self.settings.for_texts(new)
        if fitted.embedder != self.settings.embedder:
            log.warning(
                "the collection now holds Chinese documents: embedding all %d sentences again "
                "with %s, which reads them (choose a model with --model to keep %s)",
                len(corpus.sentences),
                fitted.embedder,
                self.settings.embedder,
            )
            return Assistant.from_corpus(corpus, fitted, progress=progress)
        r = self.retriever
        indexes = Indexes.update(
            corpus,
            r.embedder,
            (self.corpus, r.indexes),
            progress,
            self.settings.titled,
            space_of(self.settings),
        )
        return Assistant(corpus, r.embedder, indexes, self.settings)

    def save(self, store: str | Path) -> None:
        """Write the collection and its indexes to the folder `store` (atomically)."""
        save_store(Path(store), StoredIndexes(self.settings, self.corpus, self.retriever.indexes))

    @classmethod
    def sample(
        cls,
        cache_dir: str | Path | None = None,
        settings: Settings = Settings(),
        embedder: Embedder | None = None,
    ) -> Assistant:
        """The assistant over the bundled sample article, built once and cached under `cache_dir`
        (default `~/.cache/qa-assistant`)."""
        store = Path(cache_dir or DEFAULT_CACHE_DIR) / f"sample-{_sample_fingerprint(settings)}"
        if (store / "manifest.json").is_file():
            log.info("reusing the sample store %s", store)
            return cls.load(store, embedder)
        assistant = cls.from_paths([SAMPLE_PATH], settings, embedder)
        assistant.save(store)
        log.info("indexed the sample article into %s", store)
        return assistant

    # ---- answering --------------------------------------------------------------------

    def ask(
        self,
        question: str,
        k: int | None = None,
        mode: Mode | str | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        """Answer `question` with the `k` best source sentences, or abstain.

        Args:
            question: The question.
            k: Number of citations (default `settings.k`).
            mode: `hybrid`, `bm25` or `dense` (default `settings.mode`).
            history: The conversation's earlier turns, oldest first: a follow-up question
                ("When was it founded?") is searched with words from the last one
                (`qa.search.followup`); `answer.searched` then shows what was searched.

        Returns:
            The answer; `answer.abstained` is True when nothing clears the threshold.
        """
        question, k, mode = self._check(question, k, mode)
        context = follow_up_context(question, history)
        if not context and not names_a_subject(question):
            raise QAError(
                f"{question!r} names nothing to look for (only question words, stop words or "
                "punctuation); ask about a name, a thing or an event, e.g. "
                '"Who founded the festival?"',
                zh=f"“{question}”没有可查找的内容（只有疑问词、停用词或标点）；"
                "请问一个人名、事物或事件，例如“谁创办了这个节日？”",
            )
        if not context:
            return self._answer(question, k, mode)
        anywhere = Scope(context)
        previous = self.corpus.document_sentences(history[-1].doc_id)
        if previous:  # first within the document the conversation is about
            within = np.array([s.row for s in previous], dtype=np.int64)
            answer = self._answer(question, k, mode, Scope(context, within))
            if answer.abstained:  # perhaps another document answers it
                elsewhere = self._answer(question, k, mode, anywhere)
                answer = answer if elsewhere.abstained else elsewhere
        else:
            answer = self._answer(question, k, mode, anywhere)
        return replace(answer, searched=anywhere.topic(question))

    def _answer(self, question: str, k: int, mode: Mode, scope: Scope = Scope()) -> Answer:
        return self._made(question, k, mode, self.rank(question, mode, scope=scope))

    def _made(self, question: str, k: int, mode: Mode, ranked: Retrieval) -> Answer:
        """The answer `ranked` gives, judged by `_judge`."""
        return make_answer(
            self.corpus,
            question,
            mode,
            ranked,
            k,
            self._judge(question, ranked),
            self.settings.context_sentences,
        )

    def _judge(self, question: str, ranked: Retrieval) -> Calibration | None:
        """The calibration that judges `ranked`: `calibration_of` the question and its [1]."""
        cited = self.corpus.sentences[ranked.ranking[0].row].text if ranked.ranking else ""
        return self.calibration_of(question, cited)

    def rank(
        self,
        question: str,
        mode: Mode,
        query_vector: np.ndarray | None = None,
        scope: Scope = Scope(),
    ) -> Retrieval:
        """The ranking behind an answer: retrieval, then (with the reader) its top re-read;
        `scope`: a follow-up's context and the sentences it may rank."""
        reader_weight = self.settings.reader_weight
        if self._glosses(question):  # read, and judged, in the words it was searched with
            # the reader marks the span and informs answerability, but does not reorder: it
            # reads a list of glosses, not a question (docs/quality.md section 6)
            question, query_vector, reader_weight = glossed(question), None, 0.0
        retrieval = headings_as_context(
            self.corpus, self.retrieve(question, mode, query_vector, scope)
        )
        if self.reader is None:
            return retrieval
        read = read_ranking(
            self.reader,
            self.corpus,
            question,
            retrieval,
            self.settings.read_depth,
            reader_weight,
            scope.context,
        )
        if not read.ranking:
            return read
        passage = self.corpus.passage_text_of(read.ranking[0].row)
        coverage = self.retriever.indexes.lexical.coverage(scope.topic(question), passage)
        return replace(read, coverage=coverage)

    def retrieve(
        self,
        question: str,
        mode: Mode,
        query_vector: np.ndarray | None = None,
        scope: Scope = Scope(),
    ) -> Retrieval:
        """The first-stage ranking (up to `settings.depth` sentences), before any reading. A
        question that is not Chinese, over Chinese sentences (`Settings.cross_lingual`),
        is searched by BM25 with its words' Chinese translations (`qa.search.translation`)
        and the Chinese words its pinyin names spell (`qa.search.transliteration`) added; the
        names are embedded with it too (replacing a `query_vector` given)."""
        depth = min(self.settings.depth, len(self.corpus.sentences))
        if self._glosses(question):
            question, query_vector = glossed(question), None
        if not (self.settings.cross_lingual and self._chinese) or is_chinese(question):
            return self.retriever.retrieve(question, mode, depth, query_vector, scope)
        names = self._transliterations.chinese_words(question)
        if query_vector is None or names:
            # The embedder reads the names in Chinese beside their pinyin (docs/quality.md §6).
            query_vector = self.retriever.embed_question(self._transliterations.named(question))
        searched = f"{question} {chinese_words(question)} {names}"
        return self._translated.retrieve(searched, mode, depth, query_vector, scope)

    def prepare(self) -> None:
        """Build now what the first question in the other language would wait for (1 to 4 s
        on 2 cores): over Chinese documents, the dictionary an English question is translated
        with and the pinyin of the collection's terms; over English ones, the glosses a
        Chinese question is read in. The chat does this in the background as it starts."""
        if not self.settings.cross_lingual:
            return
        if self._chinese:
            load_dictionary()
            _ = self._transliterations
        elif self._languages == {ENGLISH}:
            load_glosses()

    @cached_property
    def _transliterations(self) -> Transliterations:
        """The collection's Chinese terms by their pinyin, for names in English questions."""
        return Transliterations(self.retriever.indexes.lexical.terms())

    @cached_property
    def _languages(self) -> frozenset[str]:
        """The languages of the collection's documents (`qa.index.languages`)."""
        return frozenset(language_rows(self.corpus))

    @property
    def _chinese(self) -> bool:
        """Whether every document of the collection is Chinese."""
        return self._languages == {CHINESE}

    def _glosses(self, question: str) -> bool:
        """Whether `question` is Chinese, asked of English documents only, and is therefore
        searched and read in its words' English glosses (`qa.search.glossing.glossed`)."""
        return self.settings.cross_lingual and is_chinese(question) and self._languages == {ENGLISH}

    @cached_property
    def _translated(self) -> Retriever:
        """The retriever for questions searched with their Chinese translations."""
        r, settings = self.retriever, self.settings
        weight = settings.with_(lexical_weight=settings.cross_lingual_lexical_weight)
        return Retriever(r.embedder, r.indexes, self.corpus.passage_of, weight)

    def _check(
        self, question: str, k: int | None, mode: Mode | str | None
    ) -> tuple[str, int, Mode]:
        question = " ".join(question.split()) if isinstance(question, str) else ""
        if not question:
            raise QAError(
                "the question is empty; type a question about your documents",
                zh="问题是空的；请输入一个关于这些文档的问题",
            )
        if len(question) > MAX_QUESTION_CHARS:
            raise QAError(
                f"the question has {len(question)} characters; shorten it to at most {MAX_QUESTION_CHARS}",
                zh=f"问题有 {len(question)} 个字符；请缩短到最多 {MAX_QUESTION_CHARS} 个",
            )
        k = self.settings.k if k is None else k
        if k < 1 or k > self.settings.depth:
            raise QAError(
                f"k={k} is out of range; choose 1 to {self.settings.depth}",
                zh=f"引用条数 k={k} 超出范围；请选择 1 到 {self.settings.depth}",
            )
        try:
            mode = Mode(mode or self.settings.mode)
        except ValueError:
            raise QAError(
                f"unknown mode {mode!r}; choose one of {', '.join(m.value for m in Mode)}"
            ) from None
        return question, k, mode


@dataclass(frozen=True)
class Part:
    """One language's share of a collection: its sentences' rows in the whole corpus
    (ascending) and the assistant over just those sentences (rows from 0)."""

    language: str
    rows: np.ndarray
    assistant: Assistant

    def local(self, scope: Scope) -> Scope | None:
        """`scope` in this part's rows; None when it limits the question to none of them."""
        if scope.within is None:
            return scope
        positions = np.searchsorted(self.rows, scope.within)
        clipped = np.minimum(positions, len(self.rows) - 1)
        inside = positions[self.rows[clipped] == scope.within]
        return replace(scope, within=inside) if len(inside) else None


@dataclass(frozen=True)
class Judged:
    """A part's ranking for one question: whether it `clears` the thresholds for answering
    from it, and whether it `leads` the ranking (it clears, or it is another language's part
    over its switch threshold where the question's own part abstains)."""

    part: Part
    ranked: Retrieval
    clears: bool
    leads: bool


def _cleared(ranked: Retrieval, calibration: Calibration | None) -> bool:
    """Whether `ranked` ranks something and its answerability clears `calibration`'s
    threshold (always, without a calibration)."""
    if not ranked.ranking:
        return False
    return calibration is None or answerability(ranked, calibration) >= calibration.threshold


def per_language(
    previous: Assistant | None,
    corpus: Corpus,
    settings: Settings,
    progress: Progress = quiet,
    reuse: Mapping[str, Embedder] | None = None,
) -> Assistant:
    """`corpus` indexed per language (`routed` settings): each language's sentences by its own
    model (an embedder of `reuse` where it has the model's name), vectors kept wherever
    `previous` has the same sentence under the same model. One language alone gives a plain
    `Assistant`; two, a `MixedAssistant`."""
    parts = []
    for language, rows in language_rows(corpus).items():
        part_settings = settings_for(settings, language)
        part_corpus = corpus if len(rows) == len(corpus.sentences) else corpus.subset(rows.tolist())
        before = _same_model(previous, part_settings)
        if before is None:
            model = part_settings.embedder
            embedder = (reuse or {}).get(model) or make_embedder(model)
            if previous is not None and language in language_rows(previous.corpus):
                log.warning(
                    "embedding the %d sentences of the %s documents with %s, the model for "
                    "them (once: this store was written with one model for every language)",
                    len(rows),
                    "Chinese" if language == CHINESE else "English",
                    part_settings.embedder,
                )
            indexes = Indexes.build(part_corpus, embedder, progress, part_settings.titled)
        else:
            embedder = before.retriever.embedder
            indexes = Indexes.update(
                part_corpus,
                embedder,
                (before.corpus, before.retriever.indexes),
                progress,
                part_settings.titled,
            )
        parts.append(Part(language, rows, Assistant(part_corpus, embedder, indexes, part_settings)))
    if len(parts) == 1:
        return parts[0].assistant
    return MixedAssistant(corpus, parts)


def _same_model(previous: Assistant | None, settings: Settings) -> Assistant | None:
    """The assistant of `previous` (or of one of its parts) built with `settings`' model and
    indexing, whose vectors can be kept."""
    if previous is None:
        return None
    candidates = (
        [p.assistant for p in previous.parts]
        if isinstance(previous, MixedAssistant)
        else [previous]
    )
    for candidate in candidates:
        same = candidate.settings
        if (same.embedder, same.titled) == (settings.embedder, settings.titled):
            return candidate
    return None


class MixedAssistant(Assistant):
    """An assistant over English and Chinese documents, each language a `Part` of its own.

    When the collection's model was not chosen by the user (`qa.settings.routed`), the English
    documents' sentences are embedded by all-MiniLM-L6-v2 and read by the trained reader, the
    Chinese ones' by multilingual-e5-small with the fusion tuned for it, each language in its
    own vector and BM25 indexes (`qa.index.languages`). A question is answered from the part
    of its own language; only when that part abstains is it asked of the other (an English
    question over Chinese articles: e5 reads both languages; a Chinese one over English
    articles: read in its words' English glosses), whose answer is taken when that part's own
    calibration (`calibration_of`: "to-zh" for an English question cited to a Chinese
    sentence, "zh" for a Chinese one) and the stricter `_fallback` both clear their
    thresholds. Where they do not, its sentences still lead the citations of the "not found"
    when its answerability clears the lower `_switch`: the sentence most likely to answer
    comes first, without answering more questions the collection cannot answer. Each part
    ranks and abstains as it would alone, so adding a language changes nothing for the other,
    and adding or removing documents of one language embeds nothing of the other.

    The corpus is the whole collection's; citations and rankings are in its rows. `settings`,
    `retriever`, `reader` and `calibration` are the English part's."""

    def __init__(self, corpus: Corpus, parts: Sequence[Part]) -> None:
        self.corpus = corpus
        self.parts = tuple(parts)
        english = self._part(ENGLISH)
        self.settings = english.assistant.settings
        self.retriever = english.assistant.retriever
        self.calibration = english.assistant.calibration
        self._calibrations = english.assistant._calibrations

    @property
    def reader(self) -> Reader | None:  # type: ignore[override]  # the English part's
        return self._part(ENGLISH).assistant.reader

    def prepare(self) -> None:
        for part in self.parts:
            part.assistant.prepare()

    def _part(self, language: str) -> Part:
        return next(p for p in self.parts if p.language == language)

    def _order(self, question: str) -> list[Part]:
        """The parts to ask, the question's own language first."""
        first = question_language(question)
        return sorted(self.parts, key=lambda p: p.language != first)

    def calibration_of(self, question: str, cited: str = "") -> Calibration | None:
        language = CHINESE if is_chinese(cited) else ENGLISH
        return self._part(language).assistant.calibration_of(question, cited)

    def with_settings(self, **changes: Any) -> Assistant:
        chinese = {
            k: v for k, v in changes.items() if k != "embedder" and k not in MULTILINGUAL_TUNING
        }
        parts = [
            replace(
                p,
                assistant=p.assistant.with_settings(
                    **(chinese if p.language == CHINESE else changes)
                ),
            )
            for p in self.parts
        ]
        return MixedAssistant(self.corpus, parts)

    @property
    def models(self) -> dict[str, str]:
        return {p.language: p.assistant.settings.embedder for p in self.parts}

    def embedders(self) -> dict[str, Embedder]:
        return {p.assistant.settings.embedder: p.assistant.retriever.embedder for p in self.parts}

    # ---- answering: the question's own language first -----------------------------------

    def _answer(self, question: str, k: int, mode: Mode, scope: Scope = Scope()) -> Answer:
        judged = self._judged(question, mode, scope)
        first = next(judged, None)
        assert first is not None  # a scope always lies in some part
        # The first part that clears; else the first that leads (the other part is asked
        # only when the first does not clear).
        chosen = first if first.clears else next((j for j in judged if j.leads), first)
        answer = chosen.part.assistant._made(question, k, mode, chosen.ranked)
        fallback = self._fallback(chosen.part, question)
        if fallback is not None:  # another language's part: its own, stricter threshold too
            answer = replace(answer, abstained=not chosen.clears, threshold=fallback.threshold)
        return self._global(chosen.part, answer)

    def _judged(self, question: str, mode: Mode, scope: Scope) -> Iterator[Judged]:
        """Each part's ranking (in its own rows), the question's own language first, judged
        (`Judged`): its own part by its calibration (`_judge`); another language's by that
        and `_fallback` for answering, by `_switch` for leading the ranking."""
        for part in self._order(question):
            local = part.local(scope)
            if local is None:
                continue
            ranked = part.assistant.rank(question, mode, scope=local)
            judge = part.assistant._judge(question, ranked)
            fallback, switch = self._fallback(part, question), self._switch(part, question)
            clears = _cleared(ranked, judge) and _cleared(ranked, fallback)
            leads = clears or (switch is not None and _cleared(ranked, switch))
            yield Judged(part, ranked, clears, leads)

    def _fallback(self, part: Part, question: str) -> Calibration | None:
        """The calibration that a part of another language than `question`'s must also clear
        to answer (it is asked only where the question's own part abstains):
        "to-zh-fallback" for an English question's Chinese part
        (scripts/tune_to_chinese.py), "to-en-fallback" for a Chinese question's English part
        (scripts/tune_from_chinese.py); None for the question's own part, or where none was
        fitted."""
        return self._other_language(part, question, "fallback")

    def _switch(self, part: Part, question: str) -> Calibration | None:
        """The calibration above which a part of another language than `question`'s leads
        the ranking where the question's own part abstains, even if it abstains too, so that
        the sentences most likely to answer are cited first without answering more questions
        the collection cannot answer: "to-en-switch" for a Chinese question's English part
        (scripts/tune_mixed.py), lower than its fallback; None where none was fitted (an
        English question's Chinese part leads only where it clears its fallback: e5's best
        cosine does not tell English questions about the Chinese documents from those about
        the English ones that their part abstains on)."""
        return self._other_language(part, question, "switch")

    def _other_language(self, part: Part, question: str, use: str) -> Calibration | None:
        if part.language == question_language(question):
            return None
        settings = part.assistant.settings
        return calibration_for(
            settings.embedder, settings.reader, f"to-{part.language}-{use}", exact=True
        )

    def rank(
        self,
        question: str,
        mode: Mode,
        query_vector: np.ndarray | None = None,
        scope: Scope = Scope(),
    ) -> Retrieval:
        """Each part's ranking in the whole corpus's rows, one after the other: the question's
        own language first, unless it abstains where the other leads (as `ask` does).
        `query_vector` is not used: each part embeds the question with its own model."""
        judged = sorted(self._judged(question, mode, scope), key=lambda j: not j.leads)  # stable
        return joined([self._global_retrieval(j.part, j.ranked) for j in judged])

    def retrieve(
        self,
        question: str,
        mode: Mode,
        query_vector: np.ndarray | None = None,
        scope: Scope = Scope(),
    ) -> Retrieval:
        parts = [(p, p.local(scope)) for p in self._order(question)]
        return joined(
            [
                self._global_retrieval(p, p.assistant.retrieve(question, mode, scope=local))
                for p, local in parts
                if local is not None
            ]
        )

    def _global(self, part: Part, answer: Answer) -> Answer:
        sentences = self.corpus.sentences
        citations = tuple(
            replace(c, sentence=sentences[int(part.rows[c.sentence.row])]) for c in answer.citations
        )
        return replace(answer, citations=citations)

    def _global_retrieval(self, part: Part, retrieval: Retrieval) -> Retrieval:
        ranking = tuple(replace(r, row=int(part.rows[r.row])) for r in retrieval.ranking)
        return replace(retrieval, ranking=ranking)

    # ---- changing and saving -----------------------------------------------------------

    def _reindexed(self, corpus: Corpus, progress: Progress = quiet) -> Assistant:
        return per_language(self, corpus, self.settings, progress)

    def save(self, store: str | Path) -> None:
        parts = tuple(
            StoredPart(p.language, p.assistant.settings, p.rows, p.assistant.retriever.indexes)
            for p in self.parts
        )
        save_store(Path(store), StoredIndexes(self.settings, self.corpus, None, parts))

    @classmethod
    def from_stored(
        cls, stored: StoredIndexes, reuse: Mapping[str, Embedder] | None = None
    ) -> MixedAssistant:
        """The assistant of a store written by `save`: each part's model from `reuse` (by
        name) or loaded when it first has something to embed."""
        parts = []
        for part in stored.parts:
            corpus = stored.corpus.subset(part.rows.tolist())
            model = part.settings.embedder
            embedder = embedder_for(model, reuse, part.indexes.dimension)
            parts.append(
                Part(
                    part.language,
                    part.rows,
                    Assistant(corpus, embedder, part.indexes, part.settings),
                )
            )
        return cls(stored.corpus, parts)


# Question and cited-sentence languages with calibrations of their own (`calibration_for`).
_PAIRS = ("zh", "to-zh")


def _calibration(settings: Settings, language: str | None = None) -> Calibration | None:
    calibration = calibration_for(settings.embedder, settings.reader, language)
    override = settings.abstain_threshold
    if override is not None:
        if calibration is None:  # a threshold on the best cosine, as without the reader
            return Calibration(settings.embedder, False, override, "settings.abstain_threshold")
        return replace(calibration, threshold=override, provenance="settings.abstain_threshold")
    if calibration is None and language is None:
        log.warning("no abstention calibration for %s; answers never abstain", settings.embedder)
    return calibration


def _sample_fingerprint(settings: Settings) -> str:
    digest = hashlib.sha256()
    digest.update(SAMPLE_PATH.read_bytes())
    digest.update(repr((FORMAT_VERSION, SPLITTER_VERSION, settings.to_json())).encode())
    return digest.hexdigest()[:12]
