"""Hostile files against `qa index`: peak memory and time of the process that reads them.

Reproduce: `./dev.sh python scripts/hostile_files.py [--keep DIR]`

Makes, in a temporary folder: a .docx whose word/document.xml inflates to 3 GB (a 3 MB zip),
a PDF whose one page stream inflates to 2 GB (a 2 MB file), a deeply nested HTML page and a
50 MB text file of one line (base64);
then runs `qa index FILE --store ...` on each in a fresh process and prints, per file, the
wall time, that process's peak resident memory (its own, not the converting child's, which has
its own capped budget) and the reason it was skipped or what was indexed. With
`QA_CONVERT_ISOLATED=0` in the environment the files are converted in-process, for comparison.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `qa index` in a process that reports its own peak resident memory (RUSAGE_SELF: not the
# converting child's, which has its own capped budget) when it exits.
QA = [
    sys.executable,
    "-c",
    "import atexit, resource, sys; atexit.register(lambda: print('PEAK_KB', "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
    "from qa.serve.cli import main; sys.exit(main(sys.argv[1:]))",
]


def docx_bomb(path: Path, inflated: int = 3_000_000_000) -> None:
    """A Word file whose document part inflates to `inflated` bytes of one repeated run."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>"
    )
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    types = (
        b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        b"openxmlformats.org/officeDocument/2006/relationships/officeDocument"
        b'" Target="word/document.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            chunk = b"A" * 1_000_000
            for _ in range(inflated // len(chunk)):
                part.write(chunk)
            part.write(tail)


def pdf_bomb(path: Path, inflated: int = 2_000_000_000) -> None:
    """A one-page PDF whose content stream inflates to `inflated` bytes of text operators."""
    compressor = zlib.compressobj(9)
    line = b"BT /F1 12 Tf 72 712 Td (bomb) Tj ET\n"
    chunk = line * (1_000_000 // len(line))
    stream = b"".join(compressor.compress(chunk) for _ in range(inflated // len(chunk)))
    stream += compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    path.write_bytes(raw_pdf(objects))


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (numbered from 1, the first the catalog), with a right xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def nested_html(path: Path, depth: int = 200_000) -> None:
    """A page of `depth` nested <div>s around one sentence."""
    path.write_text(
        "<html><body>"
        + "<div>" * depth
        + "<p>Deep inside.</p>"
        + "</div>" * depth
        + "</body></html>"
    )


def encoded_line(path: Path, size: int = 50_000_000) -> None:
    """A text file of one `size`-byte line of base64 (random bytes encoded)."""
    path.write_bytes(base64.b64encode(os.urandom(size * 3 // 4)))


def index_one(path: Path, store: Path) -> dict[str, object]:
    """`qa index path` in a child process: its wall time, peak RSS and what it said."""
    started = time.perf_counter()
    run = subprocess.run(
        [*QA, "index", str(path), "--store", str(store)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    seconds = time.perf_counter() - started
    said = (run.stdout + run.stderr).strip().splitlines()
    peak_kb = next((int(line.split()[1]) for line in said if line.startswith("PEAK_KB")), 0)
    return {
        "file": path.name,
        "size_mb": round(path.stat().st_size / 1e6, 1),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_kb / 1024),
        "exit": run.returncode,
        "said": [line for line in said if "skipped" in line or "Error" in line or "error" in line][
            -3:
        ]
        or said[-2:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="hostile-"))
    folder.mkdir(parents=True, exist_ok=True)
    makers = {
        "bomb.docx": docx_bomb,
        "bomb.pdf": pdf_bomb,
        "nested.html": nested_html,
        "line.txt": encoded_line,
    }
    for name, make in makers.items():
        if not (folder / name).exists():
            make(folder / name)
    for name in makers:
        store = folder / f"store-{name}"
        print(json.dumps(index_one(folder / name, store)), flush=True)


if __name__ == "__main__":
    main()
