"""The chat's `/ask` endpoint takes JSON from any client: each argument is checked, and a wrong
one is refused with a message naming it (`k must be a whole number such as 3, ...`)."""

from __future__ import annotations

from typing import Any

from qa.errors import QAError
from qa.search.followup import Turn


def argument(name: str, value: Any, kind: type | tuple[type, ...], expected: str) -> Any:
    """`value` when it is None or a `kind`; otherwise a QAError naming the argument."""
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    raise QAError(f"{name} must be {expected}, not {_shown(value)}")


def whole_number(name: str, value: Any) -> int | None:
    number = argument(name, value, (int, float), "a whole number such as 3, or None")
    if isinstance(number, float) and not number.is_integer():
        raise QAError(f"{name} must be a whole number such as 3, not {number}")
    return None if number is None else int(number)


def _shown(value: Any) -> str:
    """A wrong argument as an error message names it: its JSON type and value, cut short."""
    kinds = {
        str: "string",
        list: "list",
        dict: "object",
        bool: "boolean",
        int: "number",
        float: "number",
    }
    kind = kinds.get(type(value), type(value).__name__)
    text = repr(value)
    return f"the {kind} {text[:60]}{'…' if len(text) > 60 else ''}"


def turn_from_json(answer: Any) -> Turn:
    """The turn a previous /ask result makes, or a QAError naming `previous`."""
    expected = "the object a previous /ask call returned, or None"
    argument("previous", answer, dict, expected)
    span = answer.get("answer") or {}
    fields = [answer.get("searched") or answer.get("question")]
    if isinstance(span, dict):
        fields += [span.get("text") or "", span.get("doc_id") or ""]
    if len(fields) < 3 or not all(isinstance(field, str) for field in fields):
        raise QAError(
            f"previous must be {expected}: a question (string) and an answer (an object with "
            "text and doc_id strings, or null)"
        )
    return Turn(*fields)
