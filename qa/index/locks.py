"""The lock files beside a store: one writer at a time for a whole change (`writing`), and
readers kept out of the swap's two renames (`locked(folder, "swap", shared=True)`).

The store's parent may be a folder others can write (`/tmp`): lock files are opened without
following symbolic links (O_NOFOLLOW) and refused when they are links or belong to another
user than this one or the parent folder's owner (who controls that folder anyway).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import QAError

_held = threading.local()  # the stores whose write lock this thread holds (`writing`)


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Hold the store's write lock for a whole change: from reading its state to saving the
    result, so another writer (a thread or a process) changes the store before or after,
    never in between. Re-entrant within a thread: `save_store` inside it does not wait.

    Raises:
        QAError: `folder` is a file, or its folder cannot be written (said before any work is
            done, not after embedding); the lock file is a symbolic link or another user's
            (the message says what to remove).
    """
    folder = store_folder(Path(folder))
    key = str(folder.resolve())
    held: set[str] = _held.__dict__.setdefault("folders", set())
    if key in held:
        yield
        return
    _check_writable(folder)
    with locked(folder, "write"):
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)


def store_folder(folder: Path) -> Path:
    """`folder`, once it is known not to be a file (`--store notes.txt`)."""
    if folder.exists() and not folder.is_dir():
        raise QAError(
            f"{folder} is a file, not a store folder; give a folder for the store (a new one, "
            "or one that holds a store)"
        )
    return folder


def _check_writable(folder: Path) -> None:
    """Make sure a store can be written beside `folder` (its temporary copy and lock files
    go there) before a change starts."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=f".{folder.name}.probe-", dir=folder.parent))
    except OSError as exc:
        raise QAError(
            f"cannot write the store {folder}: {exc.strerror or exc} in {folder.parent}; "
            "choose a folder you can write (--store DIR) or fix its permissions"
        ) from exc


@contextmanager
def locked(folder: Path, kind: str, shared: bool = False) -> Iterator[None]:
    """Hold the store's `kind` lock ("write": one writer at a time; "swap": the swap's renames
    against readers, who take it shared). Where no lock file can be made or opened (a store
    read from a folder this user may not write) there is nobody to take turns with, so reading
    goes on unlocked.

    Raises:
        QAError: The lock file is a symbolic link, not a file, or another user's.
    """
    descriptor = _open_lock(folder.with_name(f".{folder.name}.{kind}.lock"))
    if descriptor is None:
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _open_lock(path: Path) -> int | None:
    """The lock file opened (created, mode 0o600, where missing), never through a symbolic
    link; None where it cannot be made or opened. A lock file is trusted when it is this
    user's or the store folder's parent's owner's (who controls that folder anyway)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _unsafe_lock(path, "a symbolic link") from exc
        if os.path.lexists(path):
            _check_lock(path, path.lstat())
        return None
    try:
        _check_lock(path, os.fstat(descriptor))
    except QAError:
        os.close(descriptor)
        raise
    return descriptor


def _check_lock(path: Path, info: os.stat_result) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise _unsafe_lock(path, "a symbolic link")
    if not stat.S_ISREG(info.st_mode):
        raise _unsafe_lock(path, "not a regular file")
    if info.st_uid not in {os.geteuid(), path.parent.stat().st_uid}:
        raise _unsafe_lock(path, f"owned by another user (uid {info.st_uid})")


def _unsafe_lock(path: Path, what: str) -> QAError:
    return QAError(
        f"the lock file {path} is {what}; another user may have put it there to make qa write "
        f"elsewhere or wait forever. Remove it (rm {path}) if no qa of yours is running, and "
        "keep stores in a folder only you can write"
    )
