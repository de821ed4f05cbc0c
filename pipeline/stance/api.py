"""What the CLI calls: ``opentide stance IN.jsonl OUT.jsonl`` and ``opentide evaluate FILE``."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline.stance.classify import classify
from pipeline.stance.data import clean_sentence, read_jsonl
from pipeline.stance.evaluate import Report, evaluate, frame_f1
from pipeline.stance.io import Encoder, Head

logger = logging.getLogger(__name__)


def stance_jsonl(
    in_path: str | Path,
    out_path: str | Path,
    *,
    head: Head,
    embedder: Encoder,
    relevance_threshold: float = 0.5,
) -> int:
    """Read lines ``{"id", "text", ...}``; write each plus ``stance``, ``stance_score``, ``frame``; return the count."""
    rows = read_jsonl(Path(in_path))
    texts = [clean_sentence(str(r.get("text", ""))) for r in rows]
    preds = classify(
        texts, embedder.encode(texts), head=head, relevance_threshold=relevance_threshold, precision=embedder.precision
    )
    with Path(out_path).open("w", encoding="utf-8") as fh:
        for row, p in zip(rows, preds):
            out = {**row, "stance": p["stance"], "stance_score": p["stance_score"], "frame": p["frame"]}
            fh.write(json.dumps(out, ensure_ascii=False) + "\n")
    logger.info("stance: %d lines -> %s", len(rows), out_path)
    return len(rows)


@dataclass(frozen=True)
class Evaluation:
    stance: Report
    frame: Report | None  # None when the file has no frame labels
    frame_spotting: dict[str, float]  # macro over non-none frames, binary frame != none
    text: str


def evaluate_jsonl(
    path: str | Path,
    *,
    head: Head,
    embedder: Encoder,
    relevance_threshold: float = 0.5,
) -> Evaluation:
    """Predict a labelled file (lines ``{"text", "stance"[, "frame"]}``) and compare with its labels.

    The printable ``text`` holds per-class precision/recall/F1 and confusion matrices for stance and frame,
    plus frame-spotting F1 (macro over the non-none frames, and binary frame != none).
    """
    rows = [r for r in read_jsonl(Path(path)) if "text" in r and "stance" in r]
    texts = [clean_sentence(str(r["text"])) for r in rows]
    preds = classify(
        texts, embedder.encode(texts), head=head, relevance_threshold=relevance_threshold, precision=embedder.precision
    )
    tgt = head.target
    stance = evaluate([r["stance"] for r in rows], [p["stance"] for p in preds], labels=tgt.stance_labels)
    parts = [stance.text(title=f"stance ({tgt.name}, {len(rows)} sentences from {Path(path).name})")]
    frame, spot = None, {}
    if rows and all("frame" in r for r in rows):
        gold_f, pred_f = [r["frame"] for r in rows], [p["frame"] for p in preds]
        frame = evaluate(gold_f, pred_f, labels=tgt.frame_labels)
        spot = frame_f1(gold_f, pred_f, labels=tgt.frame_labels, none=tgt.frame_none)
        parts.append(frame.text(title=f"frame ({tgt.frame_name})"))
        parts.append(
            f"frame spotting F1: macro {spot['macro']:.3f}, binary (frame != {tgt.frame_none}) {spot['binary']:.3f}"
        )
    return Evaluation(stance, frame, spot, "\n\n".join(parts))
