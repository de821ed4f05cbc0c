"""Precision and recall of canonical entities, and attribution accuracy, on the hand-labelled gold set.

The gold file (``pipeline/data/eval/entities_gold.jsonl``) holds references into ``../shared``, never text:
``doc`` (relative to ``../shared/corpus``), ``start``/``end`` character offsets of one sentence, ``sha1`` (first
10 hex of the sentence's sha1), the canonical ``entities`` expected there, and for attribution sentences
(``attributed: true``) the ``speaker`` id (null for an unnamed speaker).

    PYTHONPATH=. .venv/bin/python bench/eval_entities.py [--shared ../shared] [--verbose]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

from pipeline.stages.catalogue import Catalogue, load_catalogue
from pipeline.stages.entities import annotate, build_nlp

log = logging.getLogger("eval_entities")
ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "pipeline" / "data" / "eval" / "entities_gold.jsonl"
SHARED = ROOT.parent / "shared"


def load_gold(path: Path = GOLD) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _speaker(doc_sents: list[tuple[int, int]], speakers: list[dict[str, Any]], start: int, end: int) -> Any:
    """The attributed speaker of the system sentences overlapping [start, end), by largest overlap."""
    best, best_overlap = None, 0
    for (s, e), row in zip(doc_sents, speakers, strict=True):
        overlap = min(e, end) - max(s, start)
        if overlap > 0 and row["method"] not in ("author", "none") and overlap > best_overlap:
            best, best_overlap = row["speaker_id"], overlap
    return best


def evaluate(nlp: Any, catalogue: Catalogue, gold: list[dict[str, Any]], shared: Path = SHARED) -> dict[str, Any]:
    """Micro precision/recall of per-sentence entity sets, attribution accuracy, and the errors."""
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for g in gold:
        by_doc[g["doc"]].append(g)
    tp = fp = fn = att_ok = att_n = 0
    errors: list[dict[str, Any]] = []
    for rel, items in by_doc.items():
        text = (shared / "corpus" / rel).read_text(encoding="utf-8")
        doc = nlp(text)
        rows, speakers = annotate(doc, catalogue=catalogue)
        spans = [(s.start_char, s.end_char) for s in doc.sents]
        for g in items:
            piece = text[g["start"] : g["end"]]
            if hashlib.sha1(piece.encode("utf-8")).hexdigest()[:10] != g["sha1"]:
                raise ValueError(f"{rel}:{g['start']}-{g['end']} changed since it was labelled (sha1 differs)")
            found = {r["entity_id"] for r in rows if r["start"] >= g["start"] and r["end"] <= g["end"]}
            want = set(g["entities"])
            tp, fp, fn = tp + len(found & want), fp + len(found - want), fn + len(want - found)
            err: dict[str, Any] = {}
            if found != want:
                err.update(missed=sorted(want - found), spurious=sorted(found - want))
            if g.get("attributed"):
                got = _speaker(spans, speakers, g["start"], g["end"])
                att_n += 1
                att_ok += got == g["speaker"]
                if got != g["speaker"]:
                    err.update(speaker=g["speaker"], got=got)
            if err:
                errors.append({"doc": rel, "start": g["start"], **err})
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "mentions": tp + fn,
        "sentences": len(gold),
        "attribution_accuracy": att_ok / att_n if att_n else 0.0,
        "attribution_sentences": att_n,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--verbose", action="store_true", help="log each error")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    catalogue = load_catalogue()
    result = evaluate(build_nlp(catalogue=catalogue), catalogue, load_gold(args.gold), args.shared)
    if args.verbose:
        for err in result["errors"]:
            log.info("%s", err)
    log.info(
        "sentences %d, gold entity mentions %d, attribution sentences %d",
        result["sentences"],
        result["mentions"],
        result["attribution_sentences"],
    )
    log.info(
        "precision %.3f  recall %.3f  attribution accuracy %.3f",
        result["precision"],
        result["recall"],
        result["attribution_accuracy"],
    )


if __name__ == "__main__":
    main()
