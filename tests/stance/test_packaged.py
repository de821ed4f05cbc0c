"""The packaged heads on real text (slow: loads the real embedding model once per session)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.stance import classify, document_stance, load_head
from pipeline.stance.segment import split_sentences

pytestmark = pytest.mark.slow

# Real sentences from NTIA comments and a White House statement (none is in the training data).
CLEAR = [
    (
        "Openness should not be artificially restricted based on a misplaced belief that this will decrease risk.",
        "open",
        "rebut",
    ),
    ("The marginal risks of open models have been shown to not be as extreme as many people thought.", "open", "rebut"),
    (
        "Models released with widely available weights cannot credibly be monitored, updated, or shut down.",
        "closed",
        "endorse",
    ),
    (
        "With access to model weights and code, malicious actors can also more easily bypass safety measures and "
        "modify models or fine-tune models to display dangerous capabilities.",
        "closed",
        "endorse",
    ),
    (
        "The United States and European Union understand that a multilateral approach to export controls is most "
        "effective for protecting international security and supporting a global level-playing field.",
        "neutral",
        "none",
    ),
    ("The committee will meet again in the spring to review the budget.", "neutral", "none"),
]


def test_packaged_openness_head_labels_clear_sentences(embedder, openness_head) -> None:  # noqa: ANN001
    texts = [t for t, _, _ in CLEAR]
    rows = classify(texts, embedder.encode(texts), head=openness_head, precision=embedder.precision)
    got = [(r["stance"], r["frame"]) for r in rows]
    assert got == [(s, f) for _, s, f in CLEAR]
    assert rows[0]["stance_score"] > 0.3 and rows[2]["stance_score"] < -0.3
    assert openness_head.meta["embedding_model"] == embedder.model_id


def test_seed_documents_are_open(embedder, openness_head, shared_dir) -> None:  # noqa: ANN001
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    assert len(seeds) == 4
    for path in seeds:
        sents = split_sentences(path.read_text(encoding="utf-8"))
        rows = classify(sents, embedder.encode(sents), head=openness_head, precision=embedder.precision)
        doc = document_stance(rows, sents)
        assert doc["stance"] == "open", (path.name, doc)
        assert doc["stance_score"] > 0 and len(doc["evidence"]) == 3
        assert all(e["stance_score"] > 0 for e in doc["evidence"])


def test_quality_gate_on_dev_sentences(embedder, openness_head, shared_dir) -> None:  # noqa: ANN001
    from pipeline.stance.scoring import evaluate_jsonl

    floors = json.loads((Path(__file__).with_name("eval_baseline.json")).read_text())
    ev = evaluate_jsonl(shared_dir / "labels" / "dev_sentences.jsonl", head=openness_head, embedder=embedder)
    assert "confusion" in ev.text and ev.frame is not None and ev.stance is not None
    assert not ev.skipped and ev.documents is None  # every dev line is read as one sentence
    assert ev.stance.macro_f1 >= floors["dev_macro_f1"], ev.text
    assert ev.frame_spotting["binary"] >= floors["dev_frame_binary_f1"], ev.text
    assert ev.frame_spotting["macro"] >= floors["dev_frame_macro_f1"], ev.text


def test_the_targets_frame_threshold_decides_when_a_frame_is_named(embedder, tmp_path) -> None:  # noqa: ANN001
    """``[tuning] frame_none_below`` is the target's setting: 0 names no frame, 1 one on every ungated sentence."""
    from pipeline.stance.target import TARGETS_DIR

    folder = tmp_path / "openness"
    shutil.copytree(TARGETS_DIR / "openness", folder)
    toml = (folder / "target.toml").read_text(encoding="utf-8")
    assert "frame_none_below = 0.45" in toml
    texts = [t for t, _, _ in CLEAR]
    vectors = embedder.encode(texts)
    frames = {}
    for below in ("0.0", "1.0"):
        (folder / "target.toml").write_text(toml.replace("frame_none_below = 0.45", f"frame_none_below = {below}"))
        head = load_head(folder)
        assert head.tuned is not None and head.tuned.config.frame_none_below == float(below)
        frames[below] = [r["frame"] for r in classify(texts, vectors, head=head, relevance_threshold=0.0)]
    assert set(frames["0.0"]) == {"none"} and "none" not in frames["1.0"]


def test_regulation_target_loads_and_predicts(embedder) -> None:  # noqa: ANN001
    head = load_head("regulation")
    texts = [
        "Congress must pass binding rules with real penalties for AI companies that cause harm.",
        "Regulating AI now would stifle innovation and hand our lead to competitors abroad.",
        "The cafeteria opens at noon.",
    ]
    rows = classify(texts, embedder.encode(texts), head=head, precision=embedder.precision)
    assert [r["stance"] for r in rows] == ["pro", "anti", "neutral"]
    assert rows[1]["frame"] == "endorse"
    assert rows[0]["stance_score"] > 0 > rows[1]["stance_score"]


def test_encoder_skips_only_sentences_gated_whatever_it_says(embedder, openness_head, monkeypatch) -> None:  # noqa: ANN001
    texts = [t for t, _, _ in CLEAR]
    vectors, precision = embedder.encode(texts), embedder.precision
    full = classify(texts, vectors, head=openness_head, relevance_threshold=0.0, precision=precision)  # nothing gated
    seen: list[str] = []
    predict = openness_head.tuned.predict_proba

    def spy(batch: list[str]) -> object:  # the real encoder runs; the spy only records what it is given
        seen.extend(batch)
        return predict(batch)

    monkeypatch.setattr(openness_head.tuned, "predict_proba", spy)
    gated = classify(texts, embedder.encode(texts), head=openness_head, precision=embedder.precision)
    assert "The committee will meet again in the spring to review the budget." not in seen
    assert all(t in seen for t, stance, _ in CLEAR if stance != "neutral")
    for text, a, b in zip(texts, full, gated):
        if text in seen:  # encoder run: the same mixture as without the gate
            assert (a["p_open"], a["stance"], a["frame"]) == (b["p_open"], b["stance"], b["frame"])
        else:
            assert (b["stance"], b["frame"], b["stance_score"]) == ("neutral", "none", 0.0)
