import json

import pytest

from qa import Mode, QAError, Settings
from qa.evaluation import Variant, evaluate, load_eval_set
from qa.evaluation.datasets import from_squad
from qa.evaluation.metrics import (
    abstention_metrics,
    answer_hit,
    coverage_curve,
    ranking_metrics,
    roc_auc,
    span_scores,
)

CONTEXT = "The Nevada solar farm opened in 2021. It powers 90,000 homes. Dr. Lee runs it."
SQUAD = {
    "version": "v2.0",
    "data": [
        {
            "title": "Solar",
            "paragraphs": [
                {
                    "context": CONTEXT,
                    "qas": [
                        {
                            "id": "q1",
                            "question": "How many homes does the farm power?",
                            "answers": [
                                {"text": "90,000", "answer_start": CONTEXT.index("90,000")}
                            ],
                        },
                        {
                            "id": "q2",
                            "question": "Who runs the farm?",
                            "answers": [
                                {"text": "Dr. Lee", "answer_start": CONTEXT.index("Dr. Lee")}
                            ],
                        },
                        {
                            "id": "q3",
                            "question": "Who owns the moon?",
                            "answers": [],
                            "is_impossible": True,
                        },
                    ],
                }
            ],
        }
    ],
}


def test_ranking_metrics_follow_trec_eval() -> None:
    gold = {"a": frozenset({1}), "b": frozenset({2, 3}), "c": frozenset({9})}
    runs = {"a": [1, 2], "b": [5, 3, 2], "c": [4]}
    m = ranking_metrics(gold, runs)
    assert m["mrr"] == pytest.approx((1 + 1 / 2 + 0) / 3)
    assert m["recall@1"] == pytest.approx(1 / 3) and m["recall@5"] == pytest.approx(2 / 3)


def test_answer_hit_and_abstention_metrics() -> None:
    assert answer_hit(["90,000"], ["It powers 90,000 homes."]) and not answer_hit(
        ["Lee"], ["nothing"]
    )
    m = abstention_metrics(
        answerable=[True, True, False, False], abstained=[True, False, True, False]
    )
    assert m == {"abstention_precision": 0.5, "abstention_recall": 0.5}


def test_squad_format_golds_the_sentence_holding_the_answer(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD))
    eval_set = load_eval_set(path)
    texts = {q.qid: [eval_set.corpus.sentences[s].text for s in q.gold] for q in eval_set.questions}
    assert texts == {"q1": ["It powers 90,000 homes."], "q2": ["Dr. Lee runs it."], "q3": []}
    assert not eval_set.questions[2].answerable


def test_reqa_format_indexes_candidates_exactly_as_given(tmp_path) -> None:  # noqa: ANN001
    sentences = [
        {"id": 0, "text": "Alpha is first.", "article": "A", "para": "0-0", "start": 0, "end": 15},
        {"id": 1, "text": "Beta, second.", "article": "A", "para": "0-0", "start": 16, "end": 29},
        {
            "id": 2,
            "text": "Gamma stands alone",
            "article": "B",
            "para": "1-0",
            "start": 0,
            "end": 18,
        },
    ]
    questions = [
        {
            "id": "x",
            "question": "What is second?",
            "answers": ["Beta"],
            "gold_sentence_ids": [1],
            "para": "0-0",
        }
    ]
    path = tmp_path / "reqa.json"
    path.write_text(json.dumps({"sentences": sentences, "questions": questions}))
    eval_set = load_eval_set(path)
    assert [s.text for s in eval_set.corpus.sentences] == [s["text"] for s in sentences]
    assert eval_set.questions[0].gold == frozenset({1})


def test_jsonl_set_errors_name_file_and_line(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "1", "question": "Who?", "answers": []}\n{not json}\n')
    with pytest.raises(QAError, match=r"set.jsonl, line 2"):
        load_eval_set(path, [])


def test_evaluate_reports_every_variant_with_abstention(tmp_path, fake_embedder) -> None:  # noqa: ANN001
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD))
    eval_set = load_eval_set(path)
    settings = Settings(abstain_threshold=0.3)
    variants = [Variant(m.value, m, settings) for m in Mode]
    details = tmp_path / "details.jsonl"
    report = evaluate(eval_set, fake_embedder, variants, latency_sample=3, details=details)
    assert report["questions"] == 3 and set(report["results"]) == {"hybrid", "bm25", "dense"}
    bm25 = report["results"]["bm25"]
    assert bm25["mrr"] == 1.0 and bm25["answer_hit@1"] == 1.0
    assert {
        "abstention_precision",
        "abstention_recall",
        "answerability_roc_auc",
        "span_f1",
        "latency_ms_p50",
        "latency_ms_p95",
    } <= set(bm25)
    assert len(bm25["coverage_curve"]["coverage"]) == 3
    rows = [json.loads(line) for line in details.read_text().splitlines()]
    assert len(rows) == 9 and rows[0]["first_correct_rank"] == 1 and rows[0]["top"]
    assert rows[0]["answer"] in rows[0]["top"]


def test_per_article_evaluation_asks_each_question_of_its_own_article(fake_embedder) -> None:  # noqa: ANN001
    other = {
        "title": "Moon",
        "paragraphs": [
            {
                "context": "The moon has no owner. Treaties forbid claims.",
                "qas": [
                    {
                        "id": "m1",
                        "question": "Who owns the moon?",
                        "answers": [{"text": "no owner", "answer_start": 13}],
                    }
                ],
            }
        ],
    }
    eval_set = from_squad("two", {"data": [*SQUAD["data"], other]})
    variants = [Variant("bm25", Mode.BM25, Settings(reader=False))]
    report = evaluate(eval_set, fake_embedder, variants, per_article=True)
    result = report["results"]["bm25"]
    # Gold sentence ids are renumbered within each article: every answerable question still
    # finds its gold sentence first; the unanswerable q3 is asked of Solar, its own article.
    assert result["mrr"] == 1.0 and report["per_article"]
    assert len(result["coverage_curve"]["coverage"]) == 4


def test_span_scores_follow_the_squad_script() -> None:
    assert span_scores("the Denver Broncos", ["Denver Broncos", "Broncos"]) == (1.0, 1.0)
    em, f1 = span_scores("Denver", ["Denver Broncos"])
    assert em == 0.0 and f1 == pytest.approx(2 / 3)
    assert span_scores("", ["x"]) == (0.0, 0.0)


def test_roc_auc_and_coverage_curve() -> None:
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5
    curve = coverage_curve([0.9, 0.1, 0.5], [True, False, True], [True, False, False])
    assert curve["coverage"] == pytest.approx([1 / 3, 2 / 3, 1])
    assert curve["answerable_precision"] == pytest.approx([1, 1, 2 / 3])
    assert curve["correct_precision"] == pytest.approx([1, 0.5, 1 / 3])


def test_a_sample_keeps_the_corpus_and_is_the_same_every_time(tmp_path) -> None:  # noqa: ANN001
    eval_set = from_squad("s", SQUAD)
    first, second = eval_set.sample(2), eval_set.sample(2)
    assert first.questions == second.questions and len(first.questions) == 2
    assert first.corpus is eval_set.corpus and eval_set.sample(10) is eval_set
