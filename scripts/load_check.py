"""Load check: many concurrent gradio_client users asking a running chat app.

Reproduce (the app must be running, e.g. `./dev.sh app` in another terminal):
    ./dev.sh python scripts/load_check.py http://127.0.0.1:7860/ --users 20 --questions 50

Each user is one thread asking the sample questions in turn through the named `/ask`
endpoint; it prints the number of errors and the p50/p95/max latency of one ask as a user sees
it (queueing included). `--client http` (default) asks over Gradio's REST API (`POST
/gradio_api/call/ask`, then its result stream), as `curl` would; `--client gradio_client`
uses one `gradio_client.Client` per user. The latter is heavier than the app it measures: on
2 cores its 20 users take as much CPU as the app (32 of 64 CPU seconds for 500 asks), and each
call waits up to 50 ms more in its own polling loop, so it measures the client as much as
the server.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.serve.examples import OFF_TOPIC, SAMPLE_QUESTIONS  # noqa: E402

# The chat's example questions over the sample, and two more it answers or cannot answer.
QUESTIONS = [
    *SAMPLE_QUESTIONS,
    OFF_TOPIC["en"],
    "When were the requirements proposed?",
    "How many employees does Geely have?",
]


class HttpAsker:
    """Asks `/ask` over Gradio's REST API with one kept-alive `httpx` connection."""

    def __init__(self, url: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=120)

    def ask(self, question: str) -> dict[str, Any]:
        posted = self.http.post("/gradio_api/call/ask", json={"data": [question, 3, "hybrid", None]})
        posted.raise_for_status()
        event = posted.json()["event_id"]
        kind = ""
        with self.http.stream("GET", f"/gradio_api/call/ask/{event}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    kind = line.removeprefix("event:").strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    data = json.loads(line.removeprefix("data:"))
                    if kind == "error":
                        raise RuntimeError(f"the app answered an error: {data}")
                    return dict(data[0])
        raise RuntimeError(f"the result stream ended without a result (last event {kind!r})")


class GradioAsker:
    """Asks `/ask` with `gradio_client`, as a Python user of the app would."""

    def __init__(self, url: str) -> None:
        from gradio_client import Client

        self.client = Client(url, verbose=False)

    def ask(self, question: str) -> dict[str, Any]:
        return dict(self.client.predict(question, 3, "hybrid", api_name="/ask"))


CLIENTS = {"http": HttpAsker, "gradio_client": GradioAsker}


def user(url: str, number: int, questions: int, client: str) -> tuple[list[float], list[str]]:
    """One user's latencies (seconds) and error messages."""
    asker = CLIENTS[client](url)
    latencies, errors = [], []
    for i in range(questions):
        question = QUESTIONS[(number + i) % len(QUESTIONS)]
        start = time.perf_counter()
        try:
            result = asker.ask(question)
            if result.get("question") != question:
                errors.append(f"answer for another question: {result.get('question')!r}")
        except Exception as exc:  # noqa: BLE001 - every failure counts, whatever its kind
            errors.append(f"{type(exc).__name__}: {exc}")
        latencies.append(time.perf_counter() - start)
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=50, help="questions per user")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="http")
    args = parser.parse_args()

    started = time.perf_counter()
    with ThreadPoolExecutor(args.users) as pool:
        results = list(
            pool.map(lambda n: user(args.url, n, args.questions, args.client), range(args.users))
        )
    wall = time.perf_counter() - started
    latencies = np.array([t for times, _ in results for t in times]) * 1000
    errors = [e for _, errs in results for e in errs]
    print(
        json.dumps(
            {
                "users": args.users,
                "client": args.client,
                "asks": int(latencies.size),
                "errors": len(errors),
                "first_errors": errors[:5],
                "latency_ms_p50": round(float(np.percentile(latencies, 50)), 1),
                "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1),
                "latency_ms_max": round(float(latencies.max()), 1),
                "asks_per_second": round(latencies.size / wall, 2),
                "wall_seconds": round(wall, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
