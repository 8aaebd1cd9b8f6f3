"""Telling Chinese documents apart, to pick the pieces that read them, and text from encoded data."""

from __future__ import annotations

import re
from collections.abc import Iterable

from qa.errors import QAError

CJK = "\u3400-\u9fff\uf900-\ufaff"
CJK_CHAR = re.compile(f"[{CJK}]")  # one CJK character
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
    return letters > 0 and CJK_CHAR.subn("", sample)[1] >= CHINESE_SHARE * letters


def any_chinese(texts: Iterable[str]) -> bool:
    """Whether any of `texts` is Chinese (`is_chinese`)."""
    return any(is_chinese(text) for text in texts)


# No language writes 200 printable ASCII characters without a space: a run that long is
# base64, a hex dump, minified code or a long rule (CJK text, which has no spaces, is not ASCII).
_ENCODED_RUN = re.compile(r"[!-~]{200,}")
ENCODED_SHARE = 0.5
ENCODED_MIN_CHARS = 100_000  # below this, a long link or two costs nothing worth refusing


def encoded_share(text: str) -> float:
    """The share of `text` in runs of 200 or more printable ASCII characters without a space."""
    if not text:
        return 0.0
    return sum(m.end() - m.start() for m in _ENCODED_RUN.finditer(text)) / len(text)


def encoded_error(name: str, text: str) -> QAError | None:
    """Why the file `name`, whose text is `text`, is encoded data rather than text (at least
    `ENCODED_MIN_CHARS` long and `ENCODED_SHARE` of it or more in runs `encoded_share` counts),
    or None. Such a file would be cut into thousands of "sentences" that no question matches,
    each embedded at the model's full length (a 50 MB line of base64: 50,762 of them, 13
    minutes on 2 cores)."""
    share = encoded_share(text) if len(text) >= ENCODED_MIN_CHARS else 0.0
    if share < ENCODED_SHARE:
        return None
    return QAError(
        f"{name} reads as encoded data, not text: {share:.0%} of its {len(text):,} characters "
        "are in runs of 200 or more without a space (base64, a hex dump or minified code?); "
        "convert it to text first",
        zh=f"{name} 读起来是编码数据而不是文字：其 {len(text):,} 个字符中有 {share:.0%} "
        "处在 200 个以上不含空格的连续串里（base64、十六进制转储或压缩过的代码？）；请先转换成文字",
    )
