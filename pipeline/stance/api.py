"""What the CLI calls: ``opentide stance IN.jsonl OUT.jsonl`` and ``opentide evaluate FILE``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.stance.classify import classify
from pipeline.stance.data import clean_sentence, read_lines
from pipeline.stance.errors import E_NO_LINES, E_OUTPUT_FILE, E_SAME_FILE, InputFileError
from pipeline.stance.evaluate import Report, evaluate, frame_f1
from pipeline.stance.io import Encoder, Head
from pipeline.stance.target import Target

logger = logging.getLogger(__name__)
SHOWN = 10  # skipped lines listed in a message; the rest are counted


def _has_text(row: dict) -> str | None:
    text = row.get("text")
    if not isinstance(text, str):
        return 'no "text" string'
    return None if clean_sentence(text) else '"text" is empty'


def labelled_check(target: Target) -> Callable[[dict], str | None]:
    """A ``read_lines`` check: why a labelled line cannot be scored against ``target`` (or None)."""

    def check(row: dict) -> str | None:
        if why := _has_text(row):
            return why
        if row.get("stance") not in target.stance_labels:
            return f"stance {row.get('stance')!r} is not one of {', '.join(target.stance_labels)}"
        if "frame" in row and row["frame"] not in target.frame_labels:
            return f"frame {row['frame']!r} is not one of {', '.join(target.frame_labels)}"
        return None

    return check


def skipped_text(skipped: list[str]) -> str:
    """The skipped lines for a message: the first few, then a count."""
    more = f"\n  ... and {len(skipped) - SHOWN} more" if len(skipped) > SHOWN else ""
    return "".join(f"\n  {line}" for line in skipped[:SHOWN]) + more


@dataclass(frozen=True)
class Classified:
    written: int
    skipped: list[str] = field(default_factory=list)  # ``name:line: why`` of each input line left out
    empty: list[str] = field(default_factory=list)  # objects without a text, written as neutral


def stance_jsonl(
    in_path: str | Path,
    out_path: str | Path,
    *,
    head: Head,
    embedder: Encoder,
    relevance_threshold: float = 0.5,
) -> Classified:
    """Read lines ``{"id", "text", ...}``; write each plus ``stance``, ``stance_score``, ``frame``.

    A line that is not a JSON object is left out and listed in ``skipped``; an object without a text is written
    as the target's neutral label (so that every id comes back) and listed in ``empty``. A file with no JSON
    object raises ``InputFileError`` and writes nothing."""
    path = Path(in_path)
    if Path(out_path).resolve() == path.resolve():
        raise InputFileError(E_SAME_FILE.format(path=in_path))
    rows, skipped = read_lines(path, lambda row: None)
    if not rows:
        raise InputFileError(
            E_NO_LINES.format(path=in_path, need='{"id", "text"}', verb="classify", problems=skipped_text(skipped))
        )
    missing = [_has_text(r) for _, r in rows]  # why a line has no text to classify, else None
    empty = [f"{path.name}:{n}: {why}, written as {head.target.neutral}" for (n, _), why in zip(rows, missing) if why]
    todo = [i for i, why in enumerate(missing) if why is None]
    texts = [clean_sentence(rows[i][1]["text"]) for i in todo]
    preds = classify(
        texts, embedder.encode(texts), head=head, relevance_threshold=relevance_threshold, precision=embedder.precision
    )
    added = [{"stance": head.target.neutral, "stance_score": 0.0, "frame": head.target.frame_none} for _ in rows]
    for i, p in zip(todo, preds):
        added[i] = {"stance": p["stance"], "stance_score": p["stance_score"], "frame": p["frame"]}
    lines = [json.dumps({**row, **more}, ensure_ascii=False) for (_, row), more in zip(rows, added)]
    try:
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        Path(out_path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    except OSError as err:
        raise InputFileError(E_OUTPUT_FILE.format(path=out_path, why=err.strerror or err)) from None
    logger.info("stance: %d lines -> %s (%d skipped, %d without text)", len(rows), out_path, len(skipped), len(empty))
    return Classified(len(rows), skipped, empty)


@dataclass(frozen=True)
class Evaluation:
    stance: Report
    frame: Report | None  # None when the file has no frame labels
    frame_spotting: dict[str, float]  # macro over non-none frames, binary frame != none
    text: str
    skipped: list[str] = field(default_factory=list)  # ``name:line: why`` of each line left out


def evaluate_jsonl(
    path: str | Path,
    *,
    head: Head,
    embedder: Encoder,
    relevance_threshold: float = 0.5,
) -> Evaluation:
    """Predict a labelled file (lines ``{"text", "stance"[, "frame"]}``) and compare with its labels.

    The printable ``text`` holds per-class precision/recall/F1 and confusion matrices for stance and frame,
    plus frame-spotting F1 (macro over the non-none frames, and binary frame != none). Lines without a text or
    with a label the target does not have are left out and listed; a file with no usable line raises.
    """
    lines, skipped = read_lines(Path(path), labelled_check(head.target))
    rows = [row for _, row in lines]
    if not rows:
        need = '{"text", "stance"} with a stance of ' + ", ".join(head.target.stance_labels)
        raise InputFileError(E_NO_LINES.format(path=path, need=need, verb="evaluate", problems=skipped_text(skipped)))
    texts = [clean_sentence(r["text"]) for r in rows]
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
    if skipped:
        parts.append(f"{len(skipped)} lines skipped:{skipped_text(skipped)}")
    return Evaluation(stance, frame, spot, "\n\n".join(parts), skipped)
