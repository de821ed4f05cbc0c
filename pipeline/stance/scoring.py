"""What the CLI calls for ``opentide evaluate FILE``: a labelled file predicted and compared with its labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.stance.api import skipped_text, why_no_text
from pipeline.stance.data import read_lines
from pipeline.stance.document import document_rule
from pipeline.stance.errors import E_NO_LINES, InputFileError
from pipeline.stance.evaluate import Report, document_ranking, evaluate, frame_f1
from pipeline.stance.io import Encoder, Head
from pipeline.stance.target import Target
from pipeline.stance.units import Units, classify_units


@dataclass(frozen=True)
class Evaluation:
    stance: Report | None  # sentence lines; None when the file has none
    frame: Report | None  # None when the sentence lines have no frame labels
    frame_spotting: dict[str, float]  # macro over non-none frames, binary frame != none
    text: str
    skipped: list[str] = field(default_factory=list)  # ``name:line: why`` of each line left out
    documents: Report | None = None  # document lines (open / closed / mixed / off_topic); None when none
    ranking: dict[str, float] = field(default_factory=dict)  # ``evaluate.document_ranking`` of the documents


def labelled_check(target: Target) -> Callable[[dict], str | None]:
    """A ``read_lines`` check: why a labelled line cannot be scored against ``target`` (or None)."""

    labels = dict.fromkeys(target.stance_labels + document_rule(target).labels)  # ordered, each once

    def check(row: dict) -> str | None:
        if why := why_no_text(row):
            return why
        if row.get("stance") not in labels:
            return f"stance {row.get('stance')!r} is not one of {', '.join(labels)}"
        if "frame" in row and row["frame"] not in target.frame_labels:
            return f"frame {row['frame']!r} is not one of {', '.join(target.frame_labels)}"
        return None

    return check


def _sentences(rows: list[dict], preds: list[dict], tgt: Target, title: str) -> tuple[Report, Report | None, dict, str]:
    """Stance and (where every line has one) frame reports, frame spotting, and their text."""
    stance = evaluate([r["stance"] for r in rows], [p["stance"] for p in preds], labels=tgt.stance_labels)
    parts = [stance.text(title=f"stance ({title})")]
    if not all("frame" in r for r in rows):
        return stance, None, {}, parts[0]
    gold, pred = [r["frame"] for r in rows], [p["frame"] for p in preds]
    frame = evaluate(gold, pred, labels=tgt.frame_labels)
    spot = frame_f1(gold, pred, labels=tgt.frame_labels, none=tgt.frame_none)
    parts.append(frame.text(title=f"frame ({tgt.frame_name})"))
    parts.append(
        f"frame spotting F1: macro {spot['macro']:.3f}, binary (frame != {tgt.frame_none}) {spot['binary']:.3f}"
    )
    return stance, frame, spot, "\n\n".join(parts)


def _documents(
    rows: list[dict], preds: list[dict], places: list[str], tgt: Target, title: str
) -> tuple[Report, dict, str]:
    """Document label report, the ranking of documents by ``stance_score``, and their text (with the documents
    labelled otherwise than their gold, by ``places``: ``name:line (id)``)."""
    gold, pred, score = [r["stance"] for r in rows], [p["stance"] for p in preds], [p["stance_score"] for p in preds]
    seen = set(gold) | set(pred)  # a label no document has or gets would pull the macro-F1 down for nothing
    report = evaluate(gold, pred, labels=[lab for lab in document_rule(tgt).labels if lab in seen])
    pos, neg = tgt.positive, tgt.negative
    rank = document_ranking(gold, pred, score, positive=pos, negative=neg)
    wrong = [f"{where}: {g}, called {p} at {sc:+.3f}" for where, g, p, sc in zip(places, gold, pred, score) if g != p]
    text = report.text(title=f"document stance ({title})") + (
        f"\n\nranked by stance_score: ROC AUC {pos} vs {neg} {rank['auc_sides']:.3f}, {pos} vs the rest "
        f"{rank['auc_rest']:.3f}; {pos} / {neg} documents labelled right {rank['right_sides']:.3f}"
    )
    if wrong:
        text += f"\n{len(wrong)} documents labelled otherwise:{skipped_text(wrong)}"
    return report, rank, text


def evaluate_jsonl(
    path: str | Path,
    *,
    head: Head,
    embedder: Encoder,
    relevance_threshold: float = 0.5,
    units: Units | None = None,
) -> Evaluation:
    """Predict a labelled file (lines ``{"text", "stance"[, "frame"]}``) and compare with its labels.

    Sentence lines: per-class precision/recall/F1 and confusion matrices for stance and frame, plus frame-spotting
    F1 (macro over the non-none frames, and binary frame != none). Document lines (read as documents by
    ``units``, or labelled ``mixed`` / ``off_topic``): the same for the document labels, plus ROC AUC of
    ``stance_score``. Lines without a text or with a label their reading does not have are left out and listed;
    a file with no usable line raises.
    """
    tgt, units, name = head.target, units or Units(), Path(path).name
    lines, skipped = read_lines(Path(path), labelled_check(tgt))
    doc_labels = document_rule(tgt).labels
    doc_only = [lab for lab in doc_labels if lab not in tgt.stance_labels]
    free = [(n, r) for n, r in lines if r["stance"] not in doc_only]
    forced = [(n, r) for n, r in lines if r["stance"] in doc_only]  # labelled as documents: read as documents
    preds = [
        p
        for rows, reading in ((free, units), (forced, replace(units, unit="document")))
        for p in classify_units(
            [r["text"] for _, r in rows],
            head=head,
            embedder=embedder,
            relevance_threshold=relevance_threshold,
            units=reading,
        )
    ]
    sent: list[tuple[dict, dict]] = []
    docs: list[tuple[dict, dict]] = []
    places: list[str] = []  # where each document line is, for the list of those labelled otherwise
    for (n, row), p in zip(free + forced, preds):
        allowed = tgt.stance_labels if p["unit"] == "sentence" else doc_labels
        if row["stance"] in allowed and p["unit"] == "sentence":
            sent.append((row, p))
        elif row["stance"] in allowed:
            docs.append((row, p))
            places.append(f"{name}:{n}" + (f" (id {row['id']})" if "id" in row else ""))
        else:
            skipped.append(
                f"{name}:{n}: read as a {p['unit']}, whose stance is one of {', '.join(allowed)} "
                "(--unit picks the reading)"
            )
    if not sent and not docs:
        need = '{"text", "stance"} with a stance of ' + ", ".join([*tgt.stance_labels, *doc_only])
        raise InputFileError(E_NO_LINES.format(path=path, need=need, verb="evaluate", problems=skipped_text(skipped)))
    stance, frame, documents, parts = None, None, None, []
    spot: dict[str, float] = {}
    ranking: dict[str, float] = {}
    if sent:
        title = f"{tgt.name}, {len(sent)} sentences from {name}"
        stance, frame, spot, text = _sentences([r for r, _ in sent], [p for _, p in sent], tgt, title)
        parts.append(text)
    if docs:
        title = f"{tgt.name}, {len(docs)} documents from {name}"
        documents, ranking, text = _documents([r for r, _ in docs], [p for _, p in docs], places, tgt, title)
        parts.append(text)
    if skipped:
        parts.append(f"{len(skipped)} lines skipped:{skipped_text(skipped)}")
    return Evaluation(stance, frame, spot, "\n\n".join(parts), skipped, documents, ranking)
