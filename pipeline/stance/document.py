"""Document stance from its sentence rows: a confidence-weighted, trimmed mean of sentence scores.

Each relevant sentence (``relevance >= min_relevance``) votes ``stance_score`` with weight
``relevance * (1 - p_neutral) ** power``: sentences that clearly take a side count most. The most extreme
``trim`` share of votes on each side is dropped (one quoted or boilerplate passage should not decide).
``off_topic`` when fewer than ``min_sentences`` relevant sentences, too little side-taking mass, or fewer than
``min_argued_share`` of them (and at least one) that itself takes a side (a newsletter digest that reports
open-model releases at length, with one aside, takes no position; NTIA comments argue in 17-85% of them);
``mixed`` when the score lies within ``(-closed_below, open_above)``. Thresholds were chosen by
cross-validation on the NTIA development comments (see bench/eval_stance.py and the model card).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.stance.target import Target


@dataclass(frozen=True)
class DocumentRule:
    """Aggregation settings; the defaults are the rule chosen by CV on the 26 NTIA dev comments (model card)."""

    min_relevance: float = 0.75
    power: float = 2.0
    trim: float = 0.1
    open_above: float = 0.05
    closed_below: float = 0.0
    min_sentences: int = 2
    min_mass: float = 0.5
    min_argued_share: float = 0.03  # of the relevant sentences, at least this share (and one) must take a side
    labels: tuple[str, str, str, str] = ("open", "closed", "mixed", "off_topic")


def document_rule(target: Target) -> DocumentRule:
    """The shipped rule with the target's names for its two sides."""
    return DocumentRule(labels=(target.positive, target.negative, "mixed", "off_topic"))


def _weighted_trimmed_mean(scores: np.ndarray, weights: np.ndarray, trim: float) -> float:
    if trim > 0 and len(scores) >= 5:
        lo, hi = np.quantile(scores, [trim, 1 - trim])
        keep = (scores >= lo) & (scores <= hi)
        scores, weights = scores[keep], weights[keep]
    total = weights.sum()
    return float((weights * scores).sum() / total) if total > 0 else 0.0


def sentence_arrays(rows: Sequence[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(relevance, stance_score = p_open - p_closed, side = 1 - p_neutral) as arrays."""
    rel = np.array([float(r["relevance"]) for r in rows])
    score = np.array([float(r["p_open"]) - float(r["p_closed"]) for r in rows])
    side = 1.0 - np.array([float(r["p_neutral"]) for r in rows])
    return rel, score, side


def aggregate(rel: np.ndarray, score: np.ndarray, side: np.ndarray, rule: DocumentRule) -> tuple[float, int, float]:
    """(document score, number of relevant sentences, side-taking mass of the relevant sentences)."""
    keep = rel >= rule.min_relevance
    n_relevant = int(keep.sum())
    if not n_relevant:
        return 0.0, 0, 0.0
    weight = rel[keep] * side[keep] ** rule.power
    return _weighted_trimmed_mean(score[keep], weight, rule.trim), n_relevant, float(side[keep].sum())


def label_for(doc_score: float, n_relevant: int, mass: float, rule: DocumentRule) -> str:
    pos, neg, mixed, off = rule.labels
    if n_relevant < rule.min_sentences or mass < rule.min_mass:
        return off
    if doc_score >= rule.open_above:
        return pos
    if doc_score <= -rule.closed_below:
        return neg
    return mixed


def document_frame(rows: Sequence[dict], rule: DocumentRule, none: str) -> str:
    """The frame most of a document's relevant sentences name (``none`` when none names one)."""
    named = Counter(r["frame"] for r in rows if r["relevance"] >= rule.min_relevance and r["frame"] != none)
    return named.most_common(1)[0][0] if named else none


def unseen_row(target: Target) -> dict:
    """The sentence row of a sentence left unclassified (far from any target mention): neutral, relevance 0."""
    row = {"relevance": 0.0, "stance": target.neutral, "stance_score": 0.0, "frame": target.frame_none}
    return row | {"p_open": 0.0, "p_closed": 0.0, "p_neutral": 1.0}


def near_target(hits: np.ndarray, window: int) -> np.ndarray:
    """Which sentences to classify: those within ``window`` of one naming the target (``hits``); all when
    ``window`` < 0. The rest are neutral unseen (``[stance] prefilter_window``)."""
    if window < 0 or not len(hits):
        return np.ones(len(hits), dtype=bool)
    spread = np.convolve(np.asarray(hits, dtype=int), np.ones(2 * window + 1, dtype=int))  # "full": never short
    return spread[window : window + len(hits)] > 0


def document_stance(rows: Sequence[dict], texts: Sequence[str], *, rule: DocumentRule | None = None) -> dict:
    """``{"stance", "stance_score", "n_relevant", "evidence": [{sent_idx, text, stance_score}] * <=3}``.

    ``rows`` are sentence rows (``classify`` output, optionally with ``sent_idx``) aligned with ``texts``.
    Labels are (positive, negative, mixed, off_topic) of ``rule.labels``; pass a rule with the target's names.
    """
    rule = rule or DocumentRule()
    pos, neg = rule.labels[:2]
    if not rows:
        return {"stance": rule.labels[3], "stance_score": 0.0, "n_relevant": 0, "evidence": []}
    idx = np.array([int(r.get("sent_idx", i)) for i, r in enumerate(rows)])
    rel, score, side = sentence_arrays(rows)
    doc_score, n_relevant, mass = aggregate(rel, score, side, rule)
    label = label_for(doc_score, n_relevant, mass, rule)
    relevant = rel >= rule.min_relevance
    argued = Counter(r.get("stance") for r, keep in zip(rows, relevant) if keep)  # relevant sentences per label
    if label != rule.labels[3] and argued[pos] + argued[neg] < max(1.0, rule.min_argued_share * n_relevant):
        label = rule.labels[3]  # coverage in which (almost) no sentence takes a side: no position
    elif label in (pos, neg) and not argued[label]:
        label = rule.labels[2]  # a lean from neutral sentences' scores alone is no position on that side: mixed
    strength = rel * side**rule.power * np.abs(score) * relevant
    if label in (pos, neg):  # evidence that supports the label
        strength = strength * (np.sign(score) == (1 if label == pos else -1))
    top = [int(i) for i in np.argsort(-strength, kind="stable")[:3] if strength[i] > 0]
    evidence = [{"sent_idx": int(idx[i]), "text": texts[i], "stance_score": round(float(score[i]), 4)} for i in top]
    return {
        "stance": label,
        "stance_score": round(float(np.clip(doc_score, -1, 1)), 4),
        "n_relevant": n_relevant,
        "evidence": evidence,
    }
