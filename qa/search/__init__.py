"""Search, the third stage: a question becomes a ranking of candidate sentences.

`retrieval` asks the dense and BM25 indexes (of sentences and of their passages) and ranks the
candidates; `fusion` combines their scores (linear over calibrated scales, or reciprocal rank
fusion); `followup` gives a question that refers back its context from the conversation.
"""

from qa.search.followup import Turn, follow_up_context, leans_on_history
from qa.search.fusion import combine_scores, fuse_rankings
from qa.search.retrieval import Ranked, Retrieval, Retriever, Scope

__all__ = [
    "Ranked",
    "Retrieval",
    "Retriever",
    "Scope",
    "Turn",
    "combine_scores",
    "follow_up_context",
    "fuse_rankings",
    "leans_on_history",
]
