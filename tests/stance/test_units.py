"""How a line's text is read (one sentence or a whole document), and the document figures of `evaluate`."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline.stance.document import DocumentRule, document_frame, near_target
from pipeline.stance.evaluate import document_ranking
from pipeline.stance.units import Units

SENTENCE = "Open-weight models let researchers audit AI systems, and Congress should not restrict them."
DOCUMENT = " ".join(f"Paragraph {i} says that open models matter to research and to small firms." for i in range(14))


def test_auto_reads_long_texts_as_documents_and_the_rest_as_one_sentence() -> None:
    short_many = "A. B. C. D. E. F."  # many sentence ends but short: a sentence
    split = Units().split([SENTENCE, DOCUMENT, short_many])
    assert split[0] is None and split[2] is None
    assert split[1] is not None and len(split[1]) == 14
    assert Units(unit="sentence").split([DOCUMENT]) == [None]
    assert Units(unit="document").split([SENTENCE]) == [[SENTENCE]]
    assert Units(min_sentences=20).split([DOCUMENT]) == [None]
    with pytest.raises(ValueError, match="not one of auto, sentence, document"):
        Units(unit="paragraph")


def test_near_target_keeps_sentences_within_the_window() -> None:
    hits = np.array([0, 0, 1, 0, 0, 0], dtype=bool)
    assert near_target(hits, 0).tolist() == [False, False, True, False, False, False]
    assert near_target(hits, 1).tolist() == [False, True, True, True, False, False]
    assert near_target(hits, -1).all()
    assert near_target(np.array([True]), 3).tolist() == [True]  # shorter than the window: same length back
    assert near_target(np.zeros(0, dtype=bool), 1).tolist() == []


def test_document_frame_is_the_one_most_relevant_sentences_name() -> None:
    rule = DocumentRule()
    rows = [
        {"relevance": 1.0, "frame": "rebut"},
        {"relevance": 1.0, "frame": "rebut"},
        {"relevance": 1.0, "frame": "endorse"},
        {"relevance": 0.2, "frame": "endorse"},  # not relevant enough to count
        {"relevance": 0.2, "frame": "endorse"},
        {"relevance": 1.0, "frame": "none"},
    ]
    assert document_frame(rows, rule, "none") == "rebut"
    assert document_frame(rows[3:], rule, "none") == "none"


def test_document_ranking_compares_the_two_sides_by_score() -> None:
    gold = ["open", "open", "closed", "mixed"]
    pred = ["open", "mixed", "closed", "open"]
    m = document_ranking(gold, pred, [0.6, 0.1, -0.3, 0.2], positive="open", negative="closed")
    assert m["auc_sides"] == 1.0 and m["right_sides"] == pytest.approx(2 / 3)
    assert m["auc_rest"] == pytest.approx(0.75)  # the mixed document (0.2) outranks one open one (0.1)
    only_open = document_ranking(["open"], ["open"], [0.5], positive="open", negative="closed")
    assert math.isnan(only_open["auc_sides"]) and only_open["right_sides"] == 1.0
