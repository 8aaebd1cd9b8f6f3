"""Converting an untrusted file in a child process with a memory limit and a time limit.

PDF, Word and HTML files are parsed whole by third-party parsers, where a small crafted file
can take gigabytes or minutes (a 3 MB .docx that inflates to 3 GB). Each such file is read in
a child forked from a server process that has the converters imported already (a
multiprocessing "forkserver", so a file costs a fork, not an interpreter start): its address
space is capped (`RLIMIT_AS`, at its size when forked plus the memory limit), it is killed at
the time limit, and it cannot open network sockets. A file over a limit is skipped with a
reason naming the limit and the setting that raises it; the process that asked (the chat
server, `qa index`) never holds more than the converted text.

Settings (environment variables): `QA_CONVERT_MEMORY_MB` (default 1024),
`QA_CONVERT_SECONDS` (default 60), `QA_CONVERT_ISOLATED=0` to convert in-process (debugging).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from multiprocessing import spawn
from multiprocessing.connection import Connection
from typing import Any

from qa.errors import QAError
from qa.ingest.converters.common import Extracted

MEMORY_VARIABLE = "QA_CONVERT_MEMORY_MB"
SECONDS_VARIABLE = "QA_CONVERT_SECONDS"
ISOLATED_VARIABLE = "QA_CONVERT_ISOLATED"
_PRELOAD = [
    "qa.ingest.converters.pdf",
    "qa.ingest.converters.web",
    "qa.ingest.converters.word",
    "pypdf",
    "trafilatura",
    "docx",
]


CHILD_NAME = "qa-convert"  # the converting children's process name


class ParserFailed(Exception):  # noqa: N818 - said as "its parser failed: ..."
    """A converter's unexpected error in the child, as `TypeName: message`."""


@dataclass(frozen=True)
class Limits:
    """What one file's conversion may take."""

    memory_mb: int = 1024
    seconds: float = 60.0
    isolated: bool = True

    @classmethod
    def from_environment(cls) -> Limits:
        """The limits the environment sets (see the module docstring)."""
        try:
            return cls(
                memory_mb=int(os.environ.get(MEMORY_VARIABLE, cls.memory_mb)),
                seconds=float(os.environ.get(SECONDS_VARIABLE, cls.seconds)),
                isolated=os.environ.get(ISOLATED_VARIABLE, "1") != "0",
            )
        except ValueError as exc:
            raise QAError(
                f"{MEMORY_VARIABLE} and {SECONDS_VARIABLE} must be numbers ({exc}); "
                "unset them for the defaults (1024 MB, 60 s)"
            ) from None


def convert_isolated(
    convert: Callable[[bytes, str], Extracted], data: bytes, name: str, limits: Limits
) -> Extracted:
    """`convert(data, name)` in a child process within `limits`.

    Raises:
        QAError: The conversion's own error, or the limit it ran past (and how to raise it),
            or the child died.
    """
    if not limits.isolated:
        return convert(data, name)
    receiver, sender = _context().Pipe(duplex=False)
    child = _context().Process(
        target=_child,
        args=(sender, convert, data, name, limits.memory_mb),
        name=CHILD_NAME,
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.seconds):
            raise QAError(
                f"{name}: reading it took longer than {limits.seconds:g} s, the time limit for "
                f"one file; set {SECONDS_VARIABLE} to allow more",
                zh=f"{name}：读取时间超过了单个文件的时限 {limits.seconds:g} 秒；"
                f"可设置 {SECONDS_VARIABLE} 放宽",
            )
        kind, value = receiver.recv()
    except EOFError:
        child.join(5)
        raise QAError(
            f"{name}: its parser crashed (exit status {child.exitcode}; it may have run out of "
            f"the {limits.memory_mb} MB it may use, {MEMORY_VARIABLE}); save the file again or "
            "copy its text into a .txt file and add that",
            zh=f"{name}：解析程序崩溃了（退出状态 {child.exitcode}；可能用尽了允许的 "
            f"{limits.memory_mb} MB 内存，{MEMORY_VARIABLE}）；请重新保存该文件，"
            "或把文字复制到 .txt 文件中再添加",
        ) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if kind == "memory":
        raise QAError(
            f"{name}: reading it needs more than {limits.memory_mb} MB of memory, the limit "
            f"for one file (a compressed file can inflate far beyond its size); set "
            f"{MEMORY_VARIABLE} to allow more",
            zh=f"{name}：读取它需要超过单个文件的内存上限 {limits.memory_mb} MB"
            f"（压缩文件解压后可能远大于本身）；可设置 {MEMORY_VARIABLE} 放宽",
        )
    if kind == "error":
        raise QAError(*value)
    if kind == "crash":
        raise value
    return value


@cache
def _context() -> Any:  # noqa: ANN401 - a multiprocessing context
    spawn.get_preparation_data = partial(_without_main, spawn.get_preparation_data)
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _without_main(preparation: Callable[[str], dict[str, Any]], name: str) -> dict[str, Any]:
    """multiprocessing's preparation data for a new process named `name`, without the
    caller's main module when it is one of ours. multiprocessing runs the main script again in
    each child it starts this way; a user's script without `if __name__ == "__main__":` would
    then run whole in every converting child and fail there ("An attempt has been made to
    start a new process before the current process has finished its bootstrapping phase").
    The child runs qa's own functions only, so it needs no part of the caller's script."""
    data = preparation(name)
    if name == CHILD_NAME:
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


def _child(
    sender: Connection,
    convert: Callable[[bytes, str], Extracted],
    data: bytes,
    name: str,
    memory_mb: int,
) -> None:
    _cap_memory(memory_mb)
    _no_network()
    try:
        result: tuple[str, Any] = ("ok", convert(data, name))
    except MemoryError:
        result = ("memory", None)
    except QAError as exc:
        result = ("error", (str(exc), exc.zh))
    except Exception as exc:  # noqa: BLE001 - reported as the parser's failure by the parent
        result = ("crash", ParserFailed(f"{type(exc).__name__}{f': {exc}' if str(exc) else ''}"))
    try:
        sender.send(result)
    except MemoryError:
        sender.send(("memory", None))


def _cap_memory(memory_mb: int) -> None:
    """Cap the address space at its size now plus `memory_mb` (Linux; elsewhere no cap)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return
    limit = size + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _no_network() -> None:
    """No converter needs the network: a socket opened while converting is refused."""

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError("converting a file may not use the network")

    socket.socket = refused  # type: ignore[assignment, misc]
    socket.create_connection = refused  # type: ignore[assignment]
