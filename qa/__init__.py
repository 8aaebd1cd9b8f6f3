"""Extractive, citation-first question answering over your own documents."""

from qa.assistant import Assistant
from qa.errors import QAError
from qa.search.followup import Turn
from qa.settings import Settings
from qa.types import Answer, Citation, Document, Evidence, Fusion, Mode, Sentence

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "Document",
    "Evidence",
    "Fusion",
    "Mode",
    "QAError",
    "Sentence",
    "Settings",
    "Turn",
]
