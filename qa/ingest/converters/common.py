"""What every format's converter returns, and the separators and newlines they share."""

from __future__ import annotations

from dataclasses import dataclass

BLOCK_SEPARATOR = "\n\n"
CELL_SEPARATOR = " | "


@dataclass(frozen=True)
class Extracted:
    """What a format's converter found: the text, a title when the file names one, page starts."""

    text: str
    title: str | None = None
    pages: tuple[int, ...] = ()


def normalise_newlines(text: str) -> str:
    """The same newlines as Python's universal-newline reading, which this project always used."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
