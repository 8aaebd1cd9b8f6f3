"""The chat UI (Gradio only): it builds the interface around a `Collection`; formatting lives in
`qa.serve.formatting` and `qa.serve.source_view`. Run `python app.py` or `qa serve`."""

from __future__ import annotations

import argparse
import html
import os
import sys
import threading
from pathlib import Path
from typing import Any

# Offline before gradio imports huggingface_hub, which reads the setting on import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr
from starlette.middleware import Middleware

from qa import Answer, Assistant, QAError, Turn
from qa.ingest.converters import MAX_FILE_BYTES, SUPPORTED_SUFFIXES
from qa.serve.api_inputs import argument, turn_from_json, whole_number
from qa.serve.collection import Added, Collection, Report
from qa.serve.examples import example_questions
from qa.serve.formatting import (
    answer_to_json,
    answer_to_markdown,
    chat_markdown,
    document_to_json,
    plain_markdown,
    plain_name,
)
from qa.serve.interface_text import language_of, say, translations
from qa.serve.login import ClientAddress, LoginThrottle, password_check
from qa.serve.options import (
    add_serve_options,
    cache_dir,
    check_port,
    configure_logging,
    default_store,
    parse_auth,
)
from qa.serve.source_view import empty_panel, parse_source_link, safe_name, source_html

MODES = ["hybrid", "bm25", "dense"]
# The chat shows document text, titles and file names: `$$5 or $$10` in one is a price, not
# LaTeX, so nothing the app renders as Markdown turns `$` into math.
NO_LATEX: list[dict[str, str | bool]] = []

CSS = """
.qa-source-text { white-space: pre-wrap; max-height: 62vh; overflow-y: auto; line-height: 1.55;
  padding: 0.6em 0.8em; border: 1px solid var(--border-color-primary); border-radius: 8px; }
.qa-cited { background: #ffe066; color: #1a1a1a; padding: 0 2px; border-radius: 2px; }
.qa-near { background: rgba(255, 224, 102, 0.22); }
.qa-source-title { font-weight: 600; font-size: 1.05em; margin-bottom: 0.2em; }
.qa-source-meta, .qa-more, .qa-source-empty { color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-source-meta { margin-bottom: 0.6em; }
.gradio-container b, .gradio-container strong { font-size: inherit !important; font-family: inherit !important; }
"""
# A click on a citation number in the chat asks the server for that sentence's source view:
# it keeps the link where the hidden button's event reads it (READ_LINK), then presses it.
# After an answer the chat shows its beginning (the short answer and [1]), and the source
# panel scrolls inside itself, not the page, to put the cited sentence in its top third.
HEAD = """<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest('a[href^="#qa-source:"]');
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  window.qaSourceLink = link.getAttribute("href");
  document.querySelector("#qa-source-open")?.click();
}, true);
function qaScrollWithin(box, element, offset) {
  if (box && element)
    box.scrollTop += element.getBoundingClientRect().top - box.getBoundingClientRect().top - offset;
}
window.qaShowCited = () => setTimeout(() => {
  const mark = document.getElementById("qa-cited");
  const box = mark && mark.closest(".qa-source-text");
  qaScrollWithin(box, mark, box ? box.clientHeight / 3 : 0);
}, 150);
window.qaShowAnswer = () => setTimeout(() => {
  const bots = document.querySelectorAll('[data-testid="bot"]');
  const last = bots[bots.length - 1];
  let box = last && last.parentElement;
  while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
  if (box !== document.documentElement && box !== document.body) qaScrollWithin(box, last, 40);
}, 150);
</script>"""
READ_LINK = "(link) => window.qaSourceLink || link"
SHOW_CITED = "() => window.qaShowCited()"
ANSWERING_THREADS = int(os.environ.get("QA_ANSWERING_THREADS", "4"))
# Text one upload may hold: 2 MB of prose is indexed in 27 s on 2 cores, peak memory +1.0 GB
# (scripts/upload_size_check.py; 3.9 MB took 189 s); larger files go through `qa index`.
UPLOAD_MAX_CHARS = int(os.environ.get("QA_UPLOAD_MAX_CHARS", "2000000"))
SHOW_ANSWER = "() => { window.qaShowAnswer(); window.qaShowCited(); }"


I18N = gr.I18n(
    **translations(
        suffixes=", ".join(sorted(SUPPORTED_SUFFIXES)), megabytes=MAX_FILE_BYTES // 1_000_000
    )
)


def build_app(collection: Collection, keep_uploads: bool = False) -> gr.Blocks:
    """The chat, source panel and document manager over `collection`, with named API
    endpoints `ask`, `upload`, `list` and `remove`. Uploaded files are deleted once read
    (`Collection.add_uploads`); `keep_uploads` keeps the originals of the documents indexed
    beside the store, until they are removed. Its words follow the browser's language
    (`qa.serve.interface_text`), and its example questions come from the collection."""
    documents = _Documents(collection, keep_uploads)

    def respond(
        question: str,
        history: list[dict[str, str]],
        turns: list[dict[str, str]],
        k: float,
        mode: str,
        follow_ups: bool,
        request: gr.Request,
    ) -> tuple[str, list[dict[str, str]], list[dict[str, str]], str, str]:
        earlier = [Turn(**t) for t in turns] if follow_ups else []
        assistant = collection.assistant  # one snapshot for the answer and its source
        language = _language(request)
        answer = _ask(assistant, question, k, mode, earlier, language)
        message = [
            {"role": "user", "content": plain_markdown(question)},  # as typed, not Markdown
            {"role": "assistant", "content": chat_markdown(answer, language)},
        ]
        turn = Turn.of(answer).__dict__
        source = empty_panel(language)
        if answer.citations:  # [1] opens in the source panel by itself
            s = answer.citations[0].sentence
            source = source_html(assistant.corpus, s.doc_id, s.start, s.end, language)
        copied = answer_to_markdown(answer, language)
        return "", [*history, *message], [*turns, turn], copied, source

    def show_source(link: str, request: gr.Request) -> str:
        return _source(collection, link, _language(request))

    def restart_conversation(request: gr.Request) -> tuple[Any, ...]:
        return [], [], "", empty_panel(_language(request))

    with gr.Blocks(title="Cited answers") as demo:
        header = gr.Markdown(_header(collection), latex_delimiters=NO_LATEX, elem_id="qa-header")
        turns = gr.State([])
        with gr.Tab(I18N("chat")):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chat = gr.Chatbot(
                        label=I18N("answers"),
                        height=520,
                        sanitize_html=True,
                        latex_delimiters=NO_LATEX,
                        feedback_options=None,
                        autoscroll=False,  # SHOW_ANSWER shows the answer's beginning instead
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder=I18N("ask_placeholder"),
                            show_label=False,
                            scale=5,
                        )
                        send = gr.Button(I18N("ask"), variant="primary", scale=1)
                    asked = gr.Dataset(
                        components=[question],
                        samples=documents.examples(),
                        label=I18N("examples"),
                        elem_id="qa-examples",
                    )
                    with gr.Accordion(I18N("settings"), open=False):
                        k = gr.Slider(
                            1,
                            10,
                            value=collection.assistant.settings.k,
                            step=1,
                            label=I18N("citations"),
                        )
                        mode = gr.Radio(
                            MODES,
                            value=collection.assistant.settings.mode.value,
                            label=I18N("mode"),
                        )
                        follow_ups = gr.Checkbox(value=True, label=I18N("follow_ups"))
                    with gr.Accordion(I18N("copy"), open=False):
                        copy = gr.Textbox(
                            show_label=False,
                            lines=8,
                            interactive=False,
                            buttons=["copy"],
                            elem_id="qa-copy",
                        )
                    restart = gr.Button(I18N("new_conversation"), size="sm")
                with gr.Column(scale=2):
                    gr.Markdown("### " + I18N("source"))
                    source = gr.HTML(empty_panel(), elem_id="qa-source")
            link = gr.Textbox(visible="hidden")
            open_link = gr.Button("Open source", visible="hidden", elem_id="qa-source-open")
        with gr.Tab(I18N("documents")):
            files = gr.File(
                label=I18N("add_files"),
                file_count="multiple",
                file_types=sorted(SUPPORTED_SUFFIXES),
            )
            status = gr.Markdown(latex_delimiters=NO_LATEX, elem_id="qa-status")
            table = gr.Dataframe(
                headers=say("columns").split("|"),
                value=_rows(collection),
                interactive=False,
                wrap=True,
                column_widths=["34%", "26%", "10%", "11%", "7%", "12%"],
                elem_id="qa-documents",
            )
            with gr.Row():
                choice = gr.Dropdown(
                    _choices(collection), value=None, label=I18N("remove_choice"), scale=4
                )
                drop = gr.Button(I18N("remove"), variant="stop", scale=1)

        answered = [question, chat, turns, copy, source]
        for trigger in (question.submit, send.click):
            trigger(
                respond,
                [question, chat, turns, k, mode, follow_ups],
                answered,
                api_visibility="private",
            ).then(None, js=SHOW_ANSWER)
        open_link.click(show_source, link, source, js=READ_LINK, api_visibility="private").then(
            None, js=SHOW_CITED
        )
        restart.click(
            restart_conversation, None, [chat, turns, copy, source], api_visibility="private"
        )
        asked.click(_example, asked, question, api_visibility="private")
        views = [table, choice, header, asked]
        files.upload(
            documents.add_files,
            files,
            [files, status, *views],
            api_visibility="private",
            show_progress_on=[files],
        )
        drop.click(documents.remove_choice, choice, [status, *views], api_visibility="private")
        # Each page load shows the collection as it is now, not as it was at start-up.
        demo.load(documents.view, None, views, api_visibility="private")
        demo.load(_empty_panel, None, source, api_visibility="private")
        _api(collection, keep_uploads)
    # Several questions are answered at once (Gradio's default answers one at a time), so a
    # slow one does not hold up the rest (in process on 2 cores: 31 answers/s one at a time,
    # 37.5 four at a time; scripts/reading_check.py).
    demo.queue(default_concurrency_limit=ANSWERING_THREADS)
    return demo


def _api(collection: Collection, keep_uploads: bool) -> None:
    """The named endpoints for `gradio_client`, on hidden components."""

    def ask(question: Any, k: Any = None, mode: Any = None, previous: Any = None) -> dict[str, Any]:
        """Answer a question with cited sentences from the documents.

        Args:
            question: The question, a string.
            k: How many sentences to cite, a whole number (None: the collection's default).
            mode: hybrid, bm25 or dense (None: the collection's default).
            previous: What /ask returned for the previous question, for a follow-up; or None.
        """
        # The raw JSON values (preprocess=False): a Textbox would make a list a string.
        try:
            text = argument("question", question, str, "a string: the question's text")
            count = whole_number("k", k)
            how = argument("mode", mode, str, f"one of {', '.join(MODES)}")
            earlier = [] if previous in (None, {}) else [turn_from_json(previous)]
        except QAError as exc:
            raise gr.Error(str(exc)) from exc
        assistant = collection.assistant
        return answer_to_json(_ask(assistant, text or "", count, how, earlier))

    def upload(paths: list[str] | None) -> dict[str, Any]:
        """Add files to the collection; returns the documents added, the files skipped and
        the added files with almost no text."""
        added = _upload(collection, paths or [], keep_uploads)
        return {
            "added": [document_to_json(d, collection.assistant.corpus) for d in added.documents],
            "skipped": [{"file": s.source, "reason": s.reason} for s in added.skipped],
            "near_empty": list(added.near_empty),
        }

    def list_documents() -> list[dict[str, Any]]:
        """The indexed documents."""
        corpus = collection.refreshed().corpus  # one snapshot, as the store holds it now
        return [document_to_json(d, corpus) for d in corpus.documents.values()]

    def remove(doc_id: str) -> dict[str, Any]:
        """Remove a document by id; returns it as `list` showed it."""
        corpus = collection.assistant.corpus  # as listed, before the removal
        try:
            return document_to_json(collection.remove(doc_id), corpus)
        except QAError as exc:
            raise gr.Error(str(exc)) from exc

    settings = collection.assistant.settings
    question, doc_id = gr.Textbox(visible=False), gr.Textbox(visible=False)
    # Their values are what gradio_client fills in when a call leaves them out.
    k = gr.Number(settings.k, precision=0, visible=False)
    mode = gr.Textbox(settings.mode.value, visible=False)
    previous = gr.JSON(visible=False)
    paths = gr.File(file_count="multiple", visible=False)
    out = gr.JSON(visible=False)
    gr.Button(visible=False).click(
        ask, [question, k, mode, previous], out, api_name="ask", preprocess=False
    )
    gr.Button(visible=False).click(upload, paths, out, api_name="upload")
    gr.Button(visible=False).click(list_documents, None, out, api_name="list")
    gr.Button(visible=False).click(remove, doc_id, out, api_name="remove")


def _ask(
    assistant: Assistant,
    question: str,
    k: float | None,
    mode: str | None,
    history: list[Turn],
    language: str = "en",
) -> Answer:
    try:
        return assistant.ask(question, k=None if k is None else int(k), mode=mode, history=history)
    except QAError as exc:
        raise _shown(exc, language) from exc


def _shown(error: QAError, language: str) -> gr.Error:
    """`error` as the chat shows it: a notice in the browser's language (Gradio titles it)."""
    return gr.Error(error.said(language))


def _upload(
    collection: Collection,
    paths: list[str],
    keep: bool,
    report: Report | None = None,
    language: str = "en",
) -> Added:
    """Index uploaded files under the names citations show (Gradio keeps each upload's own
    name), then delete them or, with `keep`, keep the indexed ones beside the store."""
    try:
        return collection.add_uploads(
            [(Path(p), Path(p).name) for p in paths], report, keep, UPLOAD_MAX_CHARS
        )
    except QAError as exc:
        raise _shown(exc, language) from exc


def _empty_panel(request: gr.Request) -> str:
    """The empty source panel in the browser's language."""
    return empty_panel(_language(request))


def _source(collection: Collection, link: str, language: str = "en") -> str:
    try:
        doc_id, start, end = parse_source_link(link)
    except QAError as exc:
        return f'<div class="qa-source-empty">{html.escape(exc.said(language))}</div>'
    return source_html(collection.assistant.corpus, doc_id, start, end, language)


def _header(collection: Collection, language: str = "en") -> str:
    corpus = collection.assistant.corpus
    titles = ", ".join(sorted(safe_name(d.title) for d in corpus.documents.values()))
    if len(titles) > 300:  # cut before escaping, so no escape is cut in half
        titles = titles[:300] + "…"
    return say(
        "header",
        language,
        count=len(corpus.documents),
        sentences=len(corpus.sentences),
        titles=plain_name(titles),
    )


def _language(request: gr.Request | None) -> str:
    """The interface language the browser asked for ("en" or "zh")."""
    headers = getattr(request, "headers", None) or {}
    return language_of(headers.get("accept-language"))


class _Documents:
    """The Documents tab's handlers over one collection (named apart from the API endpoints
    `upload` and `remove`, which Gradio would otherwise rename), each returning the views a change
    refreshes: the documents table, the removal choices, the header and the example
    questions (`example_questions`, chosen again only after the collection changed)."""

    def __init__(self, collection: Collection, keep_uploads: bool) -> None:
        self._collection = collection
        self._keep = keep_uploads
        self._examples: tuple[Assistant, list[list[str]]] | None = None

    def view(self, request: gr.Request) -> tuple[Any, ...]:
        collection, language = self._collection, _language(request)
        return (
            gr.Dataframe(_rows(collection), headers=say("columns", language).split("|")),
            gr.Dropdown(choices=_choices(collection), value=None),
            _header(collection, language),
            gr.Dataset(samples=self.examples()),
        )

    def add_files(
        self, paths: list[str] | None, request: gr.Request, progress: gr.Progress = gr.Progress()
    ) -> tuple[Any, ...]:
        language = _language(request)
        if not paths:
            return (None, say("choose_files", language), *self.view(request))
        added = _upload(
            self._collection,
            paths,
            self._keep,
            lambda done, step: progress(done, desc=step.said(language)),
            language,
        )
        return (None, _upload_message(added, language), *self.view(request))

    def remove_choice(self, doc_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not doc_id:
            return (say("choose_document", _language(request)), *self.view(request))
        try:
            document = self._collection.remove(doc_id)
        except QAError as exc:
            raise _shown(exc, _language(request)) from exc
        title, source = plain_name(document.title), plain_name(document.source)
        message = say("removed", _language(request), title=title, source=source)
        return (message, *self.view(request))

    def examples(self) -> list[list[str]]:
        assistant = self._collection.assistant
        chosen = self._examples
        if chosen is None or chosen[0] is not assistant:
            chosen = (assistant, [[q] for q in example_questions(assistant)])
            self._examples = chosen
        return chosen[1]


def _example(sample: Any) -> str:
    """The question of a clicked example (a Dataset sample: the list of its values)."""
    return str(sample[0] if isinstance(sample, list | tuple) else sample)


def _rows(collection: Collection) -> list[list[Any]]:
    corpus = collection.refreshed().corpus  # one snapshot, as the store holds it now
    shown = [document_to_json(d, corpus) for d in corpus.documents.values()]
    keys = ("title", "source", "sentences", "characters", "pages", "doc_id")
    shown_as_text = ("title", "source")
    return [
        [safe_name(info[key]) if key in shown_as_text else info[key] or "" for key in keys]
        for info in shown
    ]


def _choices(collection: Collection) -> list[tuple[str, str]]:
    return [(safe_name(f"{d.title} ({d.source})"), d.doc_id) for d in collection.documents()]


def _upload_message(added: Added, language: str = "en") -> str:
    lines = []
    if added.documents:
        names = ", ".join(f"**{plain_name(d.title)}**" for d in added.documents)
        lines.append(say("indexed", language, count=len(added.documents), names=names))
    for skipped in added.skipped:  # reasons quote titles and file names
        name, reason = plain_name(skipped.source), plain_name(skipped.said(language))
        lines.append(say("skipped", language, name=name, reason=reason))
    for name in added.near_empty:
        lines.append(say("near_empty", language, name=plain_name(name)))
    return "  \n".join(lines) or say("nothing_added", language)


def serve(
    store: Path | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    auth: tuple[str, str] | None = None,
    keep_uploads: bool = False,
) -> None:
    """Open the collection in `store` (default `default_store()`; created with the bundled
    sample article when it does not exist yet) and serve the chat on `host:port`, behind a
    login page when `auth` is given (failed logins slowed down, `login_options`), keeping
    uploaded originals when `keep_uploads`."""
    if port is None:
        variable = os.environ.get("GRADIO_SERVER_PORT", "7860")
        if not variable.isdigit():
            raise QAError(f"GRADIO_SERVER_PORT={variable!r} is not a port number; use --port N")
        port = int(variable)
    check_port(host, port)  # before the collection loads, which can take a while
    collection = Collection.open(store or default_store(), lambda: Assistant.sample(cache_dir()))
    _ = collection.assistant.reader  # load the reader now rather than on the first question
    # and, while the page loads, what a first question in the other language would wait for
    threading.Thread(target=collection.assistant.prepare, name="qa-prepare", daemon=True).start()
    try:
        build_app(collection, keep_uploads).launch(
            **launch_options(), **login_options(auth), server_name=host, server_port=port
        )
    except OSError:
        check_port(host, port)  # taken while the collection loaded: say so in one line
        raise


SESSIONS = 1000
"""Sessions (browser tabs, gradio_client clients, REST calls: each call of /gradio_api/call is
one) whose state Gradio keeps, oldest forgotten first. Each holds a copy of the page's
configuration, about 110 KB here: Gradio's default of 10,000 let the server grow by 1.1 GB
under a REST client (+55 MB per 500 asks, scripts/soak.py)."""


def launch_options() -> dict[str, Any]:
    """What `launch()` needs for the citation links, highlighting and upload limit, and the
    number of sessions Gradio keeps in memory (`SESSIONS`)."""
    return {
        "css": CSS,
        "head": HEAD,
        "max_file_size": MAX_FILE_BYTES,
        "state_session_capacity": SESSIONS,
        "i18n": I18N,
    }


def login_options(
    auth: tuple[str, str] | None, throttle: LoginThrottle | None = None
) -> dict[str, Any]:
    """What `launch()` needs for a login page over the one login `auth` (nothing for None):
    the check, which slows failed logins down per user name and client address
    (`qa.serve.login`, with `throttle`), the login page's note on it, and the middleware that
    tells the check the client's address (Gradio calls it with the user name and password
    only)."""
    if auth is None:
        return {}
    throttle = throttle or LoginThrottle()
    policy = throttle.policy
    return {
        "auth": password_check(*auth, throttle),
        "auth_message": (
            f"After {policy.free_failures} wrong passwords, logins for that user name or from "
            f"that address are refused for {policy.first_delay:g} s, twice as long after each "
            f"further one (up to {policy.max_delay:g} s). If the right password is refused, "
            f"wait {policy.max_delay:g} s and log in again."
        ),
        "app_kwargs": {"middleware": [Middleware(ClientAddress)]},
    }


def main() -> None:
    """`python app.py [--store DIR] [--host H] [--port P] [--auth USER:PASSWORD]
    [--keep-uploads]`."""
    parser = argparse.ArgumentParser(description="Chat with cited answers from your documents.")
    add_serve_options(parser)
    args = parser.parse_args()
    configure_logging(verbose=True)
    try:
        serve(args.store, args.host, args.port, parse_auth(args.auth), args.keep_uploads)
    except QAError as exc:  # one line, as the `qa` command prints its errors
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
