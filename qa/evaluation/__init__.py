"""Measuring retrieval, answer spans and abstention on question sets."""

from qa.evaluation.datasets import EvalQuestion, EvalSet, load_eval_set
from qa.evaluation.runner import Variant, ablation_variants, evaluate

__all__ = ["EvalQuestion", "EvalSet", "Variant", "ablation_variants", "evaluate", "load_eval_set"]
