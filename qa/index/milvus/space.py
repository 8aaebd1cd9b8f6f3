"""One store's vectors in Milvus: a sentence collection (id, vector, indexed text with a BM25
Function where the server has them, document metadata) and a passage collection (id,
vector). The same code serves Milvus Lite (a local `.db` file), a standalone server and a
cluster: only the URI differs (`pymilvus.MilvusClient`).

Ids are the corpus's stable sentence ids (a passage: its first sentence's id), so writes are
idempotent upserts and a collection can always be brought in line with a corpus by
comparing ids (`qa.index.milvus.sync`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from qa.errors import QAError

log = logging.getLogger(__name__)

SENTENCES, PASSAGES = "sentences", "passages"
MAX_TEXT_BYTES = 65_535  # Milvus's longest VARCHAR; a sentence is at most ~1,200 characters
WRITE_BATCH = 2_000
HNSW = {"M": 16, "efConstruction": 200}
ENGLISH_ANALYZER = {"tokenizer": "standard", "filter": ["lowercase"]}
CHINESE_ANALYZER = {"tokenizer": "jieba"}
# Searches see this client's own writes and others' once Milvus has applied them (its time
# tick, ~200 ms): "Strong" made every search on a 2.3 server wait for the next tick (200 ms a
# call instead of 5-10). Counting and listing ids, which decide what to write, stay Strong.
_READ = {"consistency_level": "Session"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")


@dataclass(frozen=True)
class Layout:
    """What a store's collections hold: the model (recorded in the collection's properties,
    so a store never searches vectors of another model), its dimension, whether the
    sentence text is analysed as Chinese (jieba) or not (Milvus's standard tokenizer)."""

    embedder: str
    dimension: int
    chinese: bool


def connect(uri: str) -> Any:
    """A `MilvusClient` for `uri` (one per URI and process: Milvus Lite opens its file once).

    Raises:
        QAError: pymilvus is not installed, or the server cannot be reached.
    """
    return _client(uri)


@cache
def _client(uri: str) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise QAError(
            "the Milvus backend needs pymilvus (and milvus-lite for a local .db file): "
            "pip install -e '.[cluster]', or run ./dev.sh, which installs them"
        ) from exc
    logging.getLogger("grpc._server").addFilter(_lite_noise)
    try:
        return MilvusClient(uri=uri, timeout=10)
    except Exception as exc:  # pymilvus raises its own and grpc's errors here
        if not re.match(r"^[a-z]+://", uri):
            raise QAError(
                f"cannot open the Milvus Lite file {uri} ({exc}); only one process at a time "
                "may: stop the other one (the chat?), or serve the vectors from a Milvus "
                "server (docs/milvus.md)"
            ) from exc
        raise QAError(
            f"cannot reach Milvus at {uri} ({exc}); start the server (docs/milvus.md), or "
            "give a local path ending in .db for Milvus Lite"
        ) from exc


class MilvusSpace:
    """The collections `{name}_sentences` and `{name}_passages` at `uri`, for the vectors of
    `model`; `chinese`: the sentences are analysed for BM25 by jieba."""

    def __init__(self, uri: str, name: str, model: str, chinese: bool = False) -> None:
        if not _NAME.match(name):
            raise QAError(
                f"{name!r} cannot name a Milvus collection; use letters, digits and underscores, "
                "starting with a letter"
            )
        self.uri = uri
        self.name = name
        self.model = model
        self.chinese = chinese
        self.client = connect(uri)
        self._lexical: bool | None = None

    def same_place(self, other: MilvusSpace) -> bool:
        """Whether `other` names the same collections at the same address."""
        return (self.uri, self.name) == (other.uri, other.name)

    def collection(self, which: str) -> str:
        return f"{self.name}_{which}"

    # ---- schema -----------------------------------------------------------------------

    def exists(self) -> bool:
        return all(self.client.has_collection(self.collection(w)) for w in (SENTENCES, PASSAGES))

    def layout(self) -> Layout | None:
        """The layout the collections were made with; None when they do not exist."""
        if not self.exists():
            return None
        properties = self.client.describe_collection(self.collection(SENTENCES))["properties"]
        try:
            return Layout(
                properties["qa.embedder"],
                int(properties["qa.dimension"]),
                properties["qa.chinese"] == "true",
            )
        except KeyError:
            raise QAError(
                f"the Milvus collection {self.collection(SENTENCES)} at {self.uri} was not made "
                "by qa; choose another collection name"
            ) from None

    def prepare(self, dimension: int) -> tuple[Layout, bool]:
        """Make the collections for this model's `dimension`-d vectors, replacing ones made
        for another model; returns their layout and whether they were made now (empty)."""
        layout = Layout(self.model, dimension, self.chinese)
        current = self.layout()
        if current == layout:
            self.load()
            return layout, False
        if current is not None:
            log.warning(
                "the Milvus collections %s_* hold %s vectors; making them anew for %s",
                self.name,
                current.embedder,
                layout.embedder,
            )
        self.drop()
        self._lexical = None
        self._create_sentences(layout)
        self._create(PASSAGES, self._schema(layout.dimension), self._vector_index())
        properties = {
            "qa.embedder": layout.embedder,
            "qa.dimension": str(layout.dimension),
            "qa.chinese": "true" if layout.chinese else "false",
        }
        self.client.alter_collection_properties(self.collection(SENTENCES), properties=properties)
        return layout, True

    def load(self) -> None:
        """Make the collections searchable (a server keeps them released after a restart)."""
        for which in (SENTENCES, PASSAGES):
            self.client.load_collection(self.collection(which))

    def drop(self) -> None:
        for which in (SENTENCES, PASSAGES):
            if self.client.has_collection(self.collection(which)):
                self.client.drop_collection(self.collection(which))

    @property
    def lexical(self) -> bool:
        """Whether the server searches the sentences by BM25 itself (Milvus 2.5 and later)."""
        if self._lexical is None:
            description = self.client.describe_collection(self.collection(SENTENCES))
            functions = description.get("functions", [])
            self._lexical = any(f.get("name") == "bm25" for f in functions)
        return self._lexical

    def _create_sentences(self, layout: Layout) -> None:
        """With a BM25 Function where the server has them; otherwise (Milvus before 2.5, found
        by trying) vectors and metadata only, and BM25 stays with qa."""
        from pymilvus import MilvusException

        try:
            with _quiet_pymilvus():
                schema, index = self._lexical_schema(layout)
                self._create(SENTENCES, schema, index)
            return
        except MilvusException as exc:
            log.info("Milvus at %s has no BM25 Functions (%s); BM25 stays local", self.uri, exc)
            if self.client.has_collection(self.collection(SENTENCES)):
                self.client.drop_collection(self.collection(SENTENCES))
        schema = self._schema(layout.dimension)
        self._metadata_fields(schema)
        self._create(SENTENCES, schema, self._vector_index())

    def _lexical_schema(self, layout: Layout) -> tuple[Any, Any]:
        from pymilvus import DataType, Function, FunctionType

        schema = self._schema(layout.dimension)
        self._metadata_fields(schema)
        analyzer = CHINESE_ANALYZER if layout.chinese else ENGLISH_ANALYZER
        schema.add_field(
            "text",
            DataType.VARCHAR,
            max_length=MAX_TEXT_BYTES,
            enable_analyzer=True,
            analyzer_params=analyzer,
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["text"],
                output_field_names=["sparse"],
            )
        )
        index = self._vector_index()
        index.add_index(
            "sparse",
            index_type="SPARSE_INVERTED_INDEX",
            metric_type="BM25",
            params={"bm25_k1": 1.5, "bm25_b": 0.75},  # as qa's own BM25 (qa.index.lexical)
        )
        return schema, index

    def _schema(self, dimension: int) -> Any:
        from pymilvus import DataType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        return schema

    @staticmethod
    def _metadata_fields(schema: Any) -> None:
        from pymilvus import DataType

        schema.add_field("doc_id", DataType.VARCHAR, max_length=64)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("passage", DataType.INT64)

    def _vector_index(self) -> Any:
        index = self.client.prepare_index_params()
        index.add_index("vector", index_type="HNSW", metric_type="IP", params=HNSW)
        return index

    def _create(self, which: str, schema: Any, index: Any) -> None:
        self.client.create_collection(
            self.collection(which), schema=schema, index_params=index, consistency_level="Strong"
        )

    # ---- rows -------------------------------------------------------------------------

    def keys(self, which: str) -> np.ndarray:
        """Every id in the collection, sorted."""
        found: list[int] = []
        with _quiet_pymilvus():
            iterator = self.client.query_iterator(
                self.collection(which), batch_size=10_000, filter="", output_fields=["id"]
            )
            while batch := iterator.next():
                found.extend(row["id"] for row in batch)
            iterator.close()
        return np.unique(np.asarray(found, dtype=np.int64))

    def count(self, which: str) -> int:
        rows = self.client.query(self.collection(which), filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def upsert(self, which: str, rows: Sequence[dict[str, Any]]) -> None:
        """Write `rows` (field name -> value), a batch at a time; a row whose id is present
        replaces it."""
        if which == SENTENCES and not self.lexical:
            rows = [{k: v for k, v in row.items() if k != "text"} for row in rows]
        for start in range(0, len(rows), WRITE_BATCH):
            self.client.upsert(self.collection(which), list(rows[start : start + WRITE_BATCH]))

    def delete(self, which: str, ids: np.ndarray) -> None:
        for start in range(0, len(ids), WRITE_BATCH):
            chunk = ids[start : start + WRITE_BATCH].tolist()
            self.client.delete(self.collection(which), ids=chunk)

    def vectors(self, which: str, ids: np.ndarray) -> dict[int, np.ndarray]:
        """The stored vectors of `ids` (those present), by id."""
        found: dict[int, np.ndarray] = {}
        for start in range(0, len(ids), WRITE_BATCH):
            chunk = ids[start : start + WRITE_BATCH].tolist()
            rows = self.client.get(
                self.collection(which), ids=chunk, output_fields=["vector"], **_READ
            )
            for row in rows:
                found[int(row["id"])] = np.asarray(row["vector"], dtype=np.float32)
        return found

    def search(self, which: str, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The `k` nearest ids by inner product, best first, with their scores."""
        hits = self.client.search(
            self.collection(which),
            data=[vector.astype(np.float32).tolist()],
            anns_field="vector",
            limit=k,
            search_params={"params": {"ef": max(k, 64)}},
            **_READ,
        )[0]
        return [(int(hit["id"]), float(hit["distance"])) for hit in hits]

    def hybrid(self, vector: np.ndarray, text: str, k: int) -> dict[int, np.ndarray]:
        """The sentences Milvus finds for a question by dense search and by its own BM25,
        `k` of each fused by reciprocal rank fusion (`hybrid_search`, RRF k=60), in fused
        order, with their stored vectors."""
        from pymilvus import AnnSearchRequest, RRFRanker

        requests = [
            AnnSearchRequest(
                [vector.astype(np.float32).tolist()], "vector", {"params": {"ef": max(k, 64)}}, k
            ),
            AnnSearchRequest([text], "sparse", {}, k),
        ]
        hits = self.client.hybrid_search(
            self.collection(SENTENCES),
            requests,
            RRFRanker(60),
            limit=2 * k,
            output_fields=["vector"],
            **_READ,
        )[0]
        return {
            int(hit["id"]): np.asarray(hit["entity"]["vector"], dtype=np.float32) for hit in hits
        }


def _lite_noise(record: logging.LogRecord) -> bool:
    """Milvus Lite's in-process gRPC server logs, as an error with a traceback, each call to
    the one method it lacks (AllocTimestamp), which pymilvus tries and does without."""
    return "Method not implemented" not in record.getMessage()


@contextmanager
def _quiet_pymilvus() -> Iterator[None]:
    """pymilvus logs every failed call as an error, and its query iterator a warning about
    timestamps on Milvus Lite; around calls whose failure is expected, say nothing."""
    logger = logging.getLogger("pymilvus")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)
