"""What users see, with the real default model on the bundled sample article."""

import json
from pathlib import Path

import pytest

from qa.serve.cli import main
from tests.conftest import DIRECTORS, free_port

FESTIVAL = (
    "# Harbor Lights Festival\n\n"
    "The Harbor Lights Festival was founded in 1987 by the fishermen's guild of Port Ellery. "
    "It is held every August on the old quay, where three hundred lanterns are floated at dusk.\n\n"
    "Marta Quill directed the festival for twenty years before she retired to Lisbon.\n"
)

pytestmark = pytest.mark.slow


def test_who_directs_the_biomedical_alliance_cites_the_director_sentence(sample_assistant) -> None:  # noqa: ANN001
    answer = sample_assistant.ask("Who directs the biomedical alliance?")
    assert not answer.abstained
    assert DIRECTORS in answer.citations[0].text and answer.citations[0].rank == 1


@pytest.mark.parametrize(
    "question", ["What is the capital of France?", "How many employees does Geely have?"]
)
def test_questions_the_article_cannot_answer_abstain_but_show_the_closest(
    sample_assistant, question
) -> None:  # noqa: ANN001
    answer = sample_assistant.ask(question)
    assert answer.abstained and answer.best is None
    assert answer.answerability < answer.threshold and len(answer.citations) == 3


def test_the_threshold_and_answerability_model_come_from_the_package(sample_assistant) -> None:  # noqa: ANN001
    from qa.answer.calibration import calibration_for

    packaged = calibration_for("all-MiniLM-L6-v2", reader=True)
    assert packaged is not None and sample_assistant.calibration == packaged
    assert "scripts/tune_reader.py" in packaged.provenance


def test_the_reader_marks_the_answer_inside_citation_one(sample_assistant) -> None:  # noqa: ANN001
    for question in [
        "Who directs the biomedical alliance?",
        "When were the requirements proposed?",
    ]:
        best = sample_assistant.ask(question).best
        assert best is not None and best.answer is not None
        document = sample_assistant.corpus.documents[best.doc_id].text
        start, end = best.answer
        assert best.sentence.start <= start < end <= best.sentence.end
        assert document[start:end] == best.answer_text
    best = sample_assistant.ask("When were the requirements proposed?").best
    assert "September 10" in best.answer_text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which company is a director unit of the alliance?", "Geely Holding Group"),
        ("What does the industrial chain alliance aim to forge?", "forge a global competitive"),
        ("What was signed to serve the Hangzhou Asian Games?", "Hangzhou Asian Games"),
    ],
)
def test_questions_the_article_answers_are_answered(sample_assistant, question, expected) -> None:  # noqa: ANN001
    answer = sample_assistant.ask(question)
    assert not answer.abstained and expected in answer.citations[0].text


def test_cli_ask_json_over_the_sample(tmp_path, monkeypatch, capsys) -> None:  # noqa: ANN001
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    assert main(["ask", "Who directs the biomedical alliance?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["question"] == "Who directs the biomedical alliance?" and out["abstained"] is False
    first = out["citations"][0]
    assert DIRECTORS in first["text"] and {"doc_id", "title", "start", "end", "score"} <= set(first)
    assert main(["ask", "What is the capital of France?", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["abstained"] is True


def test_cli_index_then_ask_a_store(tmp_path, capsys) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "farm.txt").write_text(
        "Solar farm\n\nThe Nevada solar farm opened in 2021. It powers 90,000 homes."
    )
    assert main(["index", str(docs), "--store", str(tmp_path / "store"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sentences"] == 3
    assert (
        main(
            [
                "ask",
                "How many homes does the farm power?",
                "--store",
                str(tmp_path / "store"),
                "--k",
                "1",
            ]
        )
        == 0
    )
    assert "[1] It powers 90,000 homes." in capsys.readouterr().out


def test_cli_index_again_embeds_only_what_changed(tmp_path, capsys) -> None:  # noqa: ANN001
    docs, store = tmp_path / "docs", str(tmp_path / "store")
    docs.mkdir()
    for name, text in {
        "a.txt": "Alpha\n\nThe alpha plant opened in 1990. It makes steel.",
        "b.md": "# Beta\n\nThe beta mill closed in 2001.",
        "c.txt": "Gamma\n\nThe gamma port handles grain.",
    }.items():
        (docs / name).write_text(text, encoding="utf-8")

    def index() -> dict:
        assert main(["index", str(docs), "--store", store, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    first = index()
    assert (first["added"], first["embedded_sentences"], first["sentences"]) == (3, 7, 7)
    again = index()
    assert (again["added"], again["removed"], again["unchanged"]) == (0, 0, 3)
    assert again["embedded_sentences"] == 0
    (docs / "b.md").write_text("# Beta\n\nThe beta mill closed in 2003.", encoding="utf-8")
    (docs / "c.txt").unlink()
    (docs / "copy.txt").write_text((docs / "a.txt").read_text(encoding="utf-8"))
    changed = index()
    assert (changed["added"], changed["removed"], changed["unchanged"]) == (1, 2, 1)
    assert changed["embedded_sentences"] == 2 and changed["documents"] == 2
    assert changed["duplicates"] == [str(docs / "copy.txt")]
    assert main(["ask", "When did the beta mill close?", "--store", store, "--k", "1"]) == 0
    assert "[1] The beta mill closed in 2003." in capsys.readouterr().out

    assert main(["docs", "list", "--store", store, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["source"] for d in listed] == [str(docs / "a.txt"), str(docs / "b.md")]
    assert main(["docs", "remove", listed[1]["doc_id"], "--store", store]) == 0
    assert f"removed {listed[1]['doc_id']}  Beta" in capsys.readouterr().out
    assert main(["docs", "list", "--store", store]) == 0
    assert capsys.readouterr().out.count("sentences") == 1
    assert main(["docs", "remove", "nope", "--store", store]) == 2
    assert "no document with id nope" in capsys.readouterr().err


def test_cli_index_again_keeps_the_ids_of_unchanged_sentences(tmp_path, capsys) -> None:  # noqa: ANN001
    docs, store = tmp_path / "docs", str(tmp_path / "store")
    docs.mkdir()
    (docs / "a.txt").write_text("Alpha\n\nThe alpha plant opened in 1990.", encoding="utf-8")
    (docs / "b.txt").write_text("Beta\n\nThe beta mill closed in 2001.", encoding="utf-8")
    (docs / "c.txt").write_text("Gamma\n\nThe gamma port handles grain.", encoding="utf-8")

    def cited(question: str) -> dict:
        capsys.readouterr()
        assert main(["ask", question, "--store", store, "--k", "1", "--json"]) == 0
        return json.loads(capsys.readouterr().out)["citations"][0]

    assert main(["index", str(docs), "--store", store]) == 0
    gamma = cited("What does the gamma port handle?")
    assert gamma["sentence_id"] == 5
    (docs / "a.txt").write_text("Alpha\n\nIt opened in 1990. It makes steel. Rails too.")
    (docs / "b.txt").unlink()
    assert main(["index", str(docs), "--store", store]) == 0
    assert cited("What does the gamma port handle?")["sentence_id"] == gamma["sentence_id"]
    steel = cited("Who makes steel?")
    assert steel["text"] == "It makes steel." and steel["sentence_id"] == 8  # ids never reused


def test_cli_errors_are_one_clear_line(tmp_path, capsys) -> None:  # noqa: ANN001
    assert main(["ask", "anything", "--store", str(tmp_path / "missing")]) == 2
    assert "is not a store" in capsys.readouterr().err
    assert main(["index", str(tmp_path / "nope.txt"), "--store", str(tmp_path / "s")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_missing_model_fails_fast_with_a_clear_message(tmp_path) -> None:  # noqa: ANN001
    from embeddings import EmbeddingError, SentenceTransformerEmbedder

    with pytest.raises(EmbeddingError, match="runs offline"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    with pytest.raises(EmbeddingError, match="runs offline"):
        SentenceTransformerEmbedder("some-org/model-that-is-not-cached")


def test_bf16_embedding_agrees_with_fp32(real_embedder) -> None:  # noqa: ANN001
    import numpy as np

    from embeddings import EmbeddingError, SentenceTransformerEmbedder

    texts = [
        "Who directs the biomedical alliance?",
        "China Pharmaceutical University is among the First Alliance Director Units.",
        "长江三角洲的产业链正在快速发展。",
    ]
    fp32 = SentenceTransformerEmbedder(precision="fp32").embed(texts)
    bf16 = SentenceTransformerEmbedder(precision="bf16").embed(texts)
    assert fp32.dtype == bf16.dtype == np.float32
    assert (fp32 * bf16).sum(axis=1).min() > 0.999  # the same vectors, to bf16's precision
    assert not SentenceTransformerEmbedder(precision="fp32").bf16
    with pytest.raises(EmbeddingError, match="unknown precision 'fp8'"):
        SentenceTransformerEmbedder(precision="fp8")


def test_running_app_answers_through_gradio_client(sample_assistant, tmp_path) -> None:  # noqa: ANN001
    from gradio_client import Client, handle_file

    from app import build_app
    from qa.serve.collection import Collection

    port = free_port()
    store = tmp_path / "store"
    demo = build_app(Collection(store, sample_assistant))
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        result = client.predict(
            "Who directs the biomedical alliance?", 3, "hybrid", api_name="/ask"
        )
        assert result["abstained"] is False and DIRECTORS in result["citations"][0]["text"]
        assert (
            client.predict("What is the capital of France?", 3, "hybrid", api_name="/ask")[
                "abstained"
            ]
            is True
        )
        (tmp_path / "festival.md").write_text(FESTIVAL, encoding="utf-8")
        (tmp_path / "notes.exe").write_bytes(b"MZ\x00\x01")
        files = [handle_file(str(tmp_path / n)) for n in ("festival.md", "notes.exe")]
        added = client.predict(files, api_name="/upload")
        assert [d["title"] for d in added["added"]] == ["Harbor Lights Festival"]
        assert added["added"][0]["source"] == "festival.md" and added["added"][0]["sentences"] == 4
        assert (
            added["skipped"][0]["file"] == "notes.exe"
            and "supported" in added["skipped"][0]["reason"]
        )
        listed = client.predict(api_name="/list")
        assert [d["source"] for d in listed][-1] == "festival.md" and len(listed) == 2
        first = client.predict(
            "Who founded the Harbor Lights Festival?", 1, "hybrid", None, api_name="/ask"
        )
        assert "fishermen's guild" in first["citations"][0]["text"]
        follow = client.predict("When is it held?", 1, "hybrid", first, api_name="/ask")
        assert "every August" in follow["citations"][0]["text"] and follow["searched"]
        removed = client.predict(added["added"][0]["doc_id"], api_name="/remove")
        assert removed["title"] == "Harbor Lights Festival"
        assert len(client.predict(api_name="/list")) == 1
        (tmp_path / "stub.txt").write_text("TODO\n", encoding="utf-8")
        stub = client.predict([handle_file(str(tmp_path / "stub.txt"))], api_name="/upload")
        assert stub["near_empty"] == ["stub.txt"] and len(stub["added"]) == 1
        client.predict(stub["added"][0]["doc_id"], api_name="/remove")
        with pytest.raises(Exception, match="no documents"):
            client.predict(listed[0]["doc_id"], api_name="/remove")  # the last one stays
    finally:
        demo.close()
    from qa import Assistant

    assert len(Assistant.load(store).corpus.documents) == 1  # every change was saved


def test_auth_keeps_out_who_has_no_login(sample_assistant, tmp_path) -> None:  # noqa: ANN001
    import urllib.request
    from urllib.error import HTTPError

    from gradio_client import Client

    from app import build_app
    from qa.serve.collection import Collection
    from qa.serve.options import parse_auth

    port = free_port()
    demo = build_app(Collection(tmp_path / "store", sample_assistant))
    auth = parse_auth("reader:s3cret:with-colon")
    assert auth == ("reader", "s3cret:with-colon")
    demo.launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, auth=auth
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        with pytest.raises(HTTPError) as refused:
            urllib.request.urlopen(f"{url}config", timeout=10)
        assert refused.value.code == 401
        client = Client(url, auth=auth, verbose=False)
        result = client.predict(
            "Who directs the biomedical alliance?", 1, "hybrid", api_name="/ask"
        )
        assert DIRECTORS in result["citations"][0]["text"]
    finally:
        demo.close()


@pytest.mark.parametrize("bad", ["nouser", ":pw", "user:", "user"])
def test_a_malformed_login_says_how_to_write_it(bad) -> None:  # noqa: ANN001
    from qa.errors import QAError
    from qa.serve.options import parse_auth

    with pytest.raises(QAError, match="USER:PASSWORD"):
        parse_auth(bad)
    assert parse_auth(None) is None and parse_auth("") is None


def test_cli_eval_jsonl_over_the_sample_reports_every_mode(tmp_path, capsys) -> None:  # noqa: ANN001
    questions = [
        {
            "id": "1",
            "question": "Who directs the biomedical alliance?",
            "answers": ["China Pharmaceutical University"],
        },
        {
            "id": "2",
            "question": "What was signed to serve the Hangzhou Asian Games?",
            "answers": ["Hangzhou Asian Games"],
        },
        {"id": "3", "question": "What is the capital of France?", "answers": []},
    ]
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in questions) + "\n")
    details = tmp_path / "details.jsonl"
    assert main(["eval", str(path), "--mode", "all", "--json", "--details", str(details)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 3 and set(report["results"]) == {"hybrid", "bm25", "dense"}
    hybrid = report["results"]["hybrid"]
    assert hybrid["mrr"] == 1.0 and hybrid["answer_hit@1"] == 1.0
    assert hybrid["abstention_precision"] == 1.0 and hybrid["abstention_recall"] == 1.0
    assert {"recall@1", "recall@5", "recall@10", "latency_ms_p50", "latency_ms_p95"} <= set(hybrid)
    assert len(details.read_text().splitlines()) == 9


def test_follow_ups_get_more_right_with_the_conversation(capsys) -> None:  # noqa: ANN001
    conversations = Path(__file__).parent / "data" / "followups.json"
    assert main(["eval", str(conversations), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["follow_ups_with_history"]["questions"] == 32
    alone, with_history = report["follow_ups_alone"], report["follow_ups_with_history"]
    assert with_history["right"] > alone["right"]
    assert report["openers"]["right"] >= 12
