"""Tune fusion and calibrate abstention on a tuning set (never on a set reported as evidence).

Reproduce:
  ./dev.sh python scripts/tune_on_train.py ../shared/data/squad/squad-v1.1-train-part.rebuilt.json.gz [--write]
  ./dev.sh python scripts/tune_on_train.py ../shared/data/cmrc2018/squad-style-data_cmrc2018_trial.json \
      --model multilingual-e5-small --every 1 --grid wide [--write]

It takes every `--every`th article of a SQuAD-format file (default 6: about 2,200 paragraphs of
the SQuAD train part, the size of SQuAD dev), splits the paragraphs with our splitter and,
through the production `Assistant.rank`,
  1. reports MRR / R@1 of BM25, dense, and hybrid under each fusion setting of a small grid;
  2. calibrates the abstention threshold on the question's best cosine similarity to any
     sentence: answerable = the question asked of its own article, unanswerable = the same
     question asked of another article; the threshold maximises balanced accuracy (Youden's J).
With --write it stores the threshold in qa/data/calibration.json (replacing the entry for the
same model and `--language` without the reader). Sentence and question vectors are cached under .qa-cache/tune/
(keyed by model and texts).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embeddings import DEFAULT_MODEL, embed_queries, make_embedder  # noqa: E402
from qa import Assistant, Fusion, Mode, Settings  # noqa: E402
from qa.evaluation.datasets import EvalSet, from_squad  # noqa: E402
from qa.evaluation.metrics import ranking_metrics  # noqa: E402
from qa.index.embedding import indexed_text  # noqa: E402
from qa.search.transliteration import Transliterations  # noqa: E402

WIDE_GRID = [
    Settings(fusion=Fusion.RRF, rrf_k=60),
    *(
        Settings(lexical_weight=w, passage_lexical_weight=p, passage_dense_weight=d)
        for w in (0.02, 0.03, 0.05, 0.07, 0.1, 0.2, 0.4, 0.8, 1.6)
        for p in (0.0, 0.2, 0.8, 1.6)
        for d in (0.0, 0.4)
    ),
]
GRID = [
    Settings(fusion=Fusion.RRF, rrf_k=60),
    *(
        Settings(lexical_weight=w, passage_lexical_weight=p, passage_dense_weight=d)
        for w, p, d in [
            (1.6, 0.0, 0.0),
            (1.6, 1.6, 0.0),
            (1.6, 0.0, 0.4),
            (1.6, 1.6, 0.4),
            (1.6, 2.0, 0.4),
            (1.6, 1.6, 0.8),
        ]
    ),
]


class PrecomputedEmbedder:
    """Serves cached vectors by text, so every setting is scored on identical embeddings."""

    def __init__(self, name: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.name, self.dimension = name, vectors.shape[1]
        self._row = {t: i for i, t in enumerate(texts)}
        self._vectors = vectors

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors[[self._row[t] for t in texts]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("train", type=Path)
    parser.add_argument("--every", type=int, default=6)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--grid", choices=("small", "wide"), default="small")
    parser.add_argument(
        "--titled", action="store_true", help="index sentences after their title (Settings.titled)"
    )
    parser.add_argument(
        "--reader", action="store_true", help="also score the best settings with the reader"
    )
    parser.add_argument("--cache", type=Path, default=Path(".qa-cache/tune"))
    parser.add_argument(
        "--write", action="store_true", help="store the threshold in qa/data/calibration.json"
    )
    parser.add_argument("--calibrate-only", action="store_true", help="skip the retrieval grid")
    parser.add_argument(
        "--language",
        choices=("zh", "to-zh"),
        help="write the threshold for Chinese questions (zh), or for other questions whose "
        "answer is a Chinese sentence (to-zh); default: all others",
    )
    parser.add_argument(
        "--questions",
        type=Path,
        help="JSON whose 'questions' maps question ids to new texts (translations): only "
        "those questions are asked, in those words",
    )
    args = parser.parse_args()

    eval_set = train_slice(args.train, args.every)
    sentences = eval_set.corpus.sentences
    questions = [q for q in eval_set.questions if q.gold]
    if args.questions:
        texts = json.loads(args.questions.read_text(encoding="utf-8"))["questions"]
        questions = [replace(q, question=texts[q.qid]) for q in questions if q.qid in texts]
    print(
        f"{len({d.title for d in eval_set.corpus.documents.values()})} articles, {len(sentences)} sentences, "
        f"{len(questions)} questions",
        file=sys.stderr,
    )

    model = make_embedder(args.model, show_progress=True)
    corpus = eval_set.corpus
    s_texts = [indexed_text(corpus, row, args.titled) for row in range(len(sentences))]
    q_texts = [q.question for q in questions]
    key = args.model if args.model == DEFAULT_MODEL else _digest([args.model])
    s_vec = _cached(
        args.cache / f"sentences-{key}-{_digest(s_texts)}.npy", lambda: model.embed(s_texts)
    )
    q_vec = _cached(
        args.cache / f"questions-{key}-{_digest(q_texts)}.npy",
        lambda: embed_queries(model, q_texts),
    )
    embedder = PrecomputedEmbedder(args.model, s_texts, s_vec)

    report: dict[str, object] = {}
    base = Settings(embedder=args.model, reader=False, titled=args.titled)
    grid = (
        []
        if args.calibrate_only
        else [(Mode.BM25, base), (Mode.DENSE, base)]
        + [
            (Mode.HYBRID, s.with_(embedder=args.model, reader=False, titled=args.titled))
            for s in (WIDE_GRID if args.grid == "wide" else GRID)
        ]
    )
    indexed = Assistant.from_corpus(eval_set.corpus, base, embedder)
    best: tuple[float, Settings] = (-1.0, base)
    for mode, settings in grid:
        name = mode.value if mode != Mode.HYBRID else f"hybrid {_describe(settings)}"
        report[name] = _score(indexed.with_settings(**settings.to_json()), mode, questions, q_vec)
        if mode == Mode.HYBRID and report[name]["mrr"] > best[0]:
            best = (report[name]["mrr"], settings)
        print(name, report[name], file=sys.stderr)
    if args.reader and grid:
        name = f"hybrid {_describe(best[1])} + reader"
        assistant = indexed.with_settings(**best[1].with_(reader=True).to_json())
        report[name] = _score(assistant, Mode.HYBRID, questions, q_vec)
        print(name, report[name], file=sys.stderr)
    sims = q_vec @ s_vec.T
    if args.language == "to-zh":  # embedded as Assistant.retrieve embeds them, per article
        sims = _named_similarities(model, questions, eval_set.corpus, s_texts, s_vec)
    report["abstention"] = _calibrate(questions, eval_set, sims)
    print(json.dumps(report, indent=2))
    if args.write:
        command = f"--every {args.every}" + (" --titled" if args.titled else "")
        command += f" --questions {args.questions.name}" if args.questions else ""
        _write_calibration(
            args.model,
            args.language,
            args.train.name,
            report["abstention"],
            len(questions),
            command,
        )


def _score(assistant: Assistant, mode: Mode, questions, q_vec: np.ndarray) -> dict:  # noqa: ANN001
    """MRR and recall of `assistant.rank` (the reader included when the settings say so)."""
    gold = {q.qid: q.gold for q in questions}
    runs = {
        q.qid: [r.row for r in assistant.rank(q.question, mode, q_vec[i]).ranking]
        for i, q in enumerate(questions)
    }
    return {k: round(v, 4) for k, v in ranking_metrics(gold, runs).items()}


def train_slice(path: Path, every: int) -> EvalSet:
    """Every `every`th article of the SQuAD-format file at `path` (.gz or plain)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    data["data"] = data["data"][::every]
    return from_squad(path.name, data)


def _describe(settings: Settings) -> str:
    if settings.fusion == Fusion.RRF:
        return f"rrf k={settings.rrf_k:g} dense_weight={settings.dense_weight:g}"
    return (
        f"linear lexical_weight={settings.lexical_weight:g} "
        f"passage_lexical_weight={settings.passage_lexical_weight:g} "
        f"passage_dense_weight={settings.passage_dense_weight:g}"
    )


def _named_similarities(model, questions, corpus, s_texts, s_vec) -> np.ndarray:  # noqa: ANN001
    """Each question's cosine to each sentence, the question embedded with the Chinese words
    its pinyin names spell in that sentence's article (as a collection of that article would)."""
    title = np.array([corpus.documents[s.doc_id].title for s in corpus.sentences])
    sims = np.zeros((len(questions), len(s_texts)), dtype=np.float32)
    for article in sorted(set(title)):
        rows = np.flatnonzero(title == article)
        named = Transliterations.of_texts(s_texts[r] for r in rows).named
        q_vec = embed_queries(model, [named(q.question) for q in questions])
        sims[:, rows] = q_vec @ s_vec[rows].T
    return sims


def _calibrate(questions, eval_set, sims) -> dict[str, float]:  # noqa: ANN001
    """Answerable: the question asked of its own article alone. Unanswerable: the same
    question asked of one other article, drawn at random. One article per collection is how
    people use the assistant (a few articles at a time), so the negatives are off-topic
    collections, not the nearest of 10,000 Wikipedia sentences."""
    from sklearn.metrics import roc_auc_score

    documents, sentences = eval_set.corpus.documents, eval_set.corpus.sentences
    article = np.array([documents[s.doc_id].title for s in sentences])
    articles = sorted(set(article))
    rng = np.random.default_rng(0)
    pos, neg = [], []
    for i, q in enumerate(questions):
        own = article[next(iter(q.gold))]
        other = rng.choice([a for a in articles if a != own])
        pos.append(sims[i][article == own].max())
        neg.append(sims[i][article == other].max())
    pos, neg = np.array(pos), np.array(neg)
    # Youden's J: the threshold with the best balanced accuracy.
    candidates = np.unique(np.round(np.r_[pos, neg], 3))
    _, threshold = max((np.mean(pos >= t) - np.mean(neg >= t), t) for t in candidates)
    return {
        "threshold": round(float(threshold), 3),
        "answered_share_of_answerable": float(np.mean(pos >= threshold)),
        "abstained_share_of_unanswerable": float(np.mean(neg < threshold)),
        "roc_auc": float(
            roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg])
        ),
    }


def _write_calibration(
    model: str,
    language: str | None,
    source: str,
    abstention: dict[str, float],
    n: int,
    command: str,
) -> None:
    entry = {
        "embedder": model,
        "threshold": abstention["threshold"],
        "reader": False,
        **({"language": language} if language else {}),
        "provenance": (
            f"scripts/tune_on_train.py {command} on {source}, {n} questions, "
            "Youden-optimal: answers "
            f"{abstention['answered_share_of_answerable']:.1%} of questions asked of their own article, "
            f"abstains on {abstention['abstained_share_of_unanswerable']:.1%} of the same questions "
            f"asked of another article (ROC AUC {abstention['roc_auc']:.3f})"
        ),
    }
    store_calibration(entry)


def store_calibration(entry: dict) -> None:
    """Put `entry` first in qa/data/calibration.json, in place of the one for the same
    embedder, reader use and language."""
    path = Path(__file__).resolve().parents[1] / "qa" / "data" / "calibration.json"
    table = json.loads(path.read_text(encoding="utf-8"))["calibrations"]

    def key(e: dict) -> tuple:
        return (e["embedder"], e.get("reader", False), e.get("language"))

    kept = [e for e in table if key(e) != key(entry)]
    path.write_text(
        json.dumps({"calibrations": [entry, *kept]}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {path}", file=sys.stderr)


def _digest(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]


def _cached(path: Path, compute: Callable[[], np.ndarray]) -> np.ndarray:
    if path.is_file():
        return np.load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    vectors = compute()
    np.save(path, vectors)
    return vectors


if __name__ == "__main__":
    main()
