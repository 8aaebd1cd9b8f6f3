"""Rebuild docs/ of the real-documents development set from the machine's own files.

Run from the repository root with the project's Python (python-docx is in .venv):

    .venv/bin/python docs/eval/real-docs/build.py SOURCES_DIR

SOURCES_DIR holds the Debian packages and the PyPI file that are not installed here,
unpacked (see README.md, "Where each document came from"):

    SOURCES_DIR/deb/   dpkg-deb -x of debian-history_2.28, debian-faq-zh-cn_11.1,
                       debian-reference-zh-cn_2.100

Everything else is read from the installed system (/usr/share/doc, /usr/share/man, the
stdlib's pydoc_data, .venv's dist-info). Rendering man pages needs man-db, col and groff
(with gropdf: Debian's `groff` package, not only `groff-base`).
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "docs"
SITE = Path(".venv/lib/python3.11/site-packages")
STDLIB_TOPICS = Path("/root/.pyenv/versions/3.11.7/lib/python3.11/pydoc_data/topics.py")


def gunzip(source: Path, target: str) -> None:
    (OUT / target).write_bytes(gzip.decompress(source.read_bytes()))


def man_text(name: str, target: str) -> None:
    """A man page as `man` shows it in a 72-column terminal, overstrike removed."""
    shown = subprocess.run(
        ["man", "-P", "cat", name],
        env={"MANWIDTH": "72", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        check=True,
    ).stdout
    plain = subprocess.run(["col", "-bx"], input=shown, capture_output=True, check=True).stdout
    (OUT / target).write_bytes(plain)


def man_pdf(source: Path, target: str) -> None:
    """A man page typeset by groff straight to PDF."""
    roff = gzip.decompress(source.read_bytes())
    pdf = subprocess.run(
        ["groff", "-man", "-Tpdf"], input=roff, capture_output=True, check=True
    ).stdout
    (OUT / target).write_bytes(pdf)


def python_topic(topic: str, target: str) -> None:
    namespace: dict[str, dict[str, str]] = {}
    exec(compile(STDLIB_TOPICS.read_text(), str(STDLIB_TOPICS), "exec"), namespace)
    (OUT / target).write_text(namespace["topics"][topic], encoding="utf-8")


def metadata_readme(dist_info: str, target: str) -> None:
    """The long description (README) that a wheel's METADATA carries after its headers."""
    text = (SITE / dist_info / "METADATA").read_text(encoding="utf-8")
    (OUT / target).write_text(text.split("\n\n", 1)[1], encoding="utf-8")


def lines_of(source: Path, first: int, last: int, target: str) -> None:
    text = gzip.decompress(source.read_bytes()).decode("utf-8")
    chosen = text.splitlines(keepends=True)[first - 1 : last]
    (OUT / target).write_text("".join(chosen), encoding="utf-8")


# --- Markdown to Word, for the .docx document -------------------------------------------

_INLINE = re.compile(r"(\*\*[^*]+\*\*|_[^_\s][^_]*_|`[^`]+`|\[[^\]]+\]\[[^\]]*\]|\[[^\]]+\]\([^)]+\))")


def _runs(paragraph, text: str) -> None:  # type: ignore[no-untyped-def]
    from docx.shared import Pt

    for piece in _INLINE.split(text):
        if not piece:
            continue
        if piece.startswith("**") and piece.endswith("**"):
            paragraph.add_run(piece[2:-2]).bold = True
        elif piece.startswith("_") and piece.endswith("_") and len(piece) > 2:
            paragraph.add_run(piece[1:-1]).italic = True
        elif piece.startswith("`") and piece.endswith("`"):
            run = paragraph.add_run(piece[1:-1])
            run.font.name = "Courier New"
            run.font.size = Pt(10)
        elif piece.startswith("["):
            label = piece[1 : piece.index("]")]
            paragraph.add_run(label)
        else:
            paragraph.add_run(piece)


def markdown_to_docx(source: Path, target: str, title: str) -> None:
    """Headings, paragraphs (hard-wrapped lines joined, as a word processor keeps them),
    bulleted and numbered lists (two levels), bold, italic and code runs. Link reference
    definitions and HTML comments are dropped; link texts are kept."""
    from docx import Document

    text = re.sub(r"<!--.*?-->", "", source.read_text(encoding="utf-8"), flags=re.S)
    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.author = "Node.js contributors"
    blocks: list[tuple[str, int, str]] = []  # (kind, level, text)
    for line in text.splitlines():
        if re.match(r"^\[[^\]]+\]: ", line):
            continue
        heading = re.match(r"^(#{1,6}) (.*)", line)
        bullet = re.match(r"^( *)[*-] (.*)", line)
        number = re.match(r"^( *)\d+\. (.*)", line)
        if heading:
            blocks.append(("heading", len(heading.group(1)), heading.group(2)))
        elif bullet:
            blocks.append(("bullet", len(bullet.group(1)) // 2, bullet.group(2)))
        elif number:
            blocks.append(("number", len(number.group(1)) // 3, number.group(2)))
        elif not line.strip():
            blocks.append(("blank", 0, ""))
        elif blocks and blocks[-1][0] in ("para", "bullet", "number"):
            kind, level, before = blocks[-1]
            blocks[-1] = (kind, level, before + " " + line.strip())
        else:
            blocks.append(("para", 0, line.strip()))
    for kind, level, body in blocks:
        if kind == "heading":
            doc.add_heading(body, level=0 if level == 1 else level - 1)
        elif kind == "bullet":
            _runs(doc.add_paragraph(style="List Bullet" if level == 0 else "List Bullet 2"), body)
        elif kind == "number":
            _runs(doc.add_paragraph(style="List Number"), body)
        elif kind == "para":
            _runs(doc.add_paragraph(), body)
    doc.save(str(OUT / target))


def main(sources: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    deb = sources / "deb"
    doc = Path("/usr/share/doc")
    gunzip(doc / "valgrind/FAQ.txt.gz", "valgrind-faq.txt")
    shutil.copy(doc / "valgrind/html/quick-start.html", OUT / "valgrind-quick-start.html")
    man_text("gzip", "gzip-man-page.txt")
    man_pdf(Path("/usr/share/man/man1/git-bisect.1.gz"), "git-bisect-man-page.pdf")
    python_topic("compound", "python-compound-statements.txt")
    python_topic("debugger", "python-pdb-debugger.txt")
    metadata_readme("python_dotenv-1.2.4.dist-info", "python-dotenv-readme.md")
    gunzip(doc / "xz-utils/README.gz", "xz-utils-readme.txt")
    gunzip(doc / "systemd/UIDS-GIDS.md.gz", "systemd-uids-gids.md")
    shutil.copy(doc / "shared-mime-info/shared-mime-info-spec.pdf", OUT / "shared-mime-info-spec.pdf")
    markdown_to_docx(doc / "nodejs/GOVERNANCE.md", "nodejs-governance.docx", "Node.js Project Governance")
    history = deb / "usr/share/doc/debian-history"
    shutil.copy(history / "docs/detailed.en.html", OUT / "debian-history-detailed.html")
    gunzip(history / "debian-manifesto.gz", "debian-manifesto.txt")
    shutil.copy(
        deb / "usr/share/doc/debian/FAQ/zh-cn/pkg-basics.zh-cn.html",
        OUT / "debian-faq-zh-package-basics.html",
    )
    lines_of(
        deb / "usr/share/debian-reference/debian-reference.zh-cn.txt.gz",
        6235,
        6941,
        "debian-reference-zh-ch3-system-init.txt",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
