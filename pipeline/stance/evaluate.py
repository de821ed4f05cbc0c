"""Per-class precision / recall / F1 and a confusion matrix, as data and as text (``opentide evaluate``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.metrics import roc_auc_score


@dataclass(frozen=True)
class Report:
    labels: tuple[str, ...]
    per_class: dict[str, dict[str, float]]  # label -> precision, recall, f1, support
    macro_f1: float
    accuracy: float
    confusion: list[list[int]]  # rows gold, columns predicted, in ``labels`` order

    def text(self, *, title: str = "") -> str:
        w = max(9, *(len(x) for x in self.labels)) + 1
        lines = [title] if title else []
        lines.append(f"{'':<{w}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for lab in self.labels:
            m = self.per_class[lab]
            lines.append(
                f"{lab:<{w}}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{int(m['support']):>10d}"
            )
        lines.append(f"{'macro F1':<{w}}{self.macro_f1:>30.3f}")
        lines.append(f"{'accuracy':<{w}}{self.accuracy:>30.3f}")
        lines.append("")
        lines.append("confusion (rows gold, columns predicted)")
        lines.append(f"{'':<{w}}" + "".join(f"{lab:>{w}}" for lab in self.labels))
        for lab, row in zip(self.labels, self.confusion):
            lines.append(f"{lab:<{w}}" + "".join(f"{n:>{w}d}" for n in row))
        return "\n".join(lines)


def evaluate(gold: Sequence[str], pred: Sequence[str], *, labels: Sequence[str] | None = None) -> Report:
    """Compare label sequences; ``labels`` fixes the order (default: sorted union). Macro-F1 over ``labels``."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    labs = tuple(labels) if labels is not None else tuple(sorted(set(gold) | set(pred)))
    pos = {lab: i for i, lab in enumerate(labs)}
    conf = [[0] * len(labs) for _ in labs]
    for g, p in zip(gold, pred):
        if g in pos and p in pos:
            conf[pos[g]][pos[p]] += 1
    per: dict[str, dict[str, float]] = {}
    for i, lab in enumerate(labs):
        tp = conf[i][i]
        n_pred, n_gold = sum(row[i] for row in conf), sum(conf[i])
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": float(n_gold)}
    macro = sum(m["f1"] for m in per.values()) / len(labs) if labs else 0.0
    acc = sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0
    return Report(labs, per, macro, acc, conf)


def frame_f1(gold: Sequence[str], pred: Sequence[str], *, labels: Sequence[str], none: str) -> dict[str, float]:
    """Frame spotting: ``macro`` F1 over the non-``none`` frame labels and ``binary`` F1 of frame != none."""
    macro = evaluate(gold, pred, labels=labels)
    spotted = [lab for lab in labels if lab != none]
    flag = {True: "framed", False: "none"}
    binary = evaluate([flag[g != none] for g in gold], [flag[p != none] for p in pred], labels=["framed", "none"])
    return {
        "macro": sum(macro.per_class[lab]["f1"] for lab in spotted) / len(spotted),
        "binary": binary.per_class["framed"]["f1"],
    }


def document_ranking(
    gold: Sequence[str], pred: Sequence[str], scores: Sequence[float], *, positive: str, negative: str
) -> dict[str, float]:
    """Document figures: ROC AUC of ``scores`` for ``positive`` against ``negative`` documents
    (``auc_sides``) and against all the others (``auc_rest``), and the share of the two sides' documents
    labelled right (``right_sides``). NaN where a figure has no two classes to compare."""
    sides = [i for i, g in enumerate(gold) if g in (positive, negative)]
    y = [gold[i] == positive for i in sides]
    auc = roc_auc_score(y, [scores[i] for i in sides]) if len(set(y)) == 2 else float("nan")
    y_rest = [g == positive for g in gold]
    auc_rest = roc_auc_score(y_rest, list(scores)) if len(set(y_rest)) == 2 else float("nan")
    right = sum(pred[i] == gold[i] for i in sides) / len(sides) if sides else float("nan")
    return {"auc_sides": float(auc), "auc_rest": float(auc_rest), "right_sides": float(right)}
