"""Plain text in any common encoding: byte-order mark, UTF-8, or what chardet detects.

A file larger than `CHUNK_BYTES` is decoded a chunk at a time, its encoding judged from the
first chunk, so reading needs memory for the text and one chunk, whatever the file's size.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

from qa.errors import QAError
from qa.ingest.converters.common import Extracted, normalise_newlines
from qa.progress import Progress, quiet

log = logging.getLogger(__name__)

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),  # before UTF-16: its BOM starts with UTF-16 LE's
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def read_text(data: bytes, name: str) -> Extracted:
    """Decode a text file: by its byte-order mark, as UTF-8, or in the encoding chardet detects.

    chardet rather than charset-normalizer: on a set of GBK, GB18030, Big5, Shift-JIS, cp1251,
    cp1252 and Latin-1 samples (one to five sentences each) chardet 7.7 decoded 10 of 11
    correctly, charset-normalizer 3.5 7 of 11, misreading every Western European one.
    """
    text = _decode(data, name)
    if "\x00" in text:
        raise _binary(name)
    return Extracted(normalise_newlines(text))


CHUNK_BYTES = 4 << 20


def read_text_file(path: Path, name: str, progress: Progress = quiet) -> Extracted:
    """Read a text file of any size (see the module docstring), reporting `reading` progress
    in bytes; a file of one chunk or less is read exactly as `read_text` reads bytes."""
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(CHUNK_BYTES)
        if len(head) < CHUNK_BYTES:
            return read_text(head, name)
        encoding = _encoding(head, name)
        decoder = codecs.getincrementaldecoder(encoding)()
        parts: list[str] = []
        carry = ""  # a final "\r" waits for the next chunk, which may start with "\n"
        chunk, done = head, 0
        while chunk:
            text = carry + _decode_chunk(decoder, chunk, name, done)
            carry = text[-1:] if text.endswith("\r") else ""
            if "\x00" in text:
                raise _binary(name)
            parts.append(normalise_newlines(text[: len(text) - len(carry)]))
            done += len(chunk)
            progress("reading", done, size)
            chunk = file.read(CHUNK_BYTES)
        parts.append(normalise_newlines(carry + _decode_chunk(decoder, b"", name, done)))
    return Extracted("".join(parts))


def _decode_chunk(decoder: codecs.IncrementalDecoder, chunk: bytes, name: str, at: int) -> str:
    """Decode the next chunk (`b""` ends the file); from the first byte that is not valid in
    the file's encoding on, such bytes become U+FFFD, as `_decode` does past chardet's sample."""
    try:
        return decoder.decode(chunk, final=not chunk)
    except UnicodeDecodeError as exc:
        if decoder.errors == "replace":
            raise
        log.warning(
            "%s: bytes from about byte %d on are not valid %s; they are replaced by U+FFFD",
            name,
            at + exc.start,
            exc.encoding,
        )
        decoder.errors = "replace"
        return decoder.decode(chunk, final=not chunk)


def _encoding(head: bytes, name: str) -> str:
    """The encoding of a large file, judged from its first chunk as `_decode` judges a file."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # a cut last character is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    import chardet

    guess = chardet.detect(head, encoding_era=chardet.EncodingEra.MODERN_WEB, prefer_superset=True)
    if guess["encoding"] is None:
        raise _binary(name)
    log.info("%s is not UTF-8; decoding it as %s", name, guess["encoding"])
    return str(guess["encoding"])


def _decode(data: bytes, name: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    import chardet

    guess = chardet.detect(data, encoding_era=chardet.EncodingEra.MODERN_WEB, prefer_superset=True)
    detected = guess["encoding"]
    if detected is None:
        raise _binary(name)
    # chardet names an encoding that decodes the bytes it examined; past those, or in a file
    # that mixes encodings, a stray byte becomes U+FFFD rather than refusing the whole file.
    text = data.decode(detected, errors="replace")
    log.info("%s is not UTF-8; decoded it as %s", name, detected)
    return text


def _binary(name: str) -> QAError:
    return QAError(
        f"{name} looks binary, not text; add PDF, Word and web pages as .pdf, .docx or .html "
        "files, or save the text as UTF-8",
        zh=f"{name} 看起来是二进制文件，不是文字；PDF、Word 文档和网页请以 .pdf、.docx 或 "
        ".html 文件添加，或把文字另存为 UTF-8",
    )
