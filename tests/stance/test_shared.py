"""One shared transformer pass gives what the embedder and the fine-tuned encoder give apart (slow: real models)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.embed import Embedder, autocast, native_bf16
from pipeline.stages.stance import StanceStage
from pipeline.stance import classify
from pipeline.stance.shared import SharedPass, max_seq_length, supports

pytestmark = pytest.mark.slow

TEXTS = [
    "Open-weight models let researchers audit what they use.",
    "Releasing the weights of frontier models hands dangerous capabilities to anyone who wants them.",
    "The agency received more than three hundred comments on the question of model weights.",
    "Short.",
    # longer than the encoder's 128 tokens and the embedder's 256: both truncate, each at its own length
    " ".join(["Open models, published with their weights, can be studied, adapted and corrected by anyone"] * 20),
]


@pytest.fixture(scope="module")
def shared(openness_head, embedder):  # noqa: ANN001, ANN201
    assert supports(openness_head.tuned, embedder.model_path)
    return SharedPass(openness_head.tuned, max_length=max_seq_length(embedder.model_path), batch_size=2)


# bf16 rounds every matrix input to 8 bits of mantissa: the same sums in another order differ by more
TOLERANCE = {"fp32": 2e-5, "bf16": 2e-3}
# A probability computed in bf16 moves in steps of 2**-8 in [0.5, 1): the same sums in another order may land one
# step apart in one member of the ensemble (seen: 0.9245 against 0.9271, two thirds of a step in a mean of three).
PROB_TOLERANCE = {"fp32": 2e-5, "bf16": 2**-8}


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_shared_pass_equals_the_two_passes(shared, openness_head, precision) -> None:  # noqa: ANN001
    if precision == "bf16" and not native_bf16():
        pytest.skip("this CPU has no native bfloat16: `auto` never picks bf16 here")
    plain = Embedder(precision=precision)  # no cache: the embedder's own pass
    with autocast(precision):
        np.testing.assert_allclose(shared(TEXTS), plain.encode(TEXTS), atol=TOLERANCE[precision])
        probs = shared.take()
        assert set(probs) == set(TEXTS) and shared.take() == {}
        p_stance, p_frame = openness_head.tuned.predict_proba(TEXTS)
    for i, text in enumerate(TEXTS):
        np.testing.assert_allclose(probs[text][0], p_stance[i], atol=PROB_TOLERANCE[precision])
        np.testing.assert_allclose(probs[text][1], p_frame[i], atol=PROB_TOLERANCE[precision])


def test_bf16_figures_stay_close_to_fp32(shared, openness_head) -> None:  # noqa: ANN001
    """bf16 (what `auto` picks on CPUs with native bfloat16) moves embeddings and labels by rounding only."""
    fp32, bf16 = Embedder(precision="fp32"), Embedder(precision="bf16")
    a, b = fp32.encode(TEXTS), bf16.encode(TEXTS)
    assert float((a * b).sum(1).min()) > 0.999  # both are L2-normalised: this is the cosine
    rows_a = classify(TEXTS, a, head=openness_head, precision="fp32")
    rows_b = classify(TEXTS, b, head=openness_head, precision="bf16")
    assert [r["stance"] for r in rows_a] == [r["stance"] for r in rows_b]
    assert max(abs(x["stance_score"] - y["stance_score"]) for x, y in zip(rows_a, rows_b)) < 0.02


def test_classify_with_shared_figures_matches(shared, openness_head, embedder) -> None:  # noqa: ANN001
    with autocast(embedder.precision):
        vectors = shared(TEXTS)
    with_shared = classify(TEXTS, vectors, head=openness_head, tuned_probs=shared.take())
    alone = classify(TEXTS, embedder.encode(TEXTS), head=openness_head, precision=embedder.precision)
    for a, b in zip(with_shared, alone):
        assert (a["stance"], a["frame"]) == (b["stance"], b["frame"])
        assert abs(a["stance_score"] - b["stance_score"]) <= 10 * TOLERANCE[embedder.precision]


def test_stage_uses_the_shared_pass_only_for_uncached_sentences(openness_head, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    stage = StanceStage(
        target="openness", embedder=Embedder(cache_dir=tmp_path), workspace=tmp_path, relevance_threshold=0.5
    )
    calls: list[int] = []
    assert stage.head.tuned is not None
    predict = stage.head.tuned.predict_proba

    def spy(batch: list[str]) -> object:  # the real encoder runs; the spy counts what the shared pass left
        calls.append(len(batch))
        return predict(batch)

    monkeypatch.setattr(stage.head.tuned, "predict_proba", spy)
    doc = {"d1": list(enumerate(TEXTS[:3]))}
    first = stage.run(doc)
    assert calls == []  # all three were new: the shared pass gave the encoder's figures
    second = stage.run(doc)  # embeddings cached now: the encoder runs on its own
    assert sum(calls) >= 2
    assert [r["stance"] for r in first["d1"]["sentence_stance"]] == [
        r["stance"] for r in second["d1"]["sentence_stance"]
    ]
