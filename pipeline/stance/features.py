"""Linguistic signal beside the embedding: target relevance patterns, negation, reported speech, quotation.

The generic cues (negation, attribution, quotation, rebuttal wording) are properties of English argument,
not of any target; target words come from ``target.toml`` (``[relevance]`` and optional ``[cues]``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from pipeline.stance.target import Target

_I = re.IGNORECASE


def target_patterns(target: Target) -> dict:
    """The plain-data pattern set a head is trained with (stored in the head so it is self-contained)."""
    return {
        "strong": list(target.strong),
        "weak": list(target.weak),
        "context": list(target.context),
        "cues": {k: list(v) for k, v in sorted(target.cues.items())},
    }


NEGATION = re.compile(r"\b(not|no|never|nor|neither|without|cannot|n't|against|oppose[sd]?|unnecessary)\b|n't\b", _I)
REPORTED = re.compile(
    r"\b(critics?|proponents?|opponents?|advocates?|some|others|many|skeptics?)\b[^.]{0,40}\b"
    r"(say|says|said|argue[sd]?|claim(s|ed)?|contend(s|ed)?|warn(s|ed)?|believe[sd]?|fear(s|ed)?)\b"
    r"|\baccording to\b|\b(it is|has been|have been|are|is) (often )?(argued|claimed|suggested|feared)\b"
    r"|\b(concerns?|fears?|claims?|arguments?|worr(y|ies)) (that|about)\b",
    _I,
)
REBUTTAL = re.compile(
    r"\b(overstated|overblown|exaggerated|myths?|narratives?|misplaced|unfounded|speculative|hypothetical|"
    r"no evidence|little evidence|lack of evidence|marginal|unproven|misguided|fearmongering|alarmis[mt]|"
    r"in fact|actually|however|but)\b",
    _I,
)
QUOTED = re.compile(r"[\"“”‘’']([^\"“”‘’']{3,120})[\"“”’']")
FIRST_PERSON = re.compile(r"\b(we|our|i|us)\b", _I)
NORMATIVE = re.compile(r"\b(should|must|need to|needs to|ought|recommend|urge|support|encourage)\b", _I)
QUESTION = re.compile(r"\?\s*$")


def _count(pats: Sequence[re.Pattern[str]], text: str) -> int:
    return sum(1 for p in pats if p.search(text))


class CueFeatures:
    """``transform(texts) -> (n, k)`` dense cue features, plus ``relevance(texts)`` in [0, 1]."""

    def __init__(self, patterns: dict) -> None:
        def comp(pats: Sequence[str]) -> list[re.Pattern[str]]:
            return [re.compile(p, _I) for p in pats]

        self.strong, self.weak = comp(patterns.get("strong", ())), comp(patterns.get("weak", ()))
        self.context = comp(patterns.get("context", ()))
        self.cues = {name: comp(pats) for name, pats in sorted(patterns.get("cues", {}).items())}

    @property
    def names(self) -> list[str]:
        base = [
            "strong",
            "weak_in_context",
            "negation",
            "reported",
            "rebuttal",
            "quoted",
            "quoted_cue",
            "first_person",
            "normative",
            "question",
            "log_len",
        ]
        cues = [f"cue_{c}" for c in self.cues] + [f"neg_x_{c}" for c in self.cues]
        return base + cues

    def keyword_relevance(self, text: str) -> float:
        """1 for a strong pattern, 0.5 for a weak pattern inside target context, else 0."""
        if _count(self.strong, text):
            return 1.0
        if _count(self.weak, text) and _count(self.context, text):
            return 0.5
        return 0.0

    def _row(self, text: str) -> list[float]:
        strong = _count(self.strong, text)
        weak = _count(self.weak, text) if _count(self.context, text) else 0
        neg = bool(NEGATION.search(text))
        quotes = [m.group(1) for m in QUOTED.finditer(text)]
        cue_hits = [float(bool(_count(p, text))) for p in self.cues.values()]
        quoted_cue = any(_count(p, q) for q in quotes for p in self.cues.values()) or any(
            _count(self.strong, q) for q in quotes
        )
        row = [
            min(strong, 3) / 3,
            min(weak, 3) / 3,
            float(neg),
            float(bool(REPORTED.search(text))),
            float(bool(REBUTTAL.search(text))),
            float(bool(quotes)),
            float(quoted_cue),
            float(bool(FIRST_PERSON.search(text))),
            float(bool(NORMATIVE.search(text))),
            float(bool(QUESTION.search(text))),
            float(np.log1p(len(text.split())) / 5),
        ]
        return row + cue_hits + [h * float(neg) for h in cue_hits]

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.names)), dtype=np.float64)
        return np.asarray([self._row(t) for t in texts], dtype=np.float64)
