"""Embedding on a pool of Ray actors, each loading the model once, for `qa index --ray`.

The vectors of a bulk embedder depend a little on which texts share a call (each call is cut
into length-sorted padded batches; in bfloat16 that moves a vector by up to about 1e-3). So the
actors make exactly the calls the single-process path makes (`planned_calls`), one call per
actor at a time, and indexing reads each call's vectors back: the vectors are identical to
the single-process path's, not merely close.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from embeddings import Embedder, LazyEmbedder, embed_queries
from qa.index.embedding import embedding_calls
from qa.progress import Progress, quiet
from qa.scale.ray_checkpoint import EmbeddingCheckpoint, call_key

log = logging.getLogger(__name__)


def planned_calls(texts: Sequence[str], first_row: int) -> list[Sequence[str]]:
    """The `embed` calls indexing makes for new sentences whose texts are `texts`, in rows from
    `first_row` on (after the sentences it keeps): `qa.index.embedding.embedding_calls`, for the FAISS
    store and Milvus alike."""
    rows = np.arange(first_row, first_row + len(texts))
    return [texts[call[0] - first_row : call[-1] - first_row + 1] for call in embedding_calls(rows)]


class RayEmbedder:
    """An `Embedder` whose vectors come from Ray actors, through the checkpoint.

    `prepare` embeds the calls indexing will make in one streaming Ray Data pass, saving each
    call's vectors in the checkpoint as it arrives; `embed` then reads them back. A call not
    prepared (indexing that went another way) gets a pass of its own, with one actor.
    Questions (`embed_queries`) are embedded in this process.

    Args:
        make: Builds the embedder; each actor calls it once (it is sent to them pickled).
        name: The model's name.
        checkpoint: Where vectors are kept until the store is saved.
        workers: How many actors embed at once.
    """

    def __init__(
        self,
        make: Callable[[], Embedder],
        name: str,
        checkpoint: EmbeddingCheckpoint,
        workers: int,
    ) -> None:
        self.name = name
        self.checkpoint = checkpoint
        self.workers = workers
        self._make = make
        self._dimension: int | None = None
        self._local: Embedder | None = None

    @property
    def dimension(self) -> int:
        """The vector length (learnt from the first vectors; one short call if none yet)."""
        if self._dimension is None:
            self._dimension = int(self.embed([self.name]).shape[1])
        return self._dimension

    @dimension.setter
    def dimension(self, value: int) -> None:  # the `Embedder` protocol's is an attribute
        self._dimension = value

    def prepare(self, calls: Sequence[Sequence[str]], progress: Progress = quiet) -> int:
        """Embed the `calls` the checkpoint lacks; returns how many texts that was."""
        wanted = {call_key(self.name, c): c for c in calls}
        missing = {k: c for k, c in wanted.items() if k not in self.checkpoint}
        total = sum(len(c) for c in missing.values())
        log.info(
            "embedding %d sentences in %d calls on %d Ray actors (%d calls in the checkpoint)",
            total,
            len(missing),
            min(self.workers, len(missing)),
            len(wanted) - len(missing),
        )
        if missing:
            self._on_ray(missing, total, progress)
        return total

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit float32 rows, one per text: the vectors of this call, prepared or not."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        key = call_key(self.name, texts)
        if key not in self.checkpoint:
            log.info("embedding a call of %d sentences that was not prepared", len(texts))
            self._on_ray({key: texts}, len(texts), quiet)
        vectors = self.checkpoint.vectors(key)
        self._dimension = vectors.shape[1]
        return vectors

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """As `embed`, for questions (`embeddings.base.embed_queries`), in this process."""
        if self._local is None:
            self._local = LazyEmbedder(self._make, self.name, self.dimension)
        return embed_queries(self._local, texts)

    def _on_ray(self, calls: dict[str, Sequence[str]], total: int, progress: Progress) -> None:
        import ray.data

        items = [{"key": key, "texts": list(texts)} for key, texts in calls.items()]
        embedded = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            _CallEmbedder,
            fn_constructor_args=(self._make,),
            batch_size=1,  # one call per actor at a time: the calls stay as planned
            compute=ray.data.ActorPoolStrategy(size=min(self.workers, len(items))),
            num_cpus=1,
        )
        done = 0
        progress("embedding", done, total)
        for batch in embedded.iter_batches(batch_size=None, batch_format="numpy"):
            for key, rows, data in zip(batch["key"], batch["rows"], batch["vectors"]):
                vectors = np.frombuffer(data, dtype=np.float32).reshape(int(rows), -1)
                self.checkpoint.save(str(key), vectors)
                self._dimension = vectors.shape[1]
                done += int(rows)
            progress("embedding", done, total)


class _CallEmbedder:
    """A Ray actor: loads the model once, then embeds one planned call per batch row."""

    def __init__(self, make: Callable[[], Embedder]) -> None:
        self.embedder = make()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        vectors = [self.embedder.embed([str(t) for t in texts]) for texts in batch["texts"]]
        return {
            "key": list(batch["key"]),
            "rows": [len(v) for v in vectors],
            # bytes: a call's rows vary in number, which a tensor column would not take
            "vectors": [np.ascontiguousarray(v, dtype=np.float32).tobytes() for v in vectors],
        }
