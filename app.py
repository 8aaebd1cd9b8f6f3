"""The chat UI (Gradio only): it builds the interface around an `Assistant`; formatting lives in
`qa.formatting`. Run `python app.py` or `qa serve`."""

from __future__ import annotations

import argparse
import html
import os
from pathlib import Path
from typing import Any

# Offline before gradio imports huggingface_hub, which reads the setting on import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr

from qa import Assistant, QAError
from qa.cli import add_serve_options, cache_dir, configure_logging, parse_auth
from qa.formatting import answer_to_json, answer_to_markdown

EXAMPLES = [
    "Who directs the biomedical alliance?",
    "Which company is a director unit of the alliance?",
    "What does the industrial chain alliance aim to forge?",
    "What was signed to serve the Hangzhou Asian Games?",
    "What is the capital of France?",
]
MODES = ["hybrid", "bm25", "dense"]


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat interface over `assistant`, with a named `ask` API endpoint."""

    def ask(question: str, k: float = 3, mode: str = "hybrid") -> dict[str, Any]:
        """Answer a question; returns the answer as JSON (question, abstained, citations)."""
        try:
            return answer_to_json(assistant.ask(question, k=int(k), mode=mode))
        except QAError as exc:
            raise gr.Error(str(exc)) from exc

    def respond(
        question: str, history: list[dict[str, str]], k: float, mode: str
    ) -> tuple[str, list[dict[str, str]]]:
        try:
            answer = assistant.ask(question, k=int(k), mode=mode)
        except QAError as exc:
            raise gr.Error(str(exc)) from exc
        turn = [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer_to_markdown(answer)},
        ]
        return "", [*history, *turn]

    titles = ", ".join(sorted({d.title for d in assistant.corpus.documents.values()}))
    with gr.Blocks(title="Cited answers") as demo:
        gr.Markdown(
            f"## Cited answers\nAsk about **{len(assistant.corpus.documents)}** document(s) "
            f"({len(assistant.corpus.sentences)} sentences): {html.escape(titles)[:300]}.\n"
            "Every answer is an exact sentence from the documents, numbered [1]..[k]."
        )
        chat = gr.Chatbot(label="Answers", height=480, sanitize_html=True, feedback_options=None)
        with gr.Row():
            question = gr.Textbox(
                placeholder="Ask a question about the documents", show_label=False, scale=5
            )
            send = gr.Button("Ask", variant="primary", scale=1)
        with gr.Accordion("Settings", open=False):
            k = gr.Slider(1, 10, value=assistant.settings.k, step=1, label="Citations")
            mode = gr.Radio(MODES, value=assistant.settings.mode.value, label="Retrieval mode")
        gr.Examples(EXAMPLES, inputs=question)
        for trigger in (question.submit, send.click):
            trigger(respond, [question, chat, k, mode], [question, chat], api_visibility="private")
        api_question = gr.Textbox(visible=False)
        api_out = gr.JSON(visible=False)
        gr.Button(visible=False).click(ask, [api_question, k, mode], api_out, api_name="ask")
    return demo


def serve(
    store: Path | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    auth: tuple[str, str] | None = None,
) -> None:
    """Load the store (default: the bundled sample article, indexed and cached on first use)
    and serve the chat on `host:port`, behind a login page when `auth` is given."""

    assistant = Assistant.sample(cache_dir()) if store is None else Assistant.load(store)
    _ = assistant.reader  # load the reader now rather than on the first question
    port = port or int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    build_app(assistant).launch(server_name=host, server_port=port, auth=auth)


def main() -> None:
    """`python app.py [--store DIR] [--host H] [--port P] [--auth USER:PASSWORD]`."""
    parser = argparse.ArgumentParser(description="Chat with cited answers from your documents.")
    add_serve_options(parser)
    args = parser.parse_args()
    configure_logging(verbose=True)
    try:
        auth = parse_auth(args.auth)
    except QAError as exc:
        parser.error(str(exc))
    serve(args.store, args.host, args.port, auth)


if __name__ == "__main__":
    main()
