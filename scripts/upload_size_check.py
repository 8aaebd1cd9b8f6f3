"""How long a chat upload of plain prose takes to index, and the memory it takes.

Reproduce: `./dev.sh python scripts/upload_size_check.py --megabytes 2`

Writes SQuAD train-part paragraphs (`--squad`) as one line of text of `--megabytes` million
characters and adds it to a fresh collection of the sample article, as the chat adds an
upload (`Collection.add_uploads` with the app's `QA_UPLOAD_MAX_CHARS`); prints the seconds
it took, whether it was indexed or refused (and why), and the process's peak resident
memory before and after.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import app  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.serve.collection import Collection  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad" / "squad-v1.1-train-part.rebuilt.json.gz"


def one_line(squad: Path, characters: int) -> str:
    """SQuAD paragraphs, repeated as needed, joined into one line of `characters`."""
    with gzip.open(squad) as compressed:
        data = json.loads(compressed.read())
    paragraphs = [p["context"] for a in data["data"] for p in a["paragraphs"]]
    parts, total = [], 0
    while total < characters:
        part = " ".join(paragraphs[len(parts) % len(paragraphs)].split()) + " "
        parts.append(part)
        total += len(part)
    return "".join(parts)[:characters]


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=2.0)
    parser.add_argument("--squad", type=Path, default=SQUAD)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="upload-size-"))
    upload = folder / "prose.txt"
    upload.write_text(one_line(args.squad, int(args.megabytes * 1_000_000)), encoding="utf-8")
    collection = Collection.open(folder / "store", lambda: Assistant.sample(app.cache_dir()))
    collection.assistant.ask("Who directs the biomedical alliance?")  # warm, as a serving app
    before = peak_mb()
    started = time.perf_counter()
    added = collection.add_uploads([(upload, upload.name)], max_chars=app.UPLOAD_MAX_CHARS)
    result = {
        "characters": int(args.megabytes * 1_000_000),
        "limit": app.UPLOAD_MAX_CHARS,
        "seconds": round(time.perf_counter() - started, 1),
        "indexed": [d.source for d in added.documents],
        "refused": [s.reason for s in added.skipped],
        "peak_rss_mb_before": before,
        "peak_rss_mb_after": peak_mb(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
