"""Telling Chinese documents apart, to pick the pieces that read them."""

from __future__ import annotations

import re
from collections.abc import Iterable

CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
_LETTER = re.compile(r"[^\W\d_]")
# A document counts as Chinese when this share of its letters are CJK characters: any
# Chinese article passes (quoted English names and numbers aside), and an English one
# quoting a few Chinese names does not.
CHINESE_SHARE = 0.3
SAMPLE_CHARS = 100_000


def is_chinese(text: str) -> bool:
    """Whether at least `CHINESE_SHARE` of the letters among the first `SAMPLE_CHARS`
    characters of `text` are CJK characters."""
    sample = text[:SAMPLE_CHARS]
    letters = _LETTER.subn("", sample)[1]
    return letters > 0 and _CJK_CHAR.subn("", sample)[1] >= CHINESE_SHARE * letters


def any_chinese(texts: Iterable[str]) -> bool:
    """Whether any of `texts` is Chinese (`is_chinese`)."""
    return any(is_chinese(text) for text in texts)
