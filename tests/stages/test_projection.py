"""TextProjection: stand-in embeddings from TF-IDF, fitted on texts whose real embeddings are known."""

from __future__ import annotations

import numpy as np

from pipeline.stages.projection import TextProjection

TEXTS = [
    "open weights let researchers study frontier models",
    "open source models help small startups compete",
    "export controls on chips protect national security",
    "chip export rules and national security agencies",
    "safety testing of frontier models before release",
    "release of model weights raises misuse concerns",
]


def test_projection_lands_near_the_right_embedding() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    emb = np.repeat(centres, 2, axis=0) + 0.05 * rng.normal(size=(6, 16))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    proj = TextProjection(alpha=0.1).fit(TEXTS, emb)
    out = proj.transform(["new export controls on chips", "weights of open models"])
    assert out.shape == (2, 16) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    sims = out @ (centres / np.linalg.norm(centres, axis=1, keepdims=True)).T
    assert sims[0].argmax() == 1


def test_projection_without_words_gives_the_mean_direction() -> None:
    emb = np.eye(2, 4, dtype=np.float32)
    out = TextProjection().fit(["...", "!!"], emb).transform(["anything at all"])
    assert np.allclose(out[0], np.array([1, 1, 0, 0]) / np.sqrt(2), atol=1e-6)
