"""The estimator contract and the JSON round trip, on small synthetic data (fast)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from pipeline.stance import load_head, save_head
from pipeline.stance.classify import classify, stage_version
from pipeline.stance.document import document_stance
from pipeline.stance.io import Head
from pipeline.stance.model import StanceHead
from pipeline.stance.target import load_target

TEXTS = {
    "open": [
        "Open-weight models drive innovation and research.",
        "We support open source AI models.",
        "Open models let anyone audit and improve them.",
        "Releasing the weights helps startups compete.",
    ],
    "closed": [
        "Open weights are dangerous and aid bioweapons.",
        "Model weights should be kept closed.",
        "Export controls on model weights are needed.",
        "Open release of frontier models is reckless.",
    ],
    "neutral": [
        "The meeting is on Tuesday.",
        "Meta released Llama 3 in April.",
        "The report has four chapters.",
        "Weather forecasts improved this year.",
    ],
}
FRAME = {"open": "rebut", "closed": "endorse", "neutral": "none"}


def _data(n_rep: int = 4, seed: int = 0) -> tuple[list[str], np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(seed)
    texts, ys, yf, embs = [], [], [], []
    for k, (lab, items) in enumerate(TEXTS.items()):
        for r in range(n_rep):
            for t in items:
                texts.append(f"{t} ({r})")
                ys.append(lab)
                yf.append(FRAME[lab] if r % 2 == 0 else "none")
                v = rng.normal(size=16)
                v[k] += 3
                embs.append(v / np.linalg.norm(v))
    return texts, np.asarray(embs, dtype=np.float32), ys, yf


def _head(**kw: Any) -> StanceHead:
    return StanceHead(patterns={"strong": ["open[- ]weight"], "cues": {"risk": ["danger"]}}, cv=2, **kw)


def test_fit_returns_self_and_stores_only_hyperparameters_in_init() -> None:
    head = _head(random_state=0)
    assert not [k for k in vars(head) if k.endswith("_")]
    texts, X, ys, yf = _data()
    assert head.fit(texts, X, ys, yf) is head
    assert head.classes_ == ["open", "closed", "neutral"]


def test_fit_is_deterministic_with_random_state() -> None:
    texts, X, ys, yf = _data()
    a = _head(random_state=3).fit(texts, X, ys, yf).predict_proba(texts, X)
    b = _head(random_state=3).fit(texts, X, ys, yf).predict_proba(texts, X)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_head_round_trips_through_json(tmp_path) -> None:  # noqa: ANN001
    texts, X, ys, yf = _data()
    head = _head(random_state=0).fit(texts, X, ys, yf)
    path = tmp_path / "head.json"
    sha = save_head(head, path, meta={"target": "openness", "embedding_model": "test"})
    data = json.loads(path.read_text())
    assert data["format"].startswith("opentide-stance-head/") and "pickle" not in path.read_text()
    loaded = load_head("openness", path=path)
    assert loaded.sha256 == sha
    p1, p2 = head.predict_proba(texts, X), loaded.model.predict_proba(texts, X)
    np.testing.assert_allclose(p1[0], p2[0], atol=1e-12)
    np.testing.assert_allclose(p1[1], p2[1], atol=1e-12)
    assert head.predict(texts, X) == loaded.model.predict(texts, X)


def test_classify_rows_have_the_sentence_stance_columns() -> None:
    from pipeline.schema import ANNOTATION_TABLES

    texts, X, ys, yf = _data()
    head = Head(_head(random_state=0).fit(texts, X, ys, yf), load_target("openness"), {}, "0" * 64)
    rows = classify(texts[:5], X[:5], head=head)
    assert set(rows[0]) == set(ANNOTATION_TABLES["sentence_stance"]) - {"sent_idx"}
    for r in rows:
        assert -1 <= r["stance_score"] <= 1 and 0 <= r["relevance"] <= 1
        assert abs(r["p_open"] + r["p_closed"] + r["p_neutral"] - 1) < 1e-3
    assert stage_version(head).startswith("stance-")
    assert classify([], X[:0], head=head) == []


def test_a_sentence_no_pattern_names_needs_the_model_surer() -> None:
    texts, X, ys, yf = _data()
    model = _head(random_state=0).fit(texts, X, ys, yf)
    tgt = load_target("openness")
    loose = classify(texts, X, head=Head(model, replace(tgt, unmatched=0.0), {}, "0" * 64))
    # above 1 no model answer is enough: only the sentences a pattern names are classified
    strict = classify(texts, X, head=Head(model, replace(tgt, unmatched=1.01), {}, "0" * 64))
    named = model.keyword_relevance(texts) >= 0.5
    assert named.any() and not named.all()
    for a, b, has_pattern in zip(loose, strict, named):
        assert (a["p_open"], a["p_closed"]) == (b["p_open"], b["p_closed"])  # probabilities never change
        if has_pattern:
            assert a == b
        else:
            assert (b["stance"], b["frame"], b["stance_score"]) == ("neutral", "none", 0.0)
            assert b["relevance"] == pytest.approx(a["relevance"] * 0.5 / 1.01, abs=1e-4) and b["relevance"] < 0.5
    assert sum(a["stance"] != "neutral" for a in loose) > sum(b["stance"] != "neutral" for b in strict)


def test_fit_rejects_mismatched_lengths() -> None:
    texts, X, ys, yf = _data()
    with pytest.raises(ValueError):
        _head().fit(texts[:-1], X, ys[:-1], yf[:-1])


def test_a_document_takes_a_side_only_when_one_of_its_sentences_does() -> None:
    """A lean of neutral sentences' scores (p_open 0.2 against p_closed 0.3) is no position at all: off_topic, however
    many such sentences; with an open sentence argued against it, no closed position: mixed."""
    leaning = {"relevance": 1.0, "stance": "neutral", "p_open": 0.2, "p_closed": 0.3, "p_neutral": 0.5}
    argued = {"relevance": 1.0, "stance": "closed", "p_open": 0.1, "p_closed": 0.8, "p_neutral": 0.1}
    conceded = {"relevance": 1.0, "stance": "open", "p_open": 0.5, "p_closed": 0.1, "p_neutral": 0.4}
    assert document_stance([leaning] * 4, ["s"] * 4)["stance"] == "off_topic"
    assert document_stance([leaning] * 400, ["s"] * 400)["stance"] == "off_topic"
    assert document_stance([leaning] * 12 + [conceded], ["s"] * 13)["stance"] == "mixed"
    assert document_stance([leaning] * 100 + [conceded], ["s"] * 101)["stance"] == "off_topic"  # one aside in 101
    doc = document_stance([leaning] * 3 + [argued], ["s"] * 4)
    assert doc["stance"] == "closed" and [e["sent_idx"] for e in doc["evidence"]][0] == 3
