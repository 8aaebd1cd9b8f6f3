"""The one exception type shown to users as it is; every message says how to fix the problem."""

from __future__ import annotations


class QAError(Exception):
    """A problem the user can fix: bad input, a missing or mismatched store, a bad setting.

    `str(error)` is the English message (the command line's, the API's and the logs'); where
    the chat can show the error to someone reading it in Chinese, `zh` says the same in
    Chinese (`said`). It survives pickling (a converter's error crosses a process boundary)."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh

    def said(self, language: str) -> str:
        """The message in `language` ("en" or "zh"): English where no Chinese was given."""
        return said_in(language, str(self), self.zh)


def said_in(language: str, english: str, chinese: str | None) -> str:
    """`chinese` where `language` is "zh" and there is one, else `english`."""
    return chinese if language == "zh" and chinese else english


class DamagedStoreError(QAError):
    """A store whose files are missing, truncated or inconsistent; `qa index` rebuilds it."""
