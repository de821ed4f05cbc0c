"""The fine-tuned encoder: real MiniLM, real LoRA training on real labelled sentences, safetensors round trip."""

from __future__ import annotations

import numpy as np
import pytest
from safetensors import safe_open

from pipeline.embed import default_model_path
from pipeline.stance.data import load_examples
from pipeline.stance.ensemble import TunedEnsemble
from pipeline.stance.shared import SharedPass, max_seq_length
from pipeline.stance.target import load_target
from pipeline.stance.tuned import TuneConfig, TunedClassifier

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_set(shared_dir):  # noqa: ANN001, ANN201
    tgt = load_target("openness")
    examples = load_examples(tgt, shared=shared_dir)
    picked = [e for s in tgt.stance_labels for e in [x for x in examples if x.stance == s][:16]]
    return tgt, picked


def _fit(tgt, examples, **cfg) -> TunedClassifier:  # noqa: ANN001
    config = TuneConfig(layers=(5,), epochs=2, batch_size=8, **cfg)
    clf = TunedClassifier(default_model_path(), config, 3, len(tgt.frame_labels))
    return clf.fit(
        [e.text for e in examples],
        [tgt.stance_labels.index(e.stance) for e in examples],
        [tgt.frame_labels.index(e.frame) for e in examples],
    )


def test_training_moves_only_adapters_and_round_trips(small_set, tmp_path) -> None:  # noqa: ANN001
    tgt, examples = small_set
    clf = _fit(tgt, examples)
    path = tmp_path / "encoder.safetensors"
    clf.save(path, meta={"target": tgt.name})
    with safe_open(str(path), framework="pt") as fh:
        keys = list(fh.keys())
    # only the adapters of the chosen layer and the two heads are stored, never the base model
    assert all(k.startswith(("adapter.", "stance.", "frame.")) for k in keys)
    assert {k.split(".layer.")[1].split(".")[0] for k in keys if ".layer." in k} == {"5"}
    assert path.stat().st_size < 1_000_000

    texts = [e.text for e in examples[:10]]
    p_s, p_f = clf.predict_proba(texts)
    again_s, again_f = TunedClassifier.load(path, model_path=default_model_path()).predict_proba(texts)
    np.testing.assert_allclose(p_s, again_s, atol=1e-5)
    np.testing.assert_allclose(p_f, again_f, atol=1e-5)
    np.testing.assert_allclose(p_s.sum(1), 1.0, atol=1e-6)


def test_training_learns_the_training_labels(small_set) -> None:  # noqa: ANN001
    tgt, examples = small_set
    clf = _fit(tgt, examples, lr=2e-3, head_lr=5e-3)
    p_s, _ = clf.predict_proba([e.text for e in examples])
    gold = np.array([tgt.stance_labels.index(e.stance) for e in examples])
    assert (p_s.argmax(1) == gold).mean() > 0.6  # chance is 1/3 on this balanced set


def test_an_ensemble_averages_its_members_in_one_file_and_in_the_shared_pass(small_set, tmp_path) -> None:  # noqa: ANN001
    tgt, examples = small_set
    a, b = _fit(tgt, examples, seed=0), _fit(tgt, examples, seed=1)
    both, single = tmp_path / "ensemble.safetensors", tmp_path / "one.safetensors"
    TunedEnsemble([a, b]).save(both, meta={"target": tgt.name})
    a.save(single)  # a single encoder's file (the older format) loads as an ensemble of one
    assert len(TunedEnsemble.load(single, model_path=default_model_path()).members) == 1

    texts = [e.text for e in examples[:6]]
    loaded = TunedEnsemble.load(both, model_path=default_model_path())
    (pa, fa), (pb, fb) = a.predict_proba(texts), b.predict_proba(texts)
    assert np.abs(pa - pb).max() > 1e-3  # two seeds, two different encoders
    p_s, p_f = loaded.predict_proba(texts)
    np.testing.assert_allclose(p_s, (pa + pb) / 2, atol=1e-5)
    np.testing.assert_allclose(p_f, (fa + fb) / 2, atol=1e-5)

    shared = SharedPass(loaded, max_length=max_seq_length(loaded.model_path), batch_size=4)
    shared(texts)
    probs = shared.take()
    for i, text in enumerate(texts):
        np.testing.assert_allclose(probs[text][0], p_s[i], atol=2e-5)
        np.testing.assert_allclose(probs[text][1], p_f[i], atol=2e-5)
