"""Stance and frame classification towards a configurable target (default: openness of AI models).

Public functions (no file I/O except loading and saving the head):

- ``load_target(name_or_path) -> Target`` and ``load_head(target) -> Head``
- ``classify(texts, embeddings, *, head, relevance_threshold=0.5) -> list[dict]`` (sentence_stance rows)
- ``document_stance(rows, texts, *, rule=None) -> dict`` (document_stance row)
- ``stage_version(head) -> str``; ``STAGE_VERSION`` for the packaged default head
- ``evaluate(gold, pred, *, labels=None) -> Report``; ``train_target(target, *, embedder) -> Head``
- ``api.stance_jsonl(...)`` and ``scoring.evaluate_jsonl(...)`` for the CLI; ``units.classify_units`` reads a
  text as one sentence or as a whole document
"""

from __future__ import annotations

from pipeline.stance.classify import classify, stage_version
from pipeline.stance.document import DocumentRule, document_stance
from pipeline.stance.evaluate import Report, evaluate, frame_f1
from pipeline.stance.io import Head, file_sha256, load_head, save_head
from pipeline.stance.model import StanceHead
from pipeline.stance.target import Target, load_target

__all__ = [
    "STAGE_VERSION",
    "DocumentRule",
    "Head",
    "Report",
    "StanceHead",
    "Target",
    "classify",
    "document_stance",
    "evaluate",
    "file_sha256",
    "frame_f1",
    "load_head",
    "load_target",
    "save_head",
    "stage_version",
    "train_target",
]


def __getattr__(name: str) -> object:
    """``STAGE_VERSION``: the default target's stage version from the head file's hash (no model load)."""
    if name == "train_target":  # lazy: keeps `python -m pipeline.stance.train` free of a double import
        from pipeline.stance.train import train_target

        return train_target
    if name == "STAGE_VERSION":
        from pipeline.stance.classify import CODE_VERSION
        from pipeline.stance.io import target_sha256

        tgt = load_target("openness")
        digest = target_sha256(tgt, tgt.head_path.read_bytes()) if tgt.head_path.is_file() else "untrained"
        return f"stance-{CODE_VERSION}-{tgt.name}-{digest[:12]}"
    raise AttributeError(name)
