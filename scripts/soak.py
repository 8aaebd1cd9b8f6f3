"""Soak test: the chat app under steady load, with uploads, removals and hostile files.

Reproduce: `./dev.sh python scripts/soak.py --minutes 30 --plot soak.png`

Starts `python app.py` on a fresh store (the sample article), then for `--minutes`:
`--users` users ask the sample questions without pause (over the REST API, or with
`--client gradio_client`: scripts/load_check.py); one user uploads a
small HTML page and removes it again every `--churn-seconds`; one hostile upload (a .docx
that inflates to 3 GB, `scripts/hostile_files.py`) every `--hostile-seconds`. Every
`--sample-seconds` it records the app's resident memory (its process and its children), the
asks' latency percentiles and the errors of that interval. At the end it checks that the
store holds exactly the sample article (nothing lost, nothing left over) and prints one JSON
object; with `--plot`, memory, p50/p95 and errors over time go into that image.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.hostile_files import docx_bomb  # noqa: E402
from scripts.load_check import CLIENTS, QUESTIONS  # noqa: E402

PAGE = (
    "<html><head><title>Harbour festival</title></head><body><article><p>The harbour festival "
    "was founded in 1987 by the fishermen's guild. It is held every August on the old pier, "
    "and about twelve thousand people came last year.</p></article></body></html>"
)


class Recorder:
    """Latencies and errors, taken and cleared once per sample."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def add(self, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)

    def take(self) -> tuple[list[float], list[str]]:
        with self.lock:
            taken = self.latencies, self.errors
            self.latencies, self.errors = [], []
        return taken


def asker(url: str, number: int, client: str, stop: threading.Event, record: Recorder) -> None:
    ask = CLIENTS[client](url).ask
    i = number
    while not stop.is_set():
        question = QUESTIONS[i % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            ask(question)
            record.add(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - every failure counts
            record.add(time.perf_counter() - started, f"ask: {type(exc).__name__}: {exc}")
        i += 1


def churner(
    url: str,
    folder: Path,
    every: float,
    hostile_every: float,
    stop: threading.Event,
    record: Recorder,
) -> dict[str, int]:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    page, bomb = folder / "festival.html", folder / "bomb.docx"
    page.write_text(PAGE, encoding="utf-8")
    docx_bomb(bomb)
    counts = {"uploads": 0, "removals": 0, "hostile": 0, "hostile_refused": 0}
    next_hostile = time.monotonic() + hostile_every
    while not stop.wait(every):
        try:
            added = client.predict([handle_file(str(page))], api_name="/upload")["added"]
            counts["uploads"] += 1
            for document in added:
                client.predict(document["doc_id"], api_name="/remove")
                counts["removals"] += 1
        except Exception as exc:  # noqa: BLE001
            record.add(0.0, f"churn: {type(exc).__name__}: {exc}")
        if time.monotonic() >= next_hostile:
            next_hostile += hostile_every
            try:
                result = client.predict([handle_file(str(bomb))], api_name="/upload")
                counts["hostile"] += 1
                counts["hostile_refused"] += int(not result["added"] and bool(result["skipped"]))
            except Exception as exc:  # noqa: BLE001
                record.add(0.0, f"hostile: {type(exc).__name__}: {exc}")
    return counts


def resident_mb(pid: int) -> float:
    """Resident memory of `pid` and its descendants, in MB (Linux /proc)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as children:
                pending.extend(int(c) for c in children.read().split())
        except (OSError, StopIteration):
            continue
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--churn-seconds", type=float, default=60.0)
    parser.add_argument("--hostile-seconds", type=float, default=300.0)
    parser.add_argument("--sample-seconds", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=7877)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="http", help="as load_check")
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {**os.environ, "QA_STORE": str(folder / "store"), "GRADIO_SERVER_PORT": str(args.port)}
    app = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{args.port}/"
    try:
        _wait_for(url)
        stop, record = threading.Event(), Recorder()
        threads = [
            threading.Thread(target=asker, args=(url, n, args.client, stop, record), daemon=True)
            for n in range(args.users)
        ]
        counts: dict[str, int] = {}
        churn = threading.Thread(
            target=lambda: counts.update(
                churner(url, folder, args.churn_seconds, args.hostile_seconds, stop, record)
            ),
            daemon=True,
        )
        for thread in [*threads, churn]:
            thread.start()
        samples = []
        started = time.monotonic()
        while time.monotonic() - started < args.minutes * 60:
            time.sleep(args.sample_seconds)
            latencies, errors = record.take()
            ms = np.array(latencies) * 1000 if latencies else np.zeros(1)
            samples.append(
                {
                    "minute": round((time.monotonic() - started) / 60, 2),
                    "rss_mb": round(resident_mb(app.pid), 1),
                    "asks": len(latencies),
                    "p50_ms": round(float(np.percentile(ms, 50)), 1),
                    "p95_ms": round(float(np.percentile(ms, 95)), 1),
                    "errors": len(errors),
                    "first_error": errors[0] if errors else None,
                }
            )
            print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
        stop.set()
        churn.join(120)
        from gradio_client import Client

        documents = Client(url, verbose=False).predict(api_name="/list")
    finally:
        app.terminate()
        app.wait(30)
    report = _report(samples, counts, documents)
    print(json.dumps(report, indent=2))
    if args.plot:
        _plot(samples, args.plot)


def _wait_for(url: str, seconds: float = 180) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"the app did not answer at {url} within {seconds:g} s")


def _report(samples: list[dict], counts: dict[str, int], documents: list[dict]) -> dict:
    after_five = next((s for s in samples if s["minute"] >= 5), samples[0])
    end = samples[-1]
    return {
        "samples": len(samples),
        "asks": sum(s["asks"] for s in samples),
        "errors": sum(s["errors"] for s in samples),
        **counts,
        "documents_at_end": [d["title"] for d in documents],
        "rss_mb_after_5_min": after_five["rss_mb"],
        "rss_mb_at_end": end["rss_mb"],
        "rss_growth_after_5_min": round(end["rss_mb"] / after_five["rss_mb"] - 1, 3),
        "p95_ms_worst_sample": max(s["p95_ms"] for s in samples),
    }


def _plot(samples: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [s["minute"] for s in samples]
    figure, (memory, latency, errors) = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    memory.plot(minutes, [s["rss_mb"] for s in samples])
    memory.set_ylabel("resident MB")
    latency.plot(minutes, [s["p50_ms"] for s in samples], label="p50")
    latency.plot(minutes, [s["p95_ms"] for s in samples], label="p95")
    latency.set_ylabel("ask ms")
    latency.legend()
    errors.bar(minutes, [s["errors"] for s in samples], width=0.3)
    errors.set_ylabel("errors")
    errors.set_xlabel("minutes")
    figure.tight_layout()
    figure.savefig(path)


if __name__ == "__main__":
    main()
