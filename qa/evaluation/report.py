"""Presenting an evaluation report: a Markdown table and the precision/coverage plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa.errors import QAError

_NOT_IN_TABLE = {"coverage_curve"}


def report_table(report: dict[str, Any]) -> str:
    """One Markdown row per variant, one column per scalar metric any variant has."""
    results = report["results"]
    keys = list(
        dict.fromkeys(k for metrics in results.values() for k in metrics if k not in _NOT_IN_TABLE)
    )
    scope = ", each asked of its own article" if report.get("per_article") else ""
    lines = [
        f"{report['dataset']}: {report['questions']} questions, {report['sentences']} sentences{scope}",
        "| variant | " + " | ".join(keys) + " |",
        "|---" * (len(keys) + 1) + "|",
    ]
    lines += [
        f"| {name} | " + " | ".join(_cell(metrics.get(k)) for k in keys) + " |"
        for name, metrics in results.items()
    ]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def check_plot(path: Path, has_unanswerable: bool, dataset: str) -> None:
    """Refuse a `--plot` that could not be drawn, before the evaluation runs rather than after.

    Raises:
        QAError: The file type is not one matplotlib writes, or the set has no unanswerable
            questions (so no coverage curve).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    kinds = FigureCanvasAgg.get_supported_filetypes()
    if path.suffix.lower().lstrip(".") not in kinds:
        raise QAError(
            f"--plot {path}: cannot draw a {path.suffix or 'suffix-less'} file; end the name "
            f"with one of {', '.join('.' + k for k in sorted(kinds))} (e.g. curve.png)"
        )
    if not has_unanswerable:
        raise QAError(
            f"{dataset} has no unanswerable questions, so there is no coverage curve to plot; "
            "drop --plot, or use a set with some (e.g. SQuAD 2.0 with --per-article)"
        )


def plot_coverage(report: dict[str, Any], path: Path) -> None:
    """Plot answered precision against coverage for every variant that has the curve.

    Raises:
        ValueError: No variant has a curve (the set has no unanswerable questions).
    """
    curves = {n: m["coverage_curve"] for n, m in report["results"].items() if "coverage_curve" in m}
    if not curves:
        raise ValueError(
            f"{report['dataset']} has no unanswerable questions, so there is no coverage curve; "
            "use a set with some (e.g. SQuAD 2.0 with --per-article)"
        )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    for name, curve in curves.items():
        auc = report["results"][name].get("answerability_roc_auc")
        label = f"{name}: answerable (ROC AUC {auc:.3f})" if auc is not None else name
        axes.plot(curve["coverage"], curve["answerable_precision"], label=label)
        axes.plot(
            curve["coverage"],
            curve["correct_precision"],
            linestyle="--",
            label=f"{name}: [1] correct",
        )
    axes.set_xlabel("coverage (share of questions answered, most answerable first)")
    axes.set_ylabel("precision among answered questions")
    axes.set_title(report["dataset"], fontsize=10)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
