"""Progress of long work (reading, splitting and embedding a collection), as one callback
that the command line shows as bars and the chat as its progress bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[str, int, int], None]
"""Called as `progress(phase, done, total)` during long work. The phases, in order:
`reading` (bytes of one file), `splitting` (characters of the documents being split) and
`embedding` (sentences)."""

_UNITS = {"reading": "B", "splitting": " chars", "embedding": " sentences"}


def quiet(phase: str, done: int, total: int) -> None:
    """Progress that shows nothing."""


class Bars:
    """Progress as tqdm bars on stderr, one per phase and (for reading) per file; a bar shows
    only for work that takes a while (tqdm's `delay`)."""

    def __init__(self, delay: float = 0.5) -> None:
        self._delay = delay
        self._bar: Any = None
        self._key: tuple[str, int] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if self._key != (phase, total) or (self._bar is not None and done < self._bar.n):
            self.close()
            scale = phase != "embedding"
            self._bar = tqdm(
                total=total,
                desc=phase,
                unit=_UNITS.get(phase, ""),
                unit_scale=scale,
                delay=self._delay,
                leave=False,
            )
            self._key = (phase, total)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._key = None, None

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
