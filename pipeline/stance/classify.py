"""Sentence stance: the rows of ``sentence_stance`` from texts and their precomputed embeddings.

Columns ``p_open``, ``p_closed``, ``p_neutral`` hold the probabilities of the target's positive, negative and
neutral labels (for ``openness`` exactly open/closed/neutral; for ``regulation`` pro/anti/neutral), and
``stance_score = p_positive - p_negative`` in [-1, 1]. ``relevance`` is ``max(keyword relevance, 1 - p_neutral)``:
keyword relevance is 1 when a strong target pattern matches, 0.5 for a weak one in target context. A sentence
that no pattern names needs more of the model: ``1 - p_neutral >= [relevance] unmatched`` (the target's), and
its model relevance is scaled by ``relevance_threshold / unmatched`` so that the threshold still decides. A
sentence whose relevance is below ``relevance_threshold`` is gated: stance neutral, frame none, score 0 (its
probabilities are kept).
Labels are the argmax of the calibrated log-probabilities plus per-class offsets fitted for macro-F1 on
out-of-fold training predictions (the probabilities themselves stay calibrated). When the target has a
fine-tuned encoder (``head.tuned``), its probabilities are mixed in with weight ``[tuning] weight``; the
stance is the argmax of the mixture and a frame is named when P(none) < ``[tuning] frame_none_below`` (default
0.5; then the likeliest frame); the encoder is not run on sentences that would be gated whatever it said (they
keep the head's probabilities), nor on those whose encoder figures the caller already has; it runs in
``precision`` (the embedder's).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from pipeline.embed import autocast
from pipeline.stance.io import Head

CODE_VERSION = "6"  # 5: a document takes a side only when one of its sentences does; 6: none does: off_topic


def stage_version(head: Head) -> str:
    """Changes whenever the classifier code or the head file changes, so the runner re-runs stance."""
    return f"stance-{CODE_VERSION}-{head.target.name}-{head.sha256[:12]}"


_STAGE_VERSION = re.compile(r"^stance-[^-]+-(.+)-[0-9a-f]{12}(?:[-+].*)?$")  # stage_version, and what the runner adds


def stage_target(version: str) -> str | None:
    """The target a stored stance version was classified for (None for a string ``stage_version`` did not write)."""
    found = _STAGE_VERSION.match(version)
    return found.group(1) if found else None


def classify(
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    head: Head,
    relevance_threshold: float = 0.5,
    tuned_probs: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    precision: str = "fp32",
) -> list[dict]:
    """One dict per text: relevance, stance, stance_score, frame, p_open, p_closed, p_neutral.

    ``tuned_probs``: the fine-tuned encoder's (p_stance, p_frame) by text where already computed (``SharedPass``).
    """
    texts = list(texts)
    if not texts:
        return []
    model, tgt = head.model, head.target
    p_stance, p_frame = model.predict_proba(texts, embeddings)
    keyword = model.keyword_relevance(texts)
    need = max(relevance_threshold, tgt.unmatched)  # what the model alone must reach for an unnamed target
    if head.tuned is not None:
        w = head.tuned.config.weight
        t_stance, t_frame = p_stance.copy(), p_frame.copy()
        # unnamed target and a head sure enough of `neutral` that no encoder answer could lift the sentence
        # over the gate: it stays gated, the encoder pass is skipped and the head's probabilities stand
        gated = (keyword < relevance_threshold) & ((1 - w) * (1 - p_stance[:, 2]) + w < need)
        known, run = tuned_probs or {}, []
        for k in map(int, np.flatnonzero(~gated)):
            if texts[k] in known:
                t_stance[k], t_frame[k] = known[texts[k]]
            else:
                run.append(k)
        if run:
            with autocast(precision):
                t_stance[run], t_frame[run] = head.tuned.predict_proba([texts[i] for i in run])
        p_stance, p_frame = (1 - w) * p_stance + w * t_stance, (1 - w) * p_frame + w * t_frame
        stance_idx = p_stance.argmax(1)
        # two steps: a frame is named when "none" is unlikely enough, then the likeliest one
        none = model.frame_classes_.index(tgt.frame_none)
        named = np.where(np.arange(p_frame.shape[1]) == none, -1.0, p_frame).argmax(1)
        frame_idx = np.where(p_frame[:, none] < head.tuned.config.frame_none_below, named, none)
    else:
        stance_idx, frame_idx = model.stance_.decide(p_stance), model.frame_.decide(p_frame)
    scale = np.where(keyword >= relevance_threshold, 1.0, relevance_threshold / need if need > 0 else 1.0)
    relevance = np.maximum(keyword, (1.0 - p_stance[:, 2]) * scale)
    rows = []
    for i in range(len(texts)):
        p_pos, p_neg, p_neu = (float(x) for x in p_stance[i])
        gated = relevance[i] < relevance_threshold
        rows.append(
            {
                "relevance": round(float(relevance[i]), 4),
                "stance": tgt.neutral if gated else model.classes_[int(stance_idx[i])],
                "stance_score": 0.0 if gated else round(p_pos - p_neg, 4),
                "frame": tgt.frame_none if gated else model.frame_classes_[int(frame_idx[i])],
                "p_open": round(p_pos, 4),
                "p_closed": round(p_neg, 4),
                "p_neutral": round(p_neu, 4),
            }
        )
    return rows
