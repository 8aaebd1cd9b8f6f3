"""All tunable choices of the pipeline in one frozen value, passed explicitly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from embeddings import DEFAULT_MODEL, MULTILINGUAL_MODEL
from qa.errors import QAError
from qa.ingest.language import any_chinese
from qa.types import Fusion, Mode


@dataclass(frozen=True)
class Settings:
    """How documents are indexed and questions answered.

    Attributes:
        embedder: sentence-transformers model name or folder, or `MULTILINGUAL_MODEL`.
        auto_model: The embedder was not chosen by the user: a collection that holds a
            Chinese document then uses `MULTILINGUAL_MODEL` with the weights tuned for it
            (`for_texts`).
        mode: Default retrieval mode.
        k: Default number of citations.
        depth: How many candidates each retriever passes to fusion.
        fusion: How hybrid mode fuses BM25 and dense: `linear` (cosine plus weighted,
            normalised BM25) or `rrf` (reciprocal rank fusion).
        lexical_weight: Weight of normalised BM25 next to the cosine in linear fusion
            (tuned on SQuAD train, scripts/tune_on_train.py).
        passage_lexical_weight: Weight of the passage's normalised BM25 in linear fusion.
        passage_dense_weight: Weight of the question's cosine to the passage in linear fusion.
        rrf_k: The reciprocal-rank-fusion constant.
        bm25_weight: Weight of the BM25 ranking in RRF.
        dense_weight: Weight of the dense ranking in RRF.
        context_sentences: Neighbouring sentences shown on each side of a citation.
        titled: Index each sentence after its document's title ("Title: sentence"), for the
            embedder (as DPR, Karpukhin et al. 2020, embeds passages) and for BM25, so a
            sentence that leaves its subject to the title (an encyclopedia entry, a news
            story) is found by questions that name it. Set when the store is built.
        reader: Whether the trained reader (qa/answer/reader.py) reads the top sentences: it rescores
            them, marks each one's answer span and informs answerability.
        cross_lingual: A question that is not Chinese, asked of Chinese sentences, is
            searched by BM25 with its words' Chinese translations too (CC-CEDICT,
            `qa.search.translation`) and the Chinese words its pinyin names spell
            (`qa.search.transliteration`), BM25 then weighing `cross_lingual_lexical_weight`;
            a Chinese question asked of English sentences is searched and read in its words'
            English glosses (`qa.search.glossing`).
        cross_lingual_lexical_weight: `lexical_weight` for such a question.
        read_depth: How many top sentences the reader reads.
        reader_weight: Weight of the reader's log-odds added to a read sentence's score.
        abstain_threshold: Answerability below this abstains; None takes the packaged
            calibration for the embedder (and never abstains for an uncalibrated model).
        milvus: Where the sentence and passage vectors live: "" keeps them in the store
            folder (FAISS); a Milvus URI ("http://host:19530" for a server or cluster, a path
            ending in ".db" for Milvus Lite) puts them in Milvus (`qa.index.milvus`, docs/milvus.md).
        milvus_collection: The Milvus collections' name prefix (`NAME_sentences`,
            `NAME_passages`); `qa index --milvus` takes the store folder's name.
    """

    embedder: str = DEFAULT_MODEL
    auto_model: bool = True
    mode: Mode = Mode.HYBRID
    k: int = 3
    depth: int = 100
    fusion: Fusion = Fusion.LINEAR
    lexical_weight: float = 1.6
    passage_lexical_weight: float = 1.6
    passage_dense_weight: float = 0.4
    rrf_k: float = 60.0
    bm25_weight: float = 1.0
    dense_weight: float = 1.0
    context_sentences: int = 1
    titled: bool = False
    reader: bool = True
    # Named translate_questions (English -> Chinese only, off for English collections) and
    # translated_lexical_weight (0.3) before; stores written then get these defaults.
    cross_lingual: bool = True
    cross_lingual_lexical_weight: float = 0.5
    read_depth: int = 5
    reader_weight: float = 0.25
    abstain_threshold: float | None = None
    milvus: str = ""
    milvus_collection: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", Mode(self.mode))
        object.__setattr__(self, "fusion", Fusion(self.fusion))
        if self.k < 1 or self.depth < 1:
            raise QAError(f"k={self.k} and depth={self.depth} must both be at least 1")
        if self.k > self.depth:
            raise QAError(f"k={self.k} is larger than depth={self.depth}; raise depth or lower k")
        if self.read_depth < 1:
            raise QAError(f"read_depth={self.read_depth} must be at least 1")
        if self.context_sentences < 0:
            raise QAError(f"context_sentences={self.context_sentences} must be 0 or more")

    @classmethod
    def for_model(cls, model: str) -> Settings:
        """The settings for a model the user chose: `MULTILINGUAL_MODEL` with the indexing and
        weights tuned for it, any other with the defaults."""
        tuned = MULTILINGUAL_TUNING if model == MULTILINGUAL_MODEL else {}
        return cls(embedder=model, auto_model=False, **tuned)

    def for_texts(self, texts: Iterable[str]) -> Settings:
        """These settings for a collection of `texts`: with `auto_model` and the default
        embedder, a collection holding a Chinese document (`qa.ingest.language.is_chinese`) gets
        the multilingual embedder and the fusion weights tuned for it."""
        if self.auto_model and self.embedder == DEFAULT_MODEL and any_chinese(texts):
            return self.with_(embedder=MULTILINGUAL_MODEL, **MULTILINGUAL_TUNING)
        return self

    @property
    def vector_place(self) -> str:
        """Where the vectors live, in words."""
        if not self.milvus:
            return "the store folder (FAISS)"
        return f"Milvus at {self.milvus}, collections {self.milvus_collection}_*"

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["mode"] = self.mode.value
        data["fusion"] = self.fusion.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        """Rebuild from `to_json` output, ignoring fields this version does not know."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})


def routed(settings: Settings) -> bool:
    """Whether a collection under `settings` is indexed per language (`qa.assistant.MixedAssistant`): its model
    is the automatic choice, not one the user named, and its vectors are in the store folder
    (Milvus keeps one model's collections)."""
    automatic = settings.embedder in (DEFAULT_MODEL, MULTILINGUAL_MODEL)
    return settings.auto_model and automatic and not settings.milvus


# Indexing, fusion and reading for MULTILINGUAL_MODEL, tuned on the CMRC 2018 trial set only
# (scripts/tune_on_train.py ../shared/data/cmrc2018/squad-style-data_cmrc2018_trial.json
# --model multilingual-e5-small --every 1 --grid wide [--titled] --reader), never on the dev sets
# reported. There, MRR: BM25 0.726, titled 0.798; dense 0.722, titled 0.861; hybrid, titled,
# 0.894 at lexical weights 0.07 and 0.893 at 0.1 (0.890 at 0.05, 0.882 at 0.2; this model's
# cosines spread over a narrow range, so a little BM25 goes a long way): 0.1, the larger of
# two equal ones, leaves BM25 more say where the embedder is unsure. The passage signals
# lower it; the reader, trained on English SQuAD, lowers it to 0.71, so it stays off.
MULTILINGUAL_TUNING: dict[str, Any] = {
    "lexical_weight": 0.1,
    "passage_lexical_weight": 0.0,
    "passage_dense_weight": 0.0,
    "reader": False,
    "titled": True,
}
