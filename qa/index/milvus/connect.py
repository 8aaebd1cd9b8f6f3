"""Which Milvus collections a store uses: their names and the space that `Settings` point at."""


from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from embeddings import MULTILINGUAL_MODEL
from qa.errors import QAError
from qa.index.milvus.space import MilvusSpace
from qa.settings import Settings

URI_VARIABLE = "QA_MILVUS_URI"



def collection_name(store: str | Path) -> str:
    """A Milvus name for a store's collections: `qa_`, its folder's name in letters, digits
    and underscores, and a short hash of its full path (two folders of one name differ)."""
    path = Path(store).resolve()
    readable = re.sub(r"[^A-Za-z0-9_]", "_", path.name)[:40]
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    return f"qa_{readable}_{digest}"


def space_of(settings: Settings) -> MilvusSpace | None:
    """The Milvus collections `settings` name, or None for the local FAISS indexes.

    The environment variable QA_MILVUS_URI, when set, replaces the stored address (the same
    store served from a machine that reaches Milvus by another name)."""
    if not settings.milvus:
        return None
    if not settings.milvus_collection:
        raise QAError(
            "settings.milvus is set but settings.milvus_collection is empty; name the collection"
        )
    uri = os.environ.get(URI_VARIABLE) or settings.milvus
    chinese = settings.embedder == MULTILINGUAL_MODEL
    return MilvusSpace(uri, settings.milvus_collection, settings.embedder, chinese)
