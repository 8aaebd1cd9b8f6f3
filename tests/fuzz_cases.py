"""Hostile variants of valid files, made deterministically, for `tests/test_fuzzing.py`.

`cases(fmt, count, seed)` gives a format's fixed cases (a file of 0 bytes, zero bytes, odd
names, a huge line, bombs, deep nesting, broken encodings, a damaged zip...) and then random
mutants of valid seed files (truncated, bits flipped, bytes inserted or deleted, chunks
duplicated, zero runs, structural damage of the format), `count` of them. Every random
case is made by its own `random.Random(f"{seed}/{fmt}/{index}")`, so `random_case(fmt, seed,
index)` rebuilds one alone: a failure's label names all three.
"""

from __future__ import annotations

import io
import random
import re
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

import docx
from fpdf import FPDF

from scripts.hostile_files import docx_bomb, nested_html, pdf_bomb, raw_pdf

FORMATS = ("txt", "md", "html", "pdf", "docx")
NAME_MAX = 255  # bytes in one file name (Linux: ext4, tmpfs, btrfs, xfs)
HUGE_LINE = 2_000_000  # bytes (UTF-8) of a "huge single line"
BOMB_INFLATED = 300_000_000  # bytes a bomb's compressed member or stream inflates to
BOMB_MEMORY_MB = "100"  # QA_CONVERT_MEMORY_MB while a bomb is read


@dataclass(frozen=True)
class Case:
    """One file to read, and what is known in advance about how it must end."""

    label: str  # how it was made; a random case's label names fmt, seed and index
    filename: str
    data: bytes = b""
    make: Callable[[Path], None] | None = None  # writes the file itself (bombs) instead of data
    env: Mapping[str, str] = field(default_factory=dict)  # environment while it is read
    chunk_bytes: int | None = None  # plain text read this many bytes at a time
    expect: str | None = None  # "document" or "refused" when known in advance
    match: str | None = None  # a pattern the refusal's message must contain

    def write(self, folder: Path) -> Path:
        path = folder / self.filename
        if self.make is not None:
            self.make(path)
        else:
            path.write_bytes(self.data)
        return path


# --- seeds: valid files with real sentences ------------------------------------------------

ENGLISH = [
    "The harbour authority of Vellmar opened the new northern pier on a grey Monday morning "
    "after two years of building work.",
    "Ferries to the outer islands will berth there from June, and the old pier will close for "
    "repairs.",
    "The pier was designed by the engineer Marta Olsson, who also drew the plans for the "
    "breakwater at Skagen.",
    "Her design uses granite blocks quarried on the island itself, so that the stone matches "
    "the old harbour walls.",
]
CHINESE = [
    "长江三角洲的产业链正在快速发展。",
    "联盟由十二所大学于二零二一年创立，负责协调三个省份的生物医药研究。",
    "它的主任是中国药科大学的一位教授。",
]
WESTERN = (
    "Café society met at the Hôtel de Ville. The naïve résumé was quoted twice by the "
    "committee's chair."
)


def _text_seeds() -> list[bytes]:
    english = "Vellmar harbour news\n\n" + " ".join(ENGLISH[:2]) + "\n\n" + " ".join(ENGLISH[2:])
    wrapped = "\n".join(re.findall(r".{1,60}(?:\s|$)", " ".join(ENGLISH)))
    return [
        (english + "\n").encode(),
        ("长江三角洲的产业链\n\n" + "".join(CHINESE) + "\n").encode(),
        ("Café society\r\n\r\n" + WESTERN + "\r\n").encode("cp1252"),
        ("HARBOUR NOTES\n=============\n\n" + wrapped + "\n\n1. Piers\n2. Ferries\n").encode(),
    ]


def _markdown_seeds() -> list[bytes]:
    notes = f"""---
title: Harbour notes
---
# Vellmar harbour

{ENGLISH[0]} {ENGLISH[1]}

## The design

- {ENGLISH[2]}
- {ENGLISH[3]}

| pier | opened |
|---|---|
| northern | 2024 |

```bash
qa index harbour --store s
```

> {WESTERN} See [the report](https://example.org/report?id=3).
"""
    chinese = "# 长江三角洲\n\n" + "\n\n".join(f"* {s}" for s in CHINESE) + "\n"
    return [notes.encode(), chinese.encode()]


def _html_seeds() -> list[bytes]:
    article = "".join(f"<p>{s}</p>\n" for s in ENGLISH)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Vellmar harbour | News</title>
<script>var tracking = "x";</script><style>p {{ color: red; }}</style></head>
<body><nav><a href="/">Home</a> | <a href="/about">About us</a></nav>
<article><h1>The new pier</h1>
{article}<table><tr><th>Pier</th><th>Opened</th></tr><tr><td>Northern</td><td>2024</td></tr></table>
<ul><li>{WESTERN}</li><li>Ferries run daily &amp; on Sundays.</li></ul>
<pre><code>qa index harbour
qa ask "who designed the pier?"</code></pre></article>
<footer>Copyright 2024 Vellmar News. All rights reserved.</footer></body></html>"""
    chinese = (
        '<html><head><meta charset="gbk"><title>长江三角洲的产业链</title></head><body><div>'
        + "".join(f"<p>{s}</p>" for s in CHINESE)
        + f"<p>{ENGLISH[0]}</p></div></body></html>"
    )
    return [page.encode(), chinese.encode("gbk")]


def _pdf(pages: list[str], title: str | None = None, compress: bool = True) -> bytes:
    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.set_font("helvetica", size=12)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def _pdf_seeds() -> list[bytes]:
    return [
        _pdf(["Vellmar harbour\n" + " ".join(ENGLISH[:2]), " ".join(ENGLISH[2:])], "Harbour"),
        # uncompressed: mutations hit the text operators themselves
        _pdf([ENGLISH[0], WESTERN, ENGLISH[3]], compress=False),
    ]


def _docx_seeds() -> list[bytes]:
    first = docx.Document()
    first.core_properties.title = "Vellmar harbour"
    first.add_heading("The new pier", level=1)
    for sentence in ENGLISH[:3]:
        first.add_paragraph(sentence)
    table = first.add_table(rows=2, cols=2)
    for r, row in enumerate([("Pier", "Opened"), ("Northern", "2024")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    first.add_paragraph(ENGLISH[3])
    second = docx.Document()
    second.add_paragraph("长江三角洲的产业链", style="Title")
    for sentence in CHINESE:
        second.add_paragraph(sentence, style="List Bullet")
    second.add_paragraph(WESTERN).add_run().add_break()
    out = []
    for document in (first, second):
        buffer = io.BytesIO()
        document.save(buffer)
        out.append(buffer.getvalue())
    return out


_SEEDS: dict[str, Callable[[], list[bytes]]] = {
    "txt": _text_seeds,
    "md": _markdown_seeds,
    "html": _html_seeds,
    "pdf": _pdf_seeds,
    "docx": _docx_seeds,
}


@cache
def seeds(fmt: str) -> tuple[bytes, ...]:
    """The valid files a format's mutants start from."""
    return tuple(_SEEDS[fmt]())


# --- byte mutations, for every format --------------------------------------------------------

Mutation = Callable[[random.Random, bytes], bytes]


def _at(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))] if data else data


def bit_flips(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 8, 32))):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 4)):
        at = _at(rng, data)
        data = data[:at] + rng.randbytes(rng.choice((1, 2, 3, 8, 64))) + data[at:]
    return data


def delete_bytes(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 3)):
        at = _at(rng, data)
        data = data[:at] + data[at + rng.choice((1, 2, 5, 50, 500)) :]
    return data


def duplicate_chunk(rng: random.Random, data: bytes) -> bytes:
    start = _at(rng, data)
    chunk = data[start : start + rng.choice((1, 16, 256, 4096))]
    at = _at(rng, data)
    return data[:at] + chunk * rng.choice((1, 2, 10, 100)) + data[at:]


def zero_bytes(rng: random.Random, data: bytes) -> bytes:
    at, n = _at(rng, data), rng.choice((1, 4, 64, 1024))
    if rng.random() < 0.5:
        return data[:at] + b"\x00" * n + data[at:]
    return data[:at] + b"\x00" * n + data[at + n :]


_INTERESTING = (b"\xff", b"\x00\x00", b"\x7f", b"\x80", b"\xff\xff\xff\xff", b"-1", b"0")
_INTERESTING += (b"999999999", b"4294967296", b"1e308", b"%s%n", b"{0}", b"\r", b"\r\n\r\n")


def interesting_values(rng: random.Random, data: bytes) -> bytes:
    at, value = _at(rng, data), rng.choice(_INTERESTING)
    return data[:at] + value + data[at + len(value) * rng.randint(0, 1) :]


def splice(fmt: str, rng: random.Random, data: bytes) -> bytes:
    """Part of another seed of the format, put in at a random place."""
    other = rng.choice(seeds(fmt))
    start = rng.randrange(len(other))
    at = _at(rng, data)
    return data[:at] + other[start : start + rng.randint(1, 2000)] + data[at:]


BYTE_MUTATIONS: list[Mutation] = [
    truncate,
    bit_flips,
    insert_bytes,
    delete_bytes,
    duplicate_chunk,
    zero_bytes,
    interesting_values,
]


# --- text: encodings and line breaks -----------------------------------------------------------


def _decoded(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def utf16_without_bom(rng: random.Random, data: bytes) -> bytes:
    return _decoded(data).encode(rng.choice(("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")))


def lone_surrogates(rng: random.Random, data: bytes) -> bytes:
    """UTF-8-ish bytes of surrogate code points (as CESU-8 or WTF-8 write them), alone."""
    text = _decoded(data)
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + chr(rng.choice((0xD800, 0xDBFF, 0xDC00, 0xDFFF))) + text[at:]
    return text.encode("utf-8", errors="surrogatepass")


_BAD_UTF8 = (b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf8\x88\x80\x80\x80", b"\xed\xa0\x80", b"\xc3")
_BAD_UTF8 += (b"\xf4\x90\x80\x80", b"\xfe\xff", b"\xef\xbb\xbf", b"\xe4\xb8")


def invalid_utf8(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 4)):
        at = _at(rng, data)
        data = data[:at] + rng.choice(_BAD_UTF8) + data[at:]
    return data


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")


def wrong_bom(rng: random.Random, data: bytes) -> bytes:
    """A byte-order mark before bytes of another encoding (or an odd number of bytes)."""
    return rng.choice(_BOMS) + data[: len(data) - rng.randint(0, 1)]


def other_encoding(rng: random.Random, data: bytes) -> bytes:
    """The text (or part of it) re-encoded in a legacy encoding, mixed with UTF-8."""
    text = _decoded(data)
    encoding = rng.choice(("gbk", "big5", "shift_jis", "cp1251", "cp1252", "latin-1", "cp037"))
    encoded = text.encode(encoding, errors="replace")
    if rng.random() < 0.5:
        return encoded
    at = _at(rng, data)
    return data[:at] + encoded[at:]


def random_bytes(rng: random.Random, data: bytes) -> bytes:
    return rng.randbytes(rng.choice((1, 2, 3, 16, 300, 4096)))


_ODD_CHARS = ("\r", "\r\n", "\n\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029", "\t")
_ODD_CHARS += ("\u200b", "\ufeff", "\u202e", "\x1b[31m", "\ufffd", "\U0001f600", "\u0301")


def odd_characters(rng: random.Random, data: bytes) -> bytes:
    """Control characters, odd line breaks, bidirectional marks, combining marks, emoji."""
    text = _decoded(data)
    for _ in range(rng.randint(1, 20)):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(_ODD_CHARS) * rng.choice((1, 1, 3, 100)) + text[at:]
    return text.encode()


_MARKDOWN_BITS = (
    "# ",
    "\n---\n",
    "\n```\n",
    "| a | b |\n|---|",
    "> > > ",
    "- ",
    "1. ",
    "[x](",
    "![",
    "<div>",
)
_MARKDOWN_BITS += (
    "\n===\n",
    "*",
    "_",
    "`",
    "\n    ",
    "<!--",
    "&#0;",
    "\\",
    "[^1]: ",
    "\n+++\n",
    "---\n",
)


def markdown_syntax(rng: random.Random, data: bytes) -> bytes:
    text = _decoded(data)
    for _ in range(rng.randint(1, 10)):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(_MARKDOWN_BITS) * rng.choice((1, 1, 5, 500)) + text[at:]
    return text.encode()


TEXT_MUTATIONS: list[Mutation] = [
    utf16_without_bom,
    lone_surrogates,
    invalid_utf8,
    wrong_bom,
    other_encoding,
    random_bytes,
    odd_characters,
    markdown_syntax,
]


# --- HTML: markup ---------------------------------------------------------------------------

_TAGS = ("<div>", "</div>", "<p>", "</p>", "<table>", "<tr>", "<td>", "</table>", "<li>", "<ul>")
_TAGS += ("<script>", "</script>", "<style>", "<!--", "-->", "<![CDATA[", "]]>", "<pre>", "<code>")
_TAGS += ("<br>", "<article>", "</article>", "<svg>", "<math>", "<template>", "<frameset>")
_TAGS += ("<plaintext>", "<xmp>", "<title>", "<textarea>", "<noscript>", "<iframe src=x>", "<head>")
_TAGS += ("&#0;", "&#xD800;", "&#x110000;", "&#13;", "&nbsp;", "&amp", "&bogus;", "<?xml?>")
_TAGS += ("<meta charset=utf-16>", "<meta charset=x-unknown>", "<meta charset=cp037>", "<!DOCTYPE")
_TAGS += (
    '<a href="javascript:alert(1)">',
    '<img src="',
    "<p class='",
    "<html>",
    "</html>",
    "<body>",
)


def markup(rng: random.Random, data: bytes) -> bytes:
    """Tags, entities, comments and charset declarations put in at random places."""
    for _ in range(rng.randint(1, 12)):
        at = _at(rng, data)
        tag = rng.choice(_TAGS).encode() * rng.choice((1, 1, 2, 50, 1000))
        data = data[:at] + tag + data[at:]
    return data


def cut_at_tag(rng: random.Random, data: bytes) -> bytes:
    """The page ends inside or right after a tag (an unfinished download)."""
    marks = [m.start() + rng.randint(0, 2) for m in re.finditer(rb"<", data)]
    return data[: rng.choice(marks)] if marks else data


def nest(rng: random.Random, data: bytes) -> bytes:
    """A random element nested a few thousand deep around part of the page."""
    tag = rng.choice(("div", "span", "table", "ul", "li", "blockquote", "b", "p", "td"))
    depth = rng.choice((100, 1000, 5000))
    at = _at(rng, data)
    closed = rng.random() < 0.5
    close = f"</{tag}>".encode() * depth if closed else b""
    return data[:at] + f"<{tag}>".encode() * depth + data[at:] + close


def html_encoding(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    encoding = rng.choice(("utf-16-le", "utf-16", "utf-32", "gbk", "cp037", "utf-7"))
    return text.encode(encoding, errors="replace")


HTML_MUTATIONS: list[Mutation] = [markup, cut_at_tag, nest, html_encoding, odd_characters]


# --- PDF: its numbers, keywords and objects ---------------------------------------------------

_NUMBERS = (b"0", b"-1", b"999999999", b"4294967296", b"1e308", b"00000000000000000001", b"3.")


def pdf_numbers(rng: random.Random, data: bytes) -> bytes:
    """A number of the file (an offset, a length, a count, an object number) changed."""
    runs = list(re.finditer(rb"\d+", data))
    for _ in range(rng.randint(1, 3)):
        if not runs:
            break
        run = rng.choice(runs)
        value = rng.choice(_NUMBERS + (str(int(run.group()) + rng.randint(-3, 3)).encode(),))
        data = data[: run.start()] + value + data[run.end() :]
        runs = list(re.finditer(rb"\d+", data))
    return data


_KEYWORDS = (b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer", b"startxref")
_KEYWORDS += (b"/Length", b"/Count", b"/Kids", b"/Parent", b"/Pages", b"/Root", b"/Contents")
_KEYWORDS += (b"/Filter", b"/FlateDecode", b"/Font", b"/Type", b" R", b"<<", b">>", b"[", b"]")
_KEYWORDS += (b"BT", b"ET", b"Tj", b"TJ", b"Tf", b"Td", b"(", b")")


def pdf_keywords(rng: random.Random, data: bytes) -> bytes:
    """A keyword of the file replaced by another, or removed."""
    word = rng.choice(_KEYWORDS)
    places = [m.start() for m in re.finditer(re.escape(word), data)]
    if not places:
        return data
    at = rng.choice(places)
    other = rng.choice((b"", *_KEYWORDS))
    return data[:at] + other + data[at + len(word) :]


_PDF_BITS = (b"[" * 5000, b"<<" * 5000, b"(" * 1000, b"/Kids [3 0 R 3 0 R]", b"/Parent 3 0 R")
_PDF_BITS += (b"/Filter /LZWDecode", b"/Filter [/FlateDecode /ASCIIHexDecode /ASCII85Decode]")
_PDF_BITS += (b"/DecodeParms << /Predictor 15 /Columns 99999999 >>", b"/Encrypt 1 0 R")
_PDF_BITS += (b"/Type /ObjStm /N 99999999 /First 0", b"/Count -1", b"/Contents [4 0 R 4 0 R]")
_PDF_BITS += (b"1 0 R", b"%%EOF", b"\nxref\n0 1\n0000000000 65535 f \n", b"/Length 99999999")
_PDF_BITS += (b"<FEFFD800>", b"(\\377\\376\\000\\330)", b"/Type /Page", b"/MediaBox [0 0 -1 1e9]")


def pdf_objects(rng: random.Random, data: bytes) -> bytes:
    """Hostile PDF syntax put in: deep nesting, loops, odd filters, huge counts."""
    for _ in range(rng.randint(1, 3)):
        at = _at(rng, data)
        data = data[:at] + rng.choice(_PDF_BITS) + data[at:]
    return data


def pdf_without_xref(rng: random.Random, data: bytes) -> bytes:
    at = data.rfind(b"xref")
    return data[:at] + rng.choice((b"", b"%%EOF\n", b"trailer\n<< /Root 1 0 R >>\n%%EOF"))


PDF_MUTATIONS: list[Mutation] = [pdf_numbers, pdf_keywords, pdf_objects, pdf_without_xref]


# --- .docx: the zip and its XML -----------------------------------------------------------------


def _members(data: bytes) -> list[tuple[str, bytes]] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [(info.filename, archive.read(info)) for info in archive.infolist()]
    except Exception:  # noqa: BLE001 - damaged by an earlier mutation: no members to work on
        return None


def _zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are meant
        with zipfile.ZipFile(buffer, "w", compression) as archive:
            for name, body in members:
                archive.writestr(name, body)
    return buffer.getvalue()


def _on_members(
    change: Callable[[random.Random, list[tuple[str, bytes]]], list[tuple[str, bytes]]],
) -> Mutation:
    def mutation(rng: random.Random, data: bytes) -> bytes:
        members = _members(data)
        if not members:
            return bit_flips(rng, data)
        return _zip(change(rng, members), rng.choice((zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)))

    mutation.__name__ = change.__name__
    return mutation


def _pick(rng: random.Random, members: list[tuple[str, bytes]]) -> int:
    """A member's index, word/document.xml more often than the others."""
    main = [i for i, (name, _) in enumerate(members) if name == "word/document.xml"]
    return main[0] if main and rng.random() < 0.5 else rng.randrange(len(members))


def remove_member(rng: random.Random, members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    del members[_pick(rng, members)]
    return members


def damage_member(rng: random.Random, members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """A member's own bytes mutated (its zip entry stays valid: the XML is what breaks)."""
    i = _pick(rng, members)
    members[i] = (members[i][0], rng.choice(BYTE_MUTATIONS)(rng, members[i][1]))
    return members


_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;'
    b'&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;'
    b'&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>'
)
_XML_BITS = (b"&e;", b"&undefined;", b"<w:p>" * 300, b"<w:tbl><w:tr><w:tc>" * 300, b"\x00")
_XML_BITS += (b"\xff\xfe", b'<w:t xml:space="' + b"a" * 100_000 + b'">', b"]]>", b"<!--")
_XML_BITS += (
    b'<!ENTITY x SYSTEM "file:///etc/passwd">&x;',
    b'<?xml version="1.0" encoding="UTF-16"?>',
)
_XML_BITS += (b'<?xml version="1.0" encoding="ebcdic-cp-us"?>', b"<w:t>" + "长江".encode() * 1000)


def hostile_xml(rng: random.Random, members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Entity expansion, external entities, deep nesting, odd encodings in an XML member."""
    i = _pick(rng, members)
    name, body = members[i]
    if rng.random() < 0.3:
        body = _LAUGHS + re.sub(rb"^<\?xml[^>]*\?>", b"", body.lstrip())
    for _ in range(rng.randint(1, 3)):
        at = _at(rng, body)
        body = body[:at] + rng.choice(_XML_BITS) + body[at:]
    members[i] = (name, body)
    return members


_NAMES = ("WORD/DOCUMENT.XML", "/word/document.xml", "../word/document.xml", "word\\document.xml")
_NAMES += ("word/document.xml/", "word//document.xml", "word/document.xml ", "ｗord/document.xml")


def rename_member(rng: random.Random, members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    i = _pick(rng, members)
    members[i] = (rng.choice((*_NAMES, members[i][0] + "x", "")) or "x", members[i][1])
    return members


def duplicate_member(
    rng: random.Random, members: list[tuple[str, bytes]]
) -> list[tuple[str, bytes]]:
    name, body = members[_pick(rng, members)]
    members.insert(rng.randrange(len(members) + 1), (name, rng.choice(BYTE_MUTATIONS)(rng, body)))
    return members


def many_members(rng: random.Random, members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    return members + [(f"word/media/x{i}.bin", b"") for i in range(rng.choice((100, 2000)))]


def _central_directory(data: bytes) -> tuple[int, int] | None:
    """Where the central directory starts, and where its end record starts."""
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(data):
        return None
    start = struct.unpack_from("<I", data, end + 16)[0]
    return (start, end) if start <= end else None


def damage_central_directory(rng: random.Random, data: bytes) -> bytes:
    """Bytes of the central directory, or fields of its end record, changed."""
    where = _central_directory(data)
    if where is None:
        return bit_flips(rng, data)
    start, end = where
    out = bytearray(data)
    if rng.random() < 0.5:
        for _ in range(rng.choice((1, 4, 16))):
            out[rng.randrange(start, len(out))] = rng.randrange(256)
    else:  # entries on disk, entries, size, offset: the fields a reader trusts
        field_at, width = rng.choice(((8, 2), (10, 2), (12, 4), (16, 4)))
        value = rng.choice((0, 1, 0xFFFF if width == 2 else 0xFFFFFFFF, rng.randrange(1 << 16)))
        struct.pack_into("<H" if width == 2 else "<I", out, end + field_at, value)
    return bytes(out)


def damage_local_header(rng: random.Random, data: bytes) -> bytes:
    """A member's local header (method, sizes, name length) changed."""
    headers = [m.start() for m in re.finditer(b"PK\x03\x04", data)]
    if not headers:
        return bit_flips(rng, data)
    at = rng.choice(headers)
    out = bytearray(data)
    field_at, value = rng.choice(
        ((8, rng.choice((1, 9, 12, 14, 99))), (18, 0), (22, 0), (26, 0xFFFF))
    )
    if at + 30 <= len(out):
        struct.pack_into("<H" if field_at in (8, 26) else "<I", out, at + field_at, value)
    return bytes(out)


DOCX_MUTATIONS: list[Mutation] = [
    _on_members(remove_member),
    _on_members(damage_member),
    _on_members(damage_member),
    _on_members(hostile_xml),
    _on_members(rename_member),
    _on_members(duplicate_member),
    _on_members(many_members),
    damage_central_directory,
    damage_local_header,
]


# --- cases ---------------------------------------------------------------------------------


def _mutations(fmt: str) -> list[Mutation]:
    own = {
        "txt": TEXT_MUTATIONS,
        "md": TEXT_MUTATIONS,
        "html": HTML_MUTATIONS,
        "pdf": PDF_MUTATIONS,
        "docx": DOCX_MUTATIONS,
    }[fmt]
    # half the time the format's own kinds of damage, half the time bytes
    return own * max(1, len(BYTE_MUTATIONS) // len(own)) + BYTE_MUTATIONS + [partial(splice, fmt)]


def odd_names(ext: str) -> list[str]:
    """File names with spaces, unicode, a leading dash, shell and format characters, and the
    longest a name may be (in bytes: `NAME_MAX`)."""
    suffix = f".{ext}"
    long_ascii = "long-" + "n" * (NAME_MAX - len("long-") - len(suffix)) + suffix
    long_unicode = "长" * ((NAME_MAX - len(suffix)) // 3) + suffix  # 3 bytes each in UTF-8
    return [
        f"  spaces  in the  name {suffix}",
        f"ünïcödé 名前 файл ملف{suffix}",
        f"-leading-dash{suffix}",
        f"--help{suffix}",
        f"emoji 😀👍🏽{suffix}",
        f"quotes ' \" `$HOME` %s {{0}} ; & | * ? [x]{suffix}",
        f"control\tand\x1bescape{suffix}",
        f"right-to-left \u202egnp{suffix}",
        f"trailing dot.{suffix}",
        f"UPPER{suffix.upper()}",
        long_ascii,
        long_unicode,
    ]


def fixed_cases(fmt: str) -> list[Case]:
    """The cases every run has, for every format or for one."""
    ext = f".{fmt}"
    good = seeds(fmt)[0]
    cases = [
        Case(f"{fmt}: a file of 0 bytes", f"empty{ext}", b"", expect="refused"),
        Case(f"{fmt}: zero bytes", f"zeros{ext}", b"\x00" * 4096, expect="refused"),
        Case(f"{fmt}: one zero byte", f"zero{ext}", b"\x00", expect="refused"),
        Case(f"{fmt}: white space only", f"blank{ext}", b" \n\t\r\n " * 100, expect="refused"),
        Case(f"{fmt}: random bytes", f"random{ext}", random.Random(fmt).randbytes(8192)),
        Case(f"{fmt}: one sentence, nothing else", f"bare{ext}", ENGLISH[0].encode()),
        Case(f"{fmt}: no suffix left (name is the suffix)", ext, good, expect="refused"),
    ]
    cases += [
        Case(f"{fmt}: valid file named {name!r}", name, good, expect="document")
        for name in odd_names(fmt)
    ]
    return cases + _FIXED[fmt]()


def _huge_line(kind: str = "sentences") -> str:
    """About `HUGE_LINE` bytes without a line break: sentences (not one unbroken word,
    which `tests/test_fuzzing.py::test_a_long_run_without_white_space_splits_in_linear_time`
    shows is split in quadratic time)."""
    unit = {"sentences": " ".join(ENGLISH) + " ", "chinese": "".join(CHINESE)}[kind]
    chars = HUGE_LINE * len(unit) // len(unit.encode())  # HUGE_LINE bytes in UTF-8
    return (unit * (chars // len(unit) + 1))[:chars]


def _text_fixed(ext: str) -> list[Case]:
    text = seeds("txt")[0].decode()
    return [
        Case(f"{ext}: UTF-16 LE without a BOM", f"utf16le.{ext}", text.encode("utf-16-le")),
        Case(f"{ext}: UTF-16 BE without a BOM", f"utf16be.{ext}", text.encode("utf-16-be")),
        Case(f"{ext}: UTF-32 without a BOM", f"utf32.{ext}", text.encode("utf-32-le")),
        Case(
            f"{ext}: lone surrogates as UTF-8-ish bytes",
            f"surrogates.{ext}",
            (text[:40] + "\ud800 \udfff" + text[40:]).encode("utf-8", "surrogatepass"),
        ),
        Case(f"{ext}: UTF-16 BOM, odd length", f"oddbom.{ext}", b"\xff\xfe" + b"a\x00b"),
        Case(f"{ext}: UTF-8 BOM, then cp1252", f"bomcp.{ext}", b"\xef\xbb\xbf" + seeds("txt")[2]),
        Case(f"{ext}: a BOM alone", f"bom.{ext}", b"\xef\xbb\xbf", expect="refused"),
        Case(
            f"{ext}: a huge single line of sentences",
            f"huge-line.{ext}",
            _huge_line().encode(),
            expect="document",
        ),
        Case(
            f"{ext}: a huge single line of Chinese sentences",
            f"huge-zh.{ext}",
            _huge_line("chinese").encode(),
            expect="document",
        ),
        Case(
            f"{ext}: a huge line of invalid UTF-8",
            f"huge-bad.{ext}",
            (_huge_line()[:500_000] + "\udc80").encode("utf-8", "surrogateescape") * 2,
        ),
        Case(
            f"{ext}: 200,000 blank lines, then a sentence",
            f"blanks.{ext}",
            b"\n" * 200_000 + text.encode(),
        ),
        Case(
            f"{ext}: carriage returns only as line breaks",
            f"cr.{ext}",
            text.replace("\n", "\r").encode(),
        ),
        Case(
            f"{ext}: a file over one 4 MB chunk with a bad byte past it",
            f"chunks.{ext}",
            (text * (4_300_000 // len(text))).encode() + b"\xff\xfe bad \r" + text.encode(),
            expect="document",
        ),
        Case(
            f"{ext}: valid UTF-8 read 5 bytes at a time",
            f"chunked5.{ext}",
            seeds("txt")[1] + b"\r\n\r\n" + text.encode(),
            chunk_bytes=5,
            expect="document",
        ),
    ]


def _html_fixed() -> list[Case]:
    page = seeds("html")[0].decode()
    paragraph = f"<html><body><article><p>{_huge_line()}</p></article></body></html>"
    return [
        Case("html: 200,000 nested <div>s", "nested.html", make=nested_html),
        Case("html: 5,000 nested <div>s", "nested5k.html", make=partial(nested_html, depth=5_000)),
        Case(
            "html: 3,000 nested tables",
            "tables.html",
            ("<table><tr><td>" * 3000 + ENGLISH[0] + "</td></tr></table>" * 3000).encode(),
        ),
        Case("html: a huge single-line paragraph", "huge-line.html", paragraph.encode()),
        Case("html: UTF-16 without a BOM", "utf16.html", page.encode("utf-16-le")),
        Case(
            "html: a charset it is not in", "charset.html", page.replace("utf-8", "utf-16").encode()
        ),
        Case(
            "html: an unknown charset", "unknown.html", page.replace("utf-8", "x-nonsense").encode()
        ),
        Case(
            "html: only a script", "script.html", b"<script>" + b"var a = 1;" * 1000 + b"</script>"
        ),
        Case(
            "html: an XML entity bomb",
            "laughs.html",
            _LAUGHS.replace(b"w:document", b"html") + b"<html><body><p>&e;</p></body></html>",
        ),
        Case(
            "html: 10,000 siblings",
            "siblings.html",
            ("<p>" + ENGLISH[1] + "</p>").encode() * 10_000,
        ),
    ]


def _pdf_page(content: bytes, kids: bytes = b"[3 0 R]", count: bytes = b"1") -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids " + kids + b" /Count " + count + b" >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def _pdf_fixed() -> list[Case]:
    sentence = b"BT /F1 12 Tf 72 712 Td (" + ENGLISH[0].encode() + b") Tj ET"
    line = _huge_line()[:1_000_000].encode()
    bomb = {"QA_CONVERT_MEMORY_MB": BOMB_MEMORY_MB}
    return [
        Case("pdf: a page written by hand", "hand.pdf", _pdf_page(sentence), expect="document"),
        Case(
            "pdf: a stream that inflates to 300 MB",
            "bomb.pdf",
            make=partial(pdf_bomb, inflated=BOMB_INFLATED),
            env=bomb,
            expect="refused",
        ),
        Case("pdf: a page tree that loops", "loop.pdf", _pdf_page(sentence, kids=b"[2 0 R 3 0 R]")),
        Case(
            "pdf: a page count of a billion", "count.pdf", _pdf_page(sentence, count=b"1000000000")
        ),
        Case("pdf: 100,000 nested arrays", "arrays.pdf", _pdf_page(b"[" * 100_000 + sentence)),
        Case(
            "pdf: 100,000 nested dictionaries",
            "dicts.pdf",
            raw_pdf([b"<< /Type /Catalog /Pages " + b"<< /A " * 100_000 + b">>"]),
        ),
        Case(
            "pdf: a 1 MB text operator",
            "huge-line.pdf",
            _pdf_page(b"BT /F1 12 Tf 72 712 Td (" + line + b") Tj ET"),
        ),
        Case(
            "pdf: 2,000 pages of one stream",
            "pages.pdf",
            _pdf_page(sentence, kids=b"[" + b"3 0 R " * 2000 + b"]", count=b"2000"),
        ),
        Case("pdf: its header alone", "header.pdf", b"%PDF-1.7\n", expect="refused"),
        Case(
            "pdf: a header, then random bytes",
            "noise.pdf",
            b"%PDF-1.4\n" + random.Random(1).randbytes(4096),
        ),
    ]


def _word_part_bomb(path: Path) -> None:
    """A valid .docx plus a media part, related to the document, that inflates to 300 MB."""
    members = _members(seeds("docx")[0]) or []
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        b'.org/package/2006/relationships"><Relationship Id="rId99" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/image" Target="media/big.png"/>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, body in members:
            if name == "word/_rels/document.xml.rels":  # the new relationship goes first
                body = re.sub(rb"<Relationships[^>]*>", lambda m: rels[rels.index(b"<Rel") :], body)
            if name == "[Content_Types].xml":
                body = re.sub(
                    rb"(<Types[^>]*>)",
                    rb'\1<Default Extension="png" ContentType="image/png"/>',
                    body,
                )
            archive.writestr(name, body)
        with archive.open("word/media/big.png", "w", force_zip64=True) as part:
            for _ in range(BOMB_INFLATED // 1_000_000):
                part.write(b"\x00" * 1_000_000)


def _docx_fixed() -> list[Case]:
    members = _members(seeds("docx")[0]) or []
    bomb = {"QA_CONVERT_MEMORY_MB": BOMB_MEMORY_MB}
    without = {name: [m for m in members if m[0] != name] for name, _ in members}
    cases = [
        Case(
            "docx: word/document.xml inflates to 300 MB",
            "bomb.docx",
            make=partial(docx_bomb, inflated=BOMB_INFLATED),
            env=bomb,
            expect="refused",
            match=f"more than the {BOMB_MEMORY_MB} MB reading one file may use",
        ),
        Case(
            "docx: a related media part inflates to 300 MB",
            "part-bomb.docx",
            make=_word_part_bomb,
            env=bomb,
        ),
        Case("docx: an empty zip", "empty-zip.docx", _zip([]), expect="refused"),
        Case(
            "docx: stored, not deflated",
            "stored.docx",
            _zip(members, zipfile.ZIP_STORED),
            expect="document",
        ),
        Case(
            "docx: the central directory cut off",
            "no-cd.docx",
            seeds("docx")[0][: (_central_directory(seeds("docx")[0]) or (0, 0))[0]],
            expect="refused",
        ),
        Case(
            "docx: a zip of other things",
            "other.docx",
            _zip([("notes.txt", ENGLISH[0].encode())]),
            expect="refused",
        ),
    ]
    for name in without:
        cases.append(Case(f"docx: without {name}", "without.docx", _zip(without[name])))
    return cases


_FIXED: dict[str, Callable[[], list[Case]]] = {
    "txt": partial(_text_fixed, "txt"),
    "md": partial(_text_fixed, "md"),
    "html": _html_fixed,
    "pdf": _pdf_fixed,
    "docx": _docx_fixed,
}


def random_case(fmt: str, seed: int, index: int) -> Case:
    """The random case `index` of a format: a seed file with one to three mutations."""
    rng = random.Random(f"{seed}/{fmt}/{index}")
    which = rng.randrange(len(seeds(fmt)))
    data = seeds(fmt)[which]
    steps = []
    mutations = _mutations(fmt)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        mutation = rng.choice(mutations)
        data = mutation(rng, data)
        steps.append(getattr(mutation, "__name__", None) or mutation.func.__name__)  # type: ignore[attr-defined]
    name = f"case{index}.{fmt}"
    if rng.random() < 0.1:
        name = rng.choice(odd_names(fmt))
    chunk = None
    if fmt in ("txt", "md") and rng.random() < 0.3 and len(data) < 200_000:
        chunk = rng.choice((4, 5, 7, 16, 64, 1000, 4096))
    label = (
        f"random_case({fmt!r}, seed={seed}, index={index}): seed file {which}, {' + '.join(steps)}"
    )
    return Case(label, name, data, chunk_bytes=chunk)


def cases(fmt: str, count: int, seed: int = 0) -> Iterator[Case]:
    """The format's fixed cases, then `count` random ones, each made when it is reached (so
    that the cases of a long run are not all held at once)."""
    yield from fixed_cases(fmt)
    for index in range(count):
        yield random_case(fmt, seed, index)
