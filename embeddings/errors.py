"""Errors raised by the embeddings package, meant to be shown to users as they are."""


class EmbeddingError(Exception):
    """A problem with an embedding model or a vector index; the message says how to fix it."""
