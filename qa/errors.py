"""The one exception type shown to users as it is; every message says how to fix the problem."""


class QAError(Exception):
    """A problem the user can fix: bad input, a missing or mismatched store, a bad setting."""


class DamagedStoreError(QAError):
    """A store whose files are missing, truncated or inconsistent; `qa index` rebuilds it."""
