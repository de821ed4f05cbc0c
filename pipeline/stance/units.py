"""Sentence or document: how ``opentide stance`` and ``opentide evaluate`` read the text of one input line.

A line holds one sentence (stance, score and frame from the sentence model) or a whole document, such as a
comment to a consultation pasted as one text. A document is split into sentences (``segment.split_sentences``,
the splitter the NTIA document figures of the model card were measured with), the sentences within
``window`` of one naming the target are classified (as ``analyze`` does, ``[stance] prefilter_window``), and
``document_stance`` gives its label (``open`` / ``closed`` / ``mixed`` / ``off_topic``), score and evidence.
Encoding one long text as a sentence would only see its first 256 word pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.stance.classify import classify
from pipeline.stance.data import clean_sentence
from pipeline.stance.document import document_frame, document_rule, document_stance, near_target, unseen_row
from pipeline.stance.io import Encoder, Head
from pipeline.stance.segment import split_sentences

UNITS = ("auto", "sentence", "document")


@dataclass(frozen=True)
class Units:
    """How a line's text is read. ``unit``: ``auto`` takes a text of at least ``min_sentences`` sentences and
    ``min_chars`` characters for a document, anything shorter for one sentence; ``sentence`` and ``document``
    force one reading. ``window``: which sentences of a document are classified (``[stance] prefilter_window``)."""

    unit: str = "auto"
    min_sentences: int = 5
    min_chars: int = 1000
    window: int = 0

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit {self.unit!r} is not one of {', '.join(UNITS)}")

    def split(self, texts: Sequence[str]) -> list[list[str] | None]:
        """For each text, its sentences when it is read as a document, else None (one sentence)."""
        out: list[list[str] | None] = []
        for text in texts:
            sentences = split_sentences(text) if self.unit != "sentence" else []
            long = len(sentences) >= self.min_sentences and len(text) >= self.min_chars
            whole = self.unit == "document" or (self.unit == "auto" and long)
            out.append(sentences if whole else None)
        return out


def classify_units(
    texts: Sequence[str],
    *,
    head: Head,
    embedder: Encoder,
    relevance_threshold: float = 0.5,
    units: Units | None = None,
) -> list[dict]:
    """One dict per text: ``unit``, ``stance``, ``stance_score``, ``frame``; a document adds ``sentences``,
    ``relevant`` (sentences that count towards its stance) and ``evidence`` (its three strongest sentences)."""
    tgt, rule = head.target, document_rule(head.target)
    units = units or Units()
    split = units.split(texts)
    todo: list[str] = []  # every sentence to classify, in order: a sentence line, or a document's candidates
    chosen: list[np.ndarray] = []
    for text, sentences in zip(texts, split):
        if sentences is None:
            todo.append(clean_sentence(text))
            continue
        keep = near_target(head.model.keyword_relevance(sentences) > 0, units.window)
        chosen.append(keep)
        todo += [s for s, k in zip(sentences, keep) if k]
    rows = iter(
        classify(
            todo,
            embedder.encode(todo),
            head=head,
            relevance_threshold=relevance_threshold,
            precision=embedder.precision,
        )
    )
    unseen = unseen_row(tgt)
    out, picks = [], iter(chosen)
    for sentences in split:
        if sentences is None:
            row = next(rows)
            out.append({"unit": "sentence"} | {k: row[k] for k in ("stance", "stance_score", "frame")})
            continue
        sent_rows = [next(rows) if k else unseen for k in next(picks)]
        doc = document_stance(sent_rows, sentences, rule=rule)
        out.append(
            {
                "unit": "document",
                "stance": doc["stance"],
                "stance_score": doc["stance_score"],
                "frame": document_frame(sent_rows, rule, tgt.frame_none),
                "sentences": len(sentences),
                "relevant": doc["n_relevant"],
                "evidence": doc["evidence"],
            }
        )
    return out
