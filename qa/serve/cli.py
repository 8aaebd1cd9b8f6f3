"""The `qa` command line: index, ask, eval, serve. Only this module, `qa.serve.options` and
app.py print or read the environment; heavy libraries are imported inside the command that
needs them."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.serve.options import (
    add_serve_options,
    cache_dir,
    configure_logging,
    default_store,
    parse_auth,
    serve_argv,
)

MODES = ("hybrid", "bm25", "dense")
STORE_DEFAULT = (
    "default $QA_STORE, else the chat's collection ~/.local/share/qa-assistant/collection; "
    "`qa ask` answers from the bundled sample article, which the chat starts with, while that "
    "collection does not exist yet"
)

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `qa` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if argv is None and hasattr(signal, "SIGPIPE"):  # `qa ... | head` ends quietly
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # Never reach a model hub at run time: a missing model must fail fast with a clear message.
    # Set before anything imports huggingface_hub, which reads it on import.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    configure_logging(args.verbose)
    from embeddings import EmbeddingError
    from qa.errors import QAError

    try:
        return args.run(args)
    except (QAError, EmbeddingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa", description="Extractive, citation-first question answering."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    index = commands.add_parser(
        "index",
        help="index files or folders into a store; run again, it embeds only new or changed "
        "files and drops the documents of files gone from the folders given; every other "
        "document (other paths, the chat's uploads, the sample) is kept unless --prune",
    )
    index.add_argument(
        "paths",
        nargs="+",
        help=".txt/.md/.html/.pdf/.docx files or folders (recursively); only documents of these "
        "files, and of files gone from these folders, are added, updated or removed",
    )
    index.add_argument(
        "--store", required=True, type=Path, help="store folder to create or bring up to date"
    )
    index.add_argument(
        "--model",
        default=None,
        help="sentence-transformers model name or folder, or multilingual-e5-small (default: the "
        "store's own model; for a new store all-MiniLM-L6-v2, or multilingual-e5-small when a "
        "document is Chinese); another model than the store's re-embeds everything",
    )
    index.add_argument(
        "--milvus",
        metavar="URI",
        default=None,
        help="keep the vectors in Milvus: http://HOST:19530 for a server or cluster, or a path "
        "ending in .db for Milvus Lite (default: where the store keeps them; a new store: in its "
        'folder, with FAISS); --milvus "" moves them back into the folder',
    )
    index.add_argument(
        "--collection",
        default=None,
        help="the Milvus collections' name prefix (default: qa_ and the store folder's name)",
    )
    index.add_argument(
        "--ray",
        action="store_true",
        help="read, split and embed on Ray: a local cluster started for the run, or the one at "
        "--address or $RAY_ADDRESS; run again after a failure, it resumes (docs/ray.md)",
    )
    index.add_argument(
        "--address",
        help="an existing Ray cluster (implies --ray): auto, HOST:6379 or ray://HOST:10001",
    )
    index.add_argument(
        "--workers",
        type=int,
        help="Ray embedding actors (implies --ray), one model copy each (default: one per CPU "
        "of the cluster, fewer where its memory holds fewer at 1.5 GB each)",
    )
    index.add_argument(
        "--runtime-env",
        metavar="JSON",
        help='Ray runtime environment for the workers, e.g. \'{"working_dir": "."}\' when the '
        "cluster's machines lack this project (implies --ray)",
    )
    index.add_argument(
        "--prune",
        action="store_true",
        help="make the store hold exactly what PATHS hold: also remove every document not found "
        "under them (other files and folders, the chat's uploads, the sample)",
    )
    index.add_argument(
        "--dry-run",
        action="store_true",
        help="read the files and print which documents would be added, updated, removed and "
        "kept; no model is loaded, nothing is embedded or written (files are read here, "
        "also with --ray)",
    )
    index.add_argument(
        "--json",
        action="store_true",
        help="print a JSON summary (with --dry-run: the plan), no progress bar",
    )
    index.set_defaults(run=_index)

    ask = commands.add_parser("ask", help="answer a question with cited sentences")
    ask.add_argument("question")
    ask.add_argument("--store", type=Path, help=f"the store to answer from ({STORE_DEFAULT})")
    ask.add_argument("--k", type=int, default=3, help="number of citations (default 3)")
    ask.add_argument("--mode", choices=MODES, default="hybrid")
    ask.add_argument(
        "--no-reader",
        action="store_true",
        help="skip the trained reader (no answer span; abstain on the best cosine alone)",
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.set_defaults(run=_ask)

    ev = commands.add_parser("eval", help="measure retrieval on a question set")
    ev.add_argument("file", type=Path, help="JSONL question set, SQuAD JSON or ReQA-style JSON")
    ev.add_argument(
        "--corpus",
        nargs="+",
        help="documents a JSONL set asks about (default: sample); for a conversation set, more "
        "documents to ask among (files, or a SQuAD/ReQA file's contexts)",
    )
    ev.add_argument("--mode", choices=(*MODES, "all"), default="hybrid")
    ev.add_argument(
        "--model",
        default=None,
        help="sentence-transformers model name or folder, or multilingual-e5-small (default: "
        "all-MiniLM-L6-v2, or multilingual-e5-small when a document is Chinese)",
    )
    ev.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16"),
        default="auto",
        help="embedding precision (default auto: bf16 where the CPU computes it natively)",
    )
    ev.add_argument(
        "--fusion", choices=("linear", "rrf"), default="linear", help="how hybrid mode fuses"
    )
    ev.add_argument(
        "--latency-sample", type=int, default=300, help="questions timed end to end per mode"
    )
    ev.add_argument(
        "--ablation",
        action="store_true",
        help="measure each retrieval component's gain: variants adding one component at a time",
    )
    ev.add_argument(
        "--per-article",
        action="store_true",
        help="ask each question of its own article alone (SQuAD sets; e.g. for abstention)",
    )
    ev.add_argument("--no-reader", action="store_true", help="skip the trained reader")
    ev.add_argument(
        "--sample", type=int, help="ask only this many questions, a fixed random sample (seed 0)"
    )
    ev.add_argument(
        "--plot", type=Path, help="write the answered-precision/coverage curve here (.png/.svg)"
    )
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument(
        "--details", type=Path, help="write one JSON line per question and variant here"
    )
    ev.set_defaults(run=_eval)

    docs = commands.add_parser("docs", help="list the documents of a store, or remove one")
    docs_commands = docs.add_subparsers(dest="docs_command", required=True)
    listing = docs_commands.add_parser("list", help="the documents, one line each")
    removal = docs_commands.add_parser("remove", help="remove documents (nothing is re-embedded)")
    removal.add_argument("doc_ids", nargs="+", help="document ids, as `qa docs list` shows")
    for command in (listing, removal):
        command.add_argument("--store", type=Path, help=f"the store folder ({STORE_DEFAULT})")
        command.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(run=_docs_list)
    removal.set_defaults(run=_docs_remove)

    serve = commands.add_parser("serve", help="start the chat UI")
    add_serve_options(serve)
    serve.set_defaults(run=_serve)
    return parser


def _settings(model: str | None):  # noqa: ANN202
    from qa.settings import Settings

    return Settings() if model is None else Settings.for_model(model)


def _eval_settings(args: argparse.Namespace):  # noqa: ANN202
    """`--model`'s settings with `--fusion`, and without the reader under `--no-reader`."""
    settings = _settings(args.model)
    return settings.with_(fusion=args.fusion, reader=settings.reader and not args.no_reader)


def _open(store: Path | None):  # noqa: ANN202
    """The assistant `qa ask` answers with: `--store`, else the chat's collection
    (`default_store`), else, while the chat has not created that yet, the sample it starts with."""
    from qa.assistant import Assistant
    from qa.index.store import holds_store

    if store is None and not holds_store(default_store()):
        log.info("no collection at %s yet: answering from the bundled sample", default_store())
        return Assistant.sample(cache_dir())
    return Assistant.load(store or default_store())


def _index(args: argparse.Namespace) -> int:
    """`qa index`: with --dry-run only the plan (no model, no Ray, nothing written)."""
    from qa.errors import QAError
    from qa.progress import Bars, quiet
    from qa.scale.ray_cluster import RayCluster
    from qa.serve.index_plan import plan_index
    from qa.serve.indexing import index_paths

    if args.dry_run:
        with Bars() as bars:
            plan = plan_index(args.paths, args.store, args.prune, quiet if args.json else bars)
        print(plan.to_json() if args.json else _index_message(plan))
        return 0
    ray = None
    if args.ray or args.address or args.runtime_env or args.workers:
        try:
            runtime_env = json.loads(args.runtime_env or "{}")
        except json.JSONDecodeError as exc:
            raise QAError(f"--runtime-env is not JSON ({exc}); give an object, e.g. {{}}") from exc
        address = args.address or os.environ.get("RAY_ADDRESS")  # as Ray's own tools
        ray = RayCluster(address, args.workers, runtime_env)
    with Bars() as bars:
        settings = _index_settings(args)
        report = index_paths(
            args.paths,
            args.store,
            settings,
            progress=quiet if args.json else bars,
            ray=ray,
            prune=args.prune,
        )
    print(report.to_json() if args.json else _index_message(report))
    return 0


def _index_settings(args: argparse.Namespace):  # noqa: ANN202
    """The settings `--model` and `--milvus` ask for; None (the store's own) without them.
    Each keeps what the other does not change: `--model` keeps the store's Milvus, and
    `--milvus` the store's model."""
    if args.model is None and args.milvus is None:
        return None
    from qa.index.milvus import collection_name
    from qa.serve.indexing import stored_settings

    stored = stored_settings(args.store)
    settings = _settings(args.model) if args.model is not None else stored or _settings(None)
    if args.milvus is not None:
        name = args.collection or collection_name(args.store)
        return settings.with_(milvus=args.milvus, milvus_collection=args.milvus and name)
    if stored is not None:
        return settings.with_(milvus=stored.milvus, milvus_collection=stored.milvus_collection)
    return settings


def _index_message(report: Any) -> str:
    """`qa index`'s summary (an `IndexReport`), or with --dry-run its plan (an `IndexPlan`,
    one line per document it would add, update, remove or keep), then the files skipped."""
    from qa.serve.index_plan import IndexPlan

    if isinstance(report, IndexPlan):
        changes = {"add": report.add, "update": report.update, "remove": report.remove}
        lines = [
            f"dry run, nothing embedded or written: in {report.store}, "
            + ", ".join(f"{len(sources)} to {verb}" for verb, sources in changes.items())
            + f", {len(report.unchanged)} unchanged, {len(report.keep)} to keep as they are"
        ]
        changes["keep"] = report.keep
        lines += [f"{verb} {source}" for verb, sources in changes.items() for source in sources]
    else:
        changed = report.updated
        updated = f" ({changed} of them new versions of changed files)" if changed else ""
        lines = [
            f"indexed {report.documents} documents, {report.sentences} sentences into "
            f"{report.store}: {report.added} added{updated}, {report.removed} removed, "
            f"{report.unchanged} unchanged, {report.kept} kept (not under the paths given); "
            f"{report.embedded_sentences} sentences embedded; model {report.embedder}"
        ]
    lines += [f"skipped {s['source']}: {s['reason']}" for s in report.skipped]
    lines += [f"kept the indexed version of {source}" for source in report.kept_previous]
    lines += [
        f"note: {source} has almost no text; check that it is the file you meant"
        for source in report.near_empty
    ]
    return "\n".join(lines)


def _chosen_store(given: Path | None) -> Path:
    """`--store`, else the chat's collection (`default_store`), which must exist by then."""
    from qa.errors import QAError
    from qa.index.store import holds_store

    if given is not None:
        return given
    store = default_store()
    if not holds_store(store):
        raise QAError(
            f"no collection at {store} yet: the chat creates it on first start (`qa serve`); "
            "or pass --store DIR, or set QA_STORE"
        )
    return store


def _docs_list(args: argparse.Namespace) -> int:
    from qa.index.store import load_store
    from qa.serve.formatting import document_to_json

    corpus = load_store(_chosen_store(args.store)).corpus  # no model needed to list
    rows = [document_to_json(d, corpus) for d in corpus.documents.values()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    for row in [] if args.json else rows:
        print(
            f"{row['doc_id']}  {row['sentences']:>6} sentences  {row['title']}  ({row['source']})"
        )
    return 0


def _docs_remove(args: argparse.Namespace) -> int:
    from qa.serve.collection import remove_documents

    gone = remove_documents(_chosen_store(args.store), args.doc_ids)  # under its write lock
    removed = [{"doc_id": d.doc_id, "title": d.title, "source": d.source} for d in gone]
    if args.json:
        print(json.dumps({"removed": removed}, ensure_ascii=False))
        return 0
    for d in removed:
        print(f"removed {d['doc_id']}  {d['title']}  ({d['source']})")
    return 0


def _ask(args: argparse.Namespace) -> int:
    from qa.serve.formatting import answer_to_json, answer_to_text

    assistant = _open(args.store)
    if args.no_reader:
        assistant = assistant.with_settings(reader=False)
    answer = assistant.ask(args.question, k=args.k, mode=args.mode)
    print(
        json.dumps(answer_to_json(answer), ensure_ascii=False, indent=2)
        if args.json
        else answer_to_text(answer)
    )
    return 0


def _eval(args: argparse.Namespace) -> int:
    from embeddings import make_embedder
    from qa.assistant import SAMPLE_PATH
    from qa.evaluation import Variant, ablation_variants, evaluate, load_eval_set
    from qa.evaluation.conversations import is_conversation_set
    from qa.evaluation.report import check_plot, plot_coverage, report_table
    from qa.ingest.files import read_documents
    from qa.types import Mode

    if is_conversation_set(args.file):
        return _eval_conversations(args)
    documents = read_documents(args.corpus or [SAMPLE_PATH])
    eval_set = load_eval_set(args.file, documents)
    if args.sample:
        eval_set = eval_set.sample(args.sample)
    if args.plot:
        unanswerable = any(not q.answerable for q in eval_set.questions)
        check_plot(args.plot, unanswerable, args.file.name)
    settings = _eval_settings(args)
    settings = settings.for_texts(d.text for d in eval_set.corpus.documents.values())
    embedder = make_embedder(
        settings.embedder, precision=args.precision, show_progress=not args.json
    )
    if args.ablation:
        variants = ablation_variants(settings)
    else:
        modes = list(Mode) if args.mode == "all" else [Mode(args.mode)]
        variants = [Variant(m.value, m, settings) for m in modes]
    report = evaluate(
        eval_set,
        embedder,
        variants,
        args.latency_sample,
        args.details,
        per_article=args.per_article,
        show_progress=not args.json,
        indexing=settings,
    )
    if args.plot:
        plot_coverage(report, args.plot)
    print(json.dumps(report, indent=2) if args.json else report_table(report))
    return 0


def _eval_conversations(args: argparse.Namespace) -> int:
    from qa.assistant import Assistant
    from qa.evaluation.conversations import (
        conversation_table,
        evaluate_conversations,
        load_conversations,
    )

    conversations = load_conversations(args.file)
    settings = _eval_settings(args)
    documents = [*conversations.documents, *_distractors(args.corpus or [])]
    assistant = Assistant.from_documents(documents, settings)
    report = evaluate_conversations(assistant, conversations.conversations)
    print(json.dumps(report, indent=2) if args.json else conversation_table(report))
    return 0


def _distractors(paths: list[str]) -> list:
    """More documents for a conversation set: text files, or a SQuAD/ReQA file's contexts."""
    from qa.evaluation import load_eval_set
    from qa.ingest.files import read_documents

    sets = [p for p in paths if str(p).endswith((".json", ".json.gz"))]
    files = [p for p in paths if p not in sets]
    documents = read_documents(files) if files else []
    for path in sets:
        documents.extend(load_eval_set(path).corpus.documents.values())
    return documents


def _serve(args: argparse.Namespace) -> int:
    parse_auth(args.auth)  # a malformed login fails before gradio loads
    import runpy

    # The chat is app.py's program (it builds the Gradio interface); run it as `python app.py`
    # would be, so qa never imports the app that imports qa.
    sys.argv = ["qa serve", *serve_argv(args)]
    runpy.run_module("app", run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
