"""Follow-up questions measured on conversations: is citation [1] right with and without the
earlier turns?

A conversation set is JSON: `documents` (`title`, `source`, `text`), `include_sample` (ask over
the bundled article too), and `conversations`, each `{"id", "turns": [{"question", "gold"}]}`
where `gold` is a piece of text found in exactly one sentence: the one that answers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.assistant import SAMPLE_PATH, Assistant
from qa.errors import QAError
from qa.ingest.documents import make_document
from qa.search.followup import Turn
from qa.types import Answer, Document


@dataclass(frozen=True)
class Conversation:
    """Questions asked in order; `golds[i]` is found in the sentence answering `questions[i]`."""

    cid: str
    questions: tuple[str, ...]
    golds: tuple[str, ...]


@dataclass(frozen=True)
class ConversationSet:
    """The documents the conversations are held over, and the conversations."""

    name: str
    documents: tuple[Document, ...]
    conversations: tuple[Conversation, ...]


def is_conversation_set(path: Path) -> bool:
    """Whether `path` is a JSON file with a `conversations` list (read lazily: only `.json`)."""
    if path.suffix != ".json":
        return False
    try:
        return "conversations" in json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def load_conversations(path: str | Path) -> ConversationSet:
    """Read a conversation set (see the module docstring).

    Raises:
        QAError: The file is unreadable or a conversation is malformed (named in the message).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        documents = [
            make_document(d["text"], d["source"], d.get("title")) for d in data["documents"]
        ]
        if data.get("include_sample"):
            documents.insert(0, make_document(SAMPLE_PATH.read_text(encoding="utf-8"), "sample"))
        conversations = tuple(_conversation(c) for c in data["conversations"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise QAError(f"{path}: not a readable conversation set ({exc!r})") from exc
    return ConversationSet(path.name, tuple(documents), conversations)


def _conversation(raw: dict[str, Any]) -> Conversation:
    turns = raw["turns"]
    return Conversation(
        str(raw["id"]), tuple(t["question"] for t in turns), tuple(t["gold"] for t in turns)
    )


def evaluate_conversations(assistant: Assistant, conversations: Sequence[Conversation]) -> dict:
    """Ask each conversation in order, carrying the assistant's own answers as the history (as
    in the chat), and each follow-up once more on its own. Counts, over the follow-ups (turn 2
    on) and over the opening questions: citation [1] holds the gold text (`right`) and, of
    those, the answer was not withheld (`answered_right`)."""
    rows = []
    for conversation in conversations:
        history: list[Turn] = []
        for i, (question, gold) in enumerate(zip(conversation.questions, conversation.golds)):
            with_history = assistant.ask(question, history=history)
            alone = _asked_alone(assistant, question) if i else with_history
            rows.append(
                {
                    "id": f"{conversation.cid}/{i + 1}",
                    "follow_up": i > 0,
                    "question": question,
                    "searched": with_history.searched,
                    "with_history": _outcome(with_history, gold),
                    "alone": _outcome(alone, gold),
                }
            )
            history.append(Turn.of(with_history))
    follow_ups = [r for r in rows if r["follow_up"]]
    openers = [r for r in rows if not r["follow_up"]]
    return {
        "conversations": len(conversations),
        "openers": _counts(openers, "alone"),
        "follow_ups_alone": _counts(follow_ups, "alone"),
        "follow_ups_with_history": _counts(follow_ups, "with_history"),
        "rows": rows,
    }


def _asked_alone(assistant: Assistant, question: str) -> Answer | None:
    """The follow-up's answer without the conversation; None when, alone, it names nothing to
    look for ("And when?"), which the assistant refuses (counted as not right)."""
    try:
        return assistant.ask(question)
    except QAError:
        return None


def _outcome(answer: Answer | None, gold: str) -> dict[str, bool]:
    if answer is None:
        return {"right": False, "answered_right": False}
    right = bool(answer.citations) and gold in answer.citations[0].text
    return {"right": right, "answered_right": right and not answer.abstained}


def _counts(rows: list[dict], key: str) -> dict[str, int]:
    return {
        "questions": len(rows),
        "right": sum(r[key]["right"] for r in rows),
        "answered_right": sum(r[key]["answered_right"] for r in rows),
    }


def conversation_table(report: dict) -> str:
    """The report as a small text table, then each follow-up that history changed."""
    lines = [
        f"{report['conversations']} conversations",
        f"{'':28}{'questions':>10}{'right [1]':>11}{'answered right':>16}",
    ]
    for label, key in (
        ("opening questions", "openers"),
        ("follow-ups, asked alone", "follow_ups_alone"),
        ("follow-ups, with history", "follow_ups_with_history"),
    ):
        c = report[key]
        lines.append(f"{label:28}{c['questions']:>10}{c['right']:>11}{c['answered_right']:>16}")
    for r in report["rows"]:
        if r["follow_up"] and r["alone"]["right"] != r["with_history"]["right"]:
            better = "gained" if r["with_history"]["right"] else "LOST"
            lines.append(f"  {better} {r['id']}: {r['question']}  ->  {r['searched']}")
    return "\n".join(lines)
