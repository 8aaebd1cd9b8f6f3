"""Do the Milvus and the FAISS backends give the same answers? Index the first SQuAD dev
articles (at least `--sentences` sentences) both ways with the same vectors, ask every
question of those articles through `Assistant.ask`, and count how often citation [1] (and
the abstention decision, and the top 3) agree; with the time each question took.

    ./dev.sh python scripts/milvus_agreement.py ../shared/data/squad/squad-v1.1-dev.rebuilt.json
    ./dev.sh python scripts/milvus_agreement.py FILE --uri http://127.0.0.1:19530  # a server
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from embeddings import CachedEmbedder, make_embedder
from qa.assistant import Assistant
from qa.evaluation.datasets import from_squad
from qa.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="SQuAD v1.1 JSON (dev)")
    parser.add_argument("--sentences", type=int, default=2000, help="at least this many")
    parser.add_argument("--uri", default="", help="Milvus URI (default: a Milvus Lite file)")
    parser.add_argument("--no-reader", action="store_true")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    data = json.loads(args.file.read_text(encoding="utf-8"))
    articles, total = [], 0
    for article in data["data"]:
        articles.append(article)
        total = len(from_squad("slice", {"data": articles}).corpus.sentences)
        if total >= args.sentences:
            break
    eval_set = from_squad(f"{args.file.name}, first {len(articles)} articles", {"data": articles})
    corpus = eval_set.corpus
    settings = Settings(reader=not args.no_reader)
    embedder = CachedEmbedder(make_embedder(settings.embedder))
    tmp = Path(tempfile.mkdtemp(prefix="milvus-agreement-"))
    uri = args.uri or str(tmp / "milvus.db")
    on_milvus = settings.with_(milvus=uri, milvus_collection="agreement")
    try:
        faiss = Assistant.from_corpus(corpus, settings, embedder)
        started = time.perf_counter()
        milvus = Assistant.from_corpus(corpus, on_milvus, embedder)
        build = time.perf_counter() - started
        figures = _compare(faiss, milvus, [q.question for q in eval_set.questions])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    figures.update(
        set=eval_set.name,
        sentences=len(corpus.sentences),
        milvus=args.uri or "Milvus Lite",
        milvus_bm25=bool(getattr(milvus.retriever.indexes.vectors.space, "lexical", False)),
        reader=settings.reader,
        milvus_write_s=round(build, 2),
    )
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def _compare(faiss: Assistant, milvus: Assistant, questions: list[str]) -> dict:
    same_first = same_top3 = same_abstain = 0
    times: dict[str, list[float]] = {"faiss": [], "milvus": []}
    differing = []
    for number, question in enumerate(questions, start=1):
        if number % 200 == 0:
            print(f"{number}/{len(questions)} questions", file=sys.stderr, flush=True)
        answers = []
        for name, assistant in (("faiss", faiss), ("milvus", milvus)):
            started = time.perf_counter()
            answers.append(assistant.ask(question))
            times[name].append(time.perf_counter() - started)
        rows = [[c.sentence.row for c in a.citations] for a in answers]
        same_first += rows[0][:1] == rows[1][:1]
        same_top3 += rows[0][:3] == rows[1][:3]
        same_abstain += answers[0].abstained == answers[1].abstained
        if rows[0][:1] != rows[1][:1]:
            differing.append(question)
    n = len(questions)
    return {
        "questions": n,
        "citation_1_agree": round(same_first / n, 4),
        "top3_agree": round(same_top3 / n, 4),
        "abstention_agree": round(same_abstain / n, 4),
        "p50_ms": {k: round(1000 * statistics.median(v), 1) for k, v in times.items()},
        "p95_ms": {k: round(1000 * statistics.quantiles(v, n=20)[-1], 1) for k, v in times.items()},
        "differing_examples": differing[:10],
    }


if __name__ == "__main__":
    main()
