"""Measuring retrieval and answers on question sets."""

from qa.evaluation.datasets import EvalQuestion, EvalSet, load_eval_set
from qa.evaluation.runner import evaluate

__all__ = ["EvalQuestion", "EvalSet", "evaluate", "load_eval_set"]
