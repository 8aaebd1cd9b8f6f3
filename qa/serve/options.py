"""What the `qa` command line and app.py share: where things are kept by default (the only
environment reads besides theirs), logging, and the options of the chat server."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
from pathlib import Path

from qa.errors import QAError
from qa.serve.login import LoginPolicy


def cache_dir() -> Path:
    """Where the sample store is cached: $QA_CACHE_DIR, else ~/.cache/qa-assistant."""
    from qa.assistant import DEFAULT_CACHE_DIR

    return Path(os.environ.get("QA_CACHE_DIR") or DEFAULT_CACHE_DIR)


def default_store() -> Path:
    """The chat's collection when no --store is given: $QA_STORE, else
    ~/.local/share/qa-assistant/collection (created with the sample article on first start)."""
    default = Path.home() / ".local" / "share" / "qa-assistant" / "collection"
    return Path(os.environ.get("QA_STORE") or default)


def configure_logging(verbose: bool) -> None:
    """Show this project's progress messages (when verbose) and only warnings from libraries."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for ours in ("qa", "embeddings"):
        logging.getLogger(ours).setLevel(logging.INFO if verbose else logging.WARNING)
    import bm25s  # noqa: F401 - it sets its own logger to DEBUG on import; quiet it after that

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    # transformers draws a "Loading weights" bar on every model load; it is noise in a CLI.
    # It reads this on import, which answering a question no longer needs at all.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """The options `python app.py` and `qa serve` share."""
    slow = LoginPolicy()
    parser.add_argument(
        "--store",
        type=Path,
        help="the collection's store folder; documents uploaded in the chat are saved there "
        "(default $QA_STORE or ~/.local/share/qa-assistant/collection, created with the "
        "bundled sample article on first start)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default 127.0.0.1: this machine only; 0.0.0.0 for all)",
    )
    parser.add_argument(
        "--port", type=int, default=None, help="default $GRADIO_SERVER_PORT or 7860"
    )
    parser.add_argument(
        "--auth",
        default=os.environ.get("QA_AUTH"),
        metavar="USER:PASSWORD",
        help="require this login (default $QA_AUTH; the variable keeps it out of `ps`); after "
        f"{slow.free_failures} wrong passwords, logins for that user name or from that address "
        f"are refused for {slow.first_delay:g} s, doubling with each further one up to "
        f"{slow.max_delay:g} s",
    )
    parser.add_argument(
        "--keep-uploads",
        action="store_true",
        help="keep the original of each document uploaded in the chat, in NAME.uploads/ beside "
        "the store folder NAME, until the document is removed (default: an uploaded file is "
        "deleted once it is indexed or refused)",
    )


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """`USER:PASSWORD` as a (user, password) pair; None for no login."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise QAError("--auth must be USER:PASSWORD, both non-empty (or set QA_AUTH the same way)")
    return user, password


def serve_argv(args: argparse.Namespace) -> list[str]:
    """The command line that gives app.py the serve options in `args` (the login travels in
    $QA_AUTH, out of `ps`)."""
    if args.auth:
        os.environ["QA_AUTH"] = args.auth
    argv = ["--host", args.host]
    if args.store is not None:
        argv += ["--store", str(args.store)]
    if args.port is not None:
        argv += ["--port", str(args.port)]
    if args.keep_uploads:
        argv.append("--keep-uploads")
    return argv


def check_port(host: str, port: int) -> None:
    """Raises QAError, saying how to choose another port, when the server could not listen on
    `host:port` (as uvicorn binds: SO_REUSEADDR, so only a listening socket is in the way)."""
    if not 1 <= port <= 65535:
        raise QAError(f"port {port} is out of range; choose 1 to 65535 with --port N")
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except socket.gaierror as exc:
        raise QAError(f"cannot listen on host {host!r} ({exc.strerror}); check --host") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise QAError(_port_in_use(host, port)) from None
        raise QAError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another with --port N "
            "(or GRADIO_SERVER_PORT=N)"
        ) from None


def _port_in_use(host: str, port: int) -> str:
    return (
        f"port {port} on {host} is in use (is the chat already running?); choose another with "
        "--port N (or GRADIO_SERVER_PORT=N)"
    )
