"""Runner scheduling: spaCy batches cut by text length, longest first."""

from __future__ import annotations

from pathlib import Path

from pipeline.document import Document
from pipeline.runner import balanced_batches
from pipeline.store import Store


def test_balanced_batches_put_long_documents_first_and_alone() -> None:
    lengths = {"a": 50, "b": 1000, "c": 10, "d": 400, "e": 10, "f": 60}
    batches = balanced_batches(lengths, workers=2, max_docs=2)
    assert batches[0] == ["b"] and batches[1] == ["d"]  # each longer than a batch's share of the text
    assert sorted(d for b in batches for d in b) == sorted(lengths)
    assert all(1 <= len(b) <= 2 for b in batches)
    order = [d for b in batches for d in b]
    assert [lengths[d] for d in order] == sorted(lengths.values(), reverse=True)
    assert balanced_batches({}, workers=2, max_docs=4) == []
    assert balanced_batches({"x": 0, "y": 0}, workers=1, max_docs=1) == [["x"], ["y"]]


def test_store_text_lengths(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.add_document(Document.create(text="four score and seven", url="https://example.org/a"))
        (doc_id,) = [d.doc_id for d in store.iter_documents()]
        assert store.text_lengths([doc_id, "missing"]) == {doc_id: 20}
        store.add_document(Document.create(text="years ago", url="https://example.org/b"))
        ids = [d.doc_id for d in store.iter_documents()]
        lengths = {d: len(store.get_document(d).text) for d in ids}  # type: ignore[union-attr]
        assert store.text_lengths([*ids, "missing", ids[0]], per_query=1) == lengths  # one id per query
