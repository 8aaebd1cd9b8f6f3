import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.index.corpus import MAX_PASSAGE_SENTENCES, Corpus, passage_numbers
from qa.ingest.documents import make_document

TEXT = (
    "Title line\n\nThe dam opened in 2003. It cost a lot.\n\nA second block. It ends here. Really."
)


def test_a_block_is_a_passage_and_long_blocks_are_cut_evenly() -> None:
    assert passage_numbers([3]) == [0, 0, 0]
    assert passage_numbers([2, 1]) == [0, 0, 1]
    assert passage_numbers([10], limit=8) == [0] * 5 + [1] * 5
    assert passage_numbers([1, 17], limit=8) == [0] + [1] * 6 + [2] * 6 + [3] * 5


@given(st.lists(st.integers(1, 40), max_size=8))
def test_passages_are_contiguous_and_never_too_long(sizes: list[int]) -> None:
    numbers = passage_numbers(sizes)
    assert len(numbers) == sum(sizes)
    assert numbers == sorted(numbers) and (not numbers or numbers[0] == 0)
    assert all(numbers.count(p) <= MAX_PASSAGE_SENTENCES for p in set(numbers))
    assert set(numbers) == set(range(len(set(numbers))))


def test_passage_texts_are_exact_slices_of_their_documents() -> None:
    corpus = Corpus.build([make_document(TEXT, "a"), make_document("One more. Two.", "b")])
    # "Title line" is a heading: it opens the passage of the paragraph under it.
    assert corpus.passage_of.tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    texts = corpus.passage_texts()
    assert texts == [
        "Title line\n\nThe dam opened in 2003. It cost a lot.",
        "A second block. It ends here. Really.",
        "One more. Two.",
    ]


def test_subset_renumbers_and_keeps_offsets_and_passages() -> None:
    corpus = Corpus.build([make_document(TEXT, "a")])
    part = corpus.subset([3, 4])
    assert [s.row for s in part.sentences] == [0, 1]
    assert [s.sentence_id for s in part.sentences] == [3, 4]
    assert [s.text for s in part.sentences] == ["A second block.", "It ends here."]
    assert [(s.start, s.passage) for s in part.sentences] == [
        (corpus.sentences[3].start, 1),
        (corpus.sentences[4].start, 1),
    ]
    assert part.passage_of.tolist() == [0, 0]


def test_passage_text_of_a_sentence_is_its_whole_passage() -> None:
    corpus = Corpus.build([make_document(TEXT, "a")])
    assert corpus.passage_text_of(4) == "A second block. It ends here. Really."
    assert corpus.passage_text_of(0) == "Title line\n\nThe dam opened in 2003. It cost a lot."


def test_known_documents_keep_their_sentences_without_splitting_again(monkeypatch) -> None:  # noqa: ANN001
    import qa.index.corpus

    old = make_document("Old\n\nOne sentence here. Another one there.", source="old.txt")
    new = make_document("New\n\nA fresh line.", source="new.txt")
    known = Corpus.build([old])
    split = qa.index.corpus.sentences_of
    calls: list[str] = []
    monkeypatch.setattr(
        qa.index.corpus,
        "sentences_of",
        lambda doc, *args: calls.append(doc.source) or split(doc, *args),
    )
    corpus = Corpus.build([new, old], known)
    assert calls == ["new.txt"]
    assert [s.text for s in corpus.sentences] == [
        "New",
        "A fresh line.",
        "Old",
        "One sentence here.",
        "Another one there.",
    ]
    assert [s.row for s in corpus.sentences] == [0, 1, 2, 3, 4]
    assert [s.sentence_id for s in corpus.sentences] == [3, 4, 0, 1, 2]  # old ones keep theirs
    assert [s.index for s in corpus.document_sentences(old.doc_id)] == [0, 1, 2]


def test_sentences_are_columns_read_as_sentences_with_exact_text() -> None:
    corpus = Corpus.build([make_document(TEXT, "a"), make_document("One more. Two.", "b")])
    sentences = corpus.sentences
    doc = corpus.documents[sentences[0].doc_id]
    assert all(corpus.documents[s.doc_id].text[s.start : s.end] == s.text for s in sentences)
    assert [s.row for s in sentences] == list(range(len(sentences)))
    assert sentences[-1] == sentences[len(sentences) - 1] and sentences[-1].text == "Two."
    view = sentences[3:5]  # a slice keeps rows and ids: a view, not a renumbering
    assert [(s.row, s.sentence_id) for s in view] == [(3, 3), (4, 4)]
    assert list(sentences.texts()) == [s.text for s in sentences]
    assert next(sentences.spans()) == (doc.doc_id, 0, len("Title line"))
    with pytest.raises(IndexError):
        sentences[len(sentences)]
    columns = (sentences.ids, sentences.doc, sentences.start, sentences.end, sentences.passage)
    assert sum(c.itemsize for c in (*columns, sentences.position)) <= 40  # bytes a sentence


def test_stored_spans_rebuild_the_same_sentences() -> None:
    corpus = Corpus.build([make_document(TEXT, "a"), make_document("One more. Two.", "b")])
    stored = [(s.sentence_id, s.doc_id, s.start, s.end, s.passage) for s in corpus.sentences]
    again = Corpus.from_spans(list(corpus.documents.values()), iter(stored))
    assert again.sentences == corpus.sentences and again.next_id == corpus.next_id
    assert [s.index for s in again.sentences] == [0, 1, 2, 3, 4, 5, 0, 1]
    assert Corpus.from_spans([], []).sentences == ()
