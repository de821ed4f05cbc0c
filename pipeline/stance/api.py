"""What the CLI calls for ``opentide stance IN.jsonl OUT.jsonl`` (``opentide evaluate``: ``scoring``)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.stance.data import clean_sentence, read_lines
from pipeline.stance.errors import E_NO_LINES, E_OUTPUT_FILE, E_SAME_FILE, InputFileError
from pipeline.stance.io import Encoder, Head
from pipeline.stance.units import Units, classify_units

logger = logging.getLogger(__name__)
SHOWN = 10  # skipped lines listed in a message; the rest are counted


def why_no_text(row: dict) -> str | None:
    text = row.get("text")
    if not isinstance(text, str):
        return 'no "text" string'
    return None if clean_sentence(text) else '"text" is empty'


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
    units: Units | None = None,
) -> Classified:
    """Read lines ``{"id", "text", ...}``; write each plus ``unit``, ``stance``, ``stance_score``, ``frame``.

    A text is a sentence or a whole document (``units``, see ``pipeline.stance.units``); a document line also
    gets ``sentences``, ``relevant`` and ``evidence``. A line that is not a JSON object is left out and listed in
    ``skipped``; an object without a text is written as the target's neutral label (so that every id comes back)
    and listed in ``empty``. A file with no JSON object raises ``InputFileError`` and writes nothing."""
    path = Path(in_path)
    if Path(out_path).resolve() == path.resolve():
        raise InputFileError(E_SAME_FILE.format(path=in_path))
    rows, skipped = read_lines(path, lambda row: None)
    if not rows:
        raise InputFileError(
            E_NO_LINES.format(path=in_path, need='{"id", "text"}', verb="classify", problems=skipped_text(skipped))
        )
    missing = [why_no_text(r) for _, r in rows]  # why a line has no text to classify, else None
    empty = [f"{path.name}:{n}: {why}, written as {head.target.neutral}" for (n, _), why in zip(rows, missing) if why]
    todo = [i for i, why in enumerate(missing) if why is None]
    texts = [rows[i][1]["text"] for i in todo]
    preds = classify_units(texts, head=head, embedder=embedder, relevance_threshold=relevance_threshold, units=units)
    tgt = head.target
    added = [{"unit": "sentence", "stance": tgt.neutral, "stance_score": 0.0, "frame": tgt.frame_none} for _ in rows]
    for i, p in zip(todo, preds):
        added[i] = p
    lines = [json.dumps({**row, **more}, ensure_ascii=False) for (_, row), more in zip(rows, added)]
    try:
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        Path(out_path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    except OSError as err:
        raise InputFileError(E_OUTPUT_FILE.format(path=out_path, why=err.strerror or err)) from None
    logger.info("stance: %d lines -> %s (%d skipped, %d without text)", len(rows), out_path, len(skipped), len(empty))
    return Classified(len(rows), skipped, empty)
