"""The switch threshold of a collection of English and Chinese documents
(`qa.assistant.MixedAssistant._switch`): above it, the English part leads the citations of a
Chinese question where the Chinese part abstains ("to-en-switch" in qa/data/calibration.json).

The tuning collection is the SQuAD v1.1 train part's every `--every`th article and the CMRC
2018 trial articles in one store, indexed as a user's would be. Asked of it, through each
part's production `Assistant.rank`:

- `--questions` CMRC trial questions, which their own part answers;
- the 50 SQuAD train questions translated into Chinese by hand
  (docs/eval/squad-v1.1-train-part-chinese-questions.json), which the English part answers.

The threshold is the lowest at which switching costs the Chinese questions at most
`MAX_LOSS` of MRR (a switched question loses its own part's ranking); it is reported with the
MRR it gives the translated questions. A threshold fitted the same way for English questions
over the Chinese part (0.782 on e5's best cosine, with the CMRC trial questions translated into
English) cost the English SQuAD dev questions 0.008 MRR in scripts/mixed_check.py, whose
Chinese part is three times this one's; the threshold hardly moves with the part's size
(0.781 to 0.782 from 1,326 to 3,274 sentences), so English questions have none
(docs/quality.md section 12). Neither set is reported on
(the reports use SQuAD dev, CMRC dev and their translations: scripts/mixed_check.py).

Reproduce:
  ./dev.sh python scripts/tune_mixed.py ../shared/data/squad/squad-v1.1-train-part.rebuilt.json.gz \
      ../shared/data/cmrc2018/squad-style-data_cmrc2018_trial.json [--write]   # ~4 min
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa import Assistant, Mode, Settings  # noqa: E402
from qa.answer.answering import answerability  # noqa: E402
from qa.answer.calibration import calibration_for  # noqa: E402
from qa.assistant import MixedAssistant, per_language  # noqa: E402
from qa.evaluation.datasets import EvalSet, from_squad  # noqa: E402
from qa.index.languages import CHINESE, ENGLISH  # noqa: E402
from scripts.mixed_check import together_of  # noqa: E402
from scripts.tune_from_chinese import train_and_trial_parser  # noqa: E402
from scripts.tune_on_train import store_calibration, train_slice  # noqa: E402

EVAL = Path(__file__).resolve().parents[1] / "docs/eval"
INTO_CHINESE = EVAL / "squad-v1.1-train-part-chinese-questions.json"
MAX_LOSS = 0.001


@dataclass(frozen=True)
class Asked:
    """One question's answerability in each part, whether that part abstains (its judge's
    threshold), and the reciprocal rank of its gold sentences there (0.0: not ranked)."""

    score: dict[str, float]
    abstains: dict[str, bool]
    reciprocal_rank: dict[str, float]


def main() -> None:
    parser = train_and_trial_parser(__doc__)
    parser.add_argument("--questions", type=int, default=600, help="CMRC trial questions")
    args = parser.parse_args()
    english = train_slice(args.train, args.every)
    chinese = from_squad("cmrc2018-trial", json.loads(args.trial.read_text(encoding="utf-8")))
    mixed, offset = _mixed(english, chinese)
    asked = _asked(mixed, _sample(chinese, args.questions), offset)
    into = _asked(mixed, _translated(english, INTO_CHINESE), 0)
    threshold, own_mrr, translated_mrr = _threshold(asked, into, ENGLISH)
    report = {
        "to-en-switch": {
            "questions": len(asked),
            "translated questions": len(into),
            "threshold": threshold,
            "own-language MRR": own_mrr,
            "translated MRR (own part first / switched)": translated_mrr,
        },
    }
    print(json.dumps(report, indent=2))
    if args.write:
        _write(mixed, report, args.every)


def _mixed(english: EvalSet, chinese: EvalSet) -> tuple[MixedAssistant, int]:
    """Both sets' articles in one collection, as adding the other language's documents makes
    it; the row where the Chinese sentences begin."""
    singles = {
        ENGLISH: Assistant.from_corpus(english.corpus, Settings()),
        CHINESE: Assistant.from_corpus(chinese.corpus, Settings()),
    }
    together, offset = together_of(singles)
    mixed = per_language(together, together.corpus, Settings())
    assert isinstance(mixed, MixedAssistant)
    return mixed, offset


def _sample(eval_set: EvalSet, count: int) -> list[tuple[str, frozenset[int]]]:
    questions = [(q.question, q.gold) for q in eval_set.questions if q.gold and q.question.strip()]
    random.Random(0).shuffle(questions)
    return questions[:count]


def _translated(eval_set: EvalSet, path: Path) -> list[tuple[str, frozenset[int]]]:
    translations = json.loads(path.read_text(encoding="utf-8"))["questions"]
    return [(translations[q.qid], q.gold) for q in eval_set.questions if q.qid in translations]


def _asked(
    mixed: MixedAssistant, questions: list[tuple[str, frozenset[int]]], offset: int
) -> list[Asked]:
    """Each question asked of each part: its answerability by the calibration that judges
    that part's [1], and the reciprocal rank of its gold sentences in that part."""
    asked = []
    for question, gold in questions:
        score, abstains, reciprocal_rank = {}, {}, {}
        for part in mixed.parts:
            ranked = part.assistant.rank(question, Mode.HYBRID)
            judge = part.assistant._judge(question, ranked)
            score[part.language] = answerability(ranked, judge) if judge else 0.0
            abstains[part.language] = judge is not None and score[part.language] < judge.threshold
            rows = [int(part.rows[r.row]) - offset for r in ranked.ranking]
            reciprocal_rank[part.language] = next(
                (1 / (i + 1) for i, row in enumerate(rows) if row in gold), 0.0
            )
        asked.append(Asked(score, abstains, reciprocal_rank))
    return asked


def _threshold(
    own: list[Asked], translated: list[Asked], other: str
) -> tuple[float, float, tuple[float, float]]:
    """The lowest switch threshold costing the own-language questions at most `MAX_LOSS` of
    MRR; with their MRR and the translated questions' MRR before and after switching."""
    language = next(iter(own[0].score.keys() - {other}))
    base = _mrr(own, language, other, None)
    candidates = sorted({round(a.score[other], 3) for a in own + translated})
    threshold = next(t for t in candidates if base - _mrr(own, language, other, t) <= MAX_LOSS)
    before, after = (
        _mrr(translated, language, other, None),
        _mrr(translated, language, other, threshold),
    )
    return threshold, base, (before, after)


def _mrr(questions: list[Asked], language: str, other: str, threshold: float | None) -> float:
    """MRR where the `other` part leads when the own part abstains and the other clears
    `threshold` (None: never)."""

    def leads(a: Asked) -> bool:
        return threshold is not None and a.abstains[language] and a.score[other] >= threshold

    ranks = [a.reciprocal_rank[other if leads(a) else language] for a in questions]
    return round(float(np.mean(ranks)), 4)


def _write(mixed: MixedAssistant, report: dict, every: int) -> None:
    figures = report["to-en-switch"]
    settings = mixed._part(ENGLISH).assistant.settings
    # the part's own model of answerability (the reader's weights), with a threshold of its own
    model = calibration_for(settings.embedder, settings.reader, exact=True)
    assert model is not None, f"{settings.embedder} must be calibrated first"
    before, after = figures["translated MRR (own part first / switched)"]
    store_calibration(
        {
            **{k: v for k, v in asdict(model).items() if k != "provenance"},
            "language": "to-en-switch",
            "needs_coverage": True,
            "threshold": figures["threshold"],
            "provenance": (
                f"scripts/tune_mixed.py --every {every}: the lowest threshold at which "
                f"{figures['questions']} CMRC 2018 trial questions over a collection of SQuAD "
                f"train and CMRC 2018 trial articles lose at most {MAX_LOSS} MRR (of "
                f"{figures['own-language MRR']}); {figures['translated questions']} SQuAD "
                f"train questions translated into Chinese: MRR {after} where this part leads "
                f"({before} where the Chinese part always does)"
            ),
        }
    )


if __name__ == "__main__":
    main()
