"""Token ids for a batch of texts, from a fast (`tokenizers`) tokenizer, padded by hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def fast_tokenizer(serialised: str, max_length: int) -> Any:
    """A `tokenizers.Tokenizer` from its JSON, truncating to `max_length` (a pair: the longer
    text first) and not padding (each batch is padded to its own longest text by `padded`)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(serialised)
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length, strategy="longest_first")
    return tokenizer


def padded(encodings: Sequence[Any], pad_id: int) -> dict[str, np.ndarray]:
    """`input_ids`, `attention_mask` and `token_type_ids` of `tokenizers` encodings, padded to
    the longest with `pad_id` (masked out)."""
    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(encodings), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    types = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        n = len(encoding.ids)
        ids[row, :n], mask[row, :n], types[row, :n] = encoding.ids, 1, encoding.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def by_length(encodings: Sequence[Any], batch_size: int) -> list[np.ndarray]:
    """Row numbers in batches of `batch_size`, shortest texts first, so a batch's texts are of
    similar length and carry little padding."""
    order = np.argsort([len(e.ids) for e in encodings], kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
