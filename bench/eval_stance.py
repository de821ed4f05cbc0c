"""Honest figures for the stance head: dev sentences, 5-fold CV with dev, NTIA documents (leave-docs-out).

    python bench/eval_stance.py                 # everything; prints a summary and writes --json
    python bench/eval_stance.py --only dev,docs --target openness
    python bench/eval_stance.py --only tune     # hyper-parameter grid by grouped CV on the training data
    python bench/eval_stance.py --only shipped  # the packaged head (+ fine-tuned encoder) on dev, by confidence
    python bench/eval_stance.py --only dev,docs --tuned   # every fit also fine-tunes the encoder (slow)
    python bench/eval_stance.py --only windows  # the saved docs rows again, for each `prefilter_window`
    python bench/eval_stance.py --only precision  # the packaged model in fp32 and bf16: time, label agreement
    python bench/eval_stance.py --only frames   # the packaged model on eval_frames6.jsonl (real risk sentences)
    python bench/eval_stance.py --only written  # ... on eval_written7*.jsonl (written company / policy sentences)

All heads here are trained in-process (never the packaged file) so that no figure sees its own test data:
``dev`` trains without dev sentences; ``cv5`` adds 4/5 of dev per fold; ``docs`` trains, for each fold of NTIA
comments, without the sentences of those comments, and picks the document rule by nested CV over comments.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, StratifiedKFold

from pipeline.embed import Embedder
from pipeline.stance.classify import classify
from pipeline.stance.data import Example, clean_sentence, load_dev_sentences, load_examples, read_jsonl, shared_root
from pipeline.stance.document import (
    DocumentRule,
    aggregate,
    document_stance,
    label_for,
    near_target,
    sentence_arrays,
    unseen_row,
)
from pipeline.stance.evaluate import document_ranking, evaluate, frame_f1
from pipeline.stance.io import Head, load_head
from pipeline.stance.segment import split_sentences
from pipeline.stance.target import Target, load_target
from pipeline.stance.train import fit_tuned, make_head

log = logging.getLogger("eval_stance")
NTIA = "ntia_open_weights_rfc_comments/texts"


TUNED = False  # --tuned: every head below also fine-tunes its encoder (minutes per fit on a CPU)


def fit(tgt: Target, examples: list[Example], emb: Embedder, **params: object) -> Head:
    texts = [e.text for e in examples]
    model = make_head(tgt, **params).fit(
        texts,
        emb.encode(texts),
        [e.stance for e in examples],
        [e.frame for e in examples],
        groups=[e.group for e in examples],
    )
    tuned = fit_tuned(tgt, examples) if TUNED and tgt.tuned_path is not None else None
    return Head(model, tgt, {}, "", tuned)


def run_shipped(tgt: Target, dev: list[dict], emb: Embedder) -> dict:
    """The packaged head as `opentide evaluate` runs it (trained without dev), overall and by annotator confidence."""
    head = load_head(tgt)
    out = {}
    for name, part in (("all", dev), ("high", [d for d in dev if d.get("confidence") == "high"])):
        texts = [clean_sentence(d["text"]) for d in part]
        out[name] = sentence_scores(tgt, head, texts, [d["stance"] for d in part], [d["frame"] for d in part], emb)
    out["report"] = out["all"].pop("report")
    out["high"].pop("report")
    return out


def sentence_scores(
    tgt: Target, head: Head, texts: list[str], gold_s: list[str], gold_f: list[str], emb: Embedder
) -> dict:
    rows = classify(texts, emb.encode(texts), head=head, precision=emb.precision)
    rep = evaluate(gold_s, [r["stance"] for r in rows], labels=tgt.stance_labels)
    spot = frame_f1(gold_f, [r["frame"] for r in rows], labels=tgt.frame_labels, none=tgt.frame_none)
    return {
        "macro_f1": round(rep.macro_f1, 4),
        "frame_macro_f1": round(spot["macro"], 4),
        "frame_binary_f1": round(spot["binary"], 4),
        "per_class_f1": {k: round(v["f1"], 3) for k, v in rep.per_class.items()},
        "report": rep.text(),
    }


def run_dev(tgt: Target, examples: list[Example], dev: list[dict], emb: Embedder) -> dict:
    head = fit(tgt, examples, emb)
    return sentence_scores(
        tgt, head, [clean_sentence(d["text"]) for d in dev], [d["stance"] for d in dev], [d["frame"] for d in dev], emb
    )


def run_cv5(tgt: Target, examples: list[Example], dev: list[dict], emb: Embedder) -> dict:
    """5-fold CV over dev, each fold's head trained on all training data plus the other 4/5 of dev."""
    dev_ex = [Example(clean_sentence(d["text"]), d["stance"], d["frame"], d["doc"], "dev") for d in dev]
    preds_s, preds_f = [""] * len(dev), [""] * len(dev)
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(dev_ex, [d["stance"] for d in dev])
    for tr, te in folds:
        head = fit(tgt, examples + [dev_ex[i] for i in tr], emb)
        texts = [dev_ex[i].text for i in te]
        for i, r in zip(te, classify(texts, emb.encode(texts), head=head, precision=emb.precision)):
            preds_s[i], preds_f[i] = r["stance"], r["frame"]
    gold_s, gold_f = [d["stance"] for d in dev], [d["frame"] for d in dev]
    spot = frame_f1(gold_f, preds_f, labels=tgt.frame_labels, none=tgt.frame_none)
    return {
        "macro_f1": round(evaluate(gold_s, preds_s, labels=tgt.stance_labels).macro_f1, 4),
        "frame_macro_f1": round(spot["macro"], 4),
        "frame_binary_f1": round(spot["binary"], 4),
    }


def run_tune(tgt: Target, examples: list[Example], emb: Embedder, grid: dict[str, list]) -> list[dict]:
    """Grouped (by source document) 4-fold CV on the training data only; dev is never looked at."""
    groups = [e.group for e in examples]
    out = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values))
        gold_s, gold_f, ps, pf = [], [], [], []
        for tr, te in GroupKFold(4).split(examples, groups=groups):
            head = fit(tgt, [examples[i] for i in tr], emb, cv=3, **params)
            texts = [examples[i].text for i in te]
            rows = classify(texts, emb.encode(texts), head=head, precision=emb.precision)
            gold_s += [examples[i].stance for i in te]
            gold_f += [examples[i].frame for i in te]
            ps += [r["stance"] for r in rows]
            pf += [r["frame"] for r in rows]
        spot = frame_f1(gold_f, pf, labels=tgt.frame_labels, none=tgt.frame_none)
        res = {
            **params,
            "macro_f1": round(f1_score(gold_s, ps, average="macro"), 4),
            "frame_macro_f1": round(spot["macro"], 4),
            "frame_binary_f1": round(spot["binary"], 4),
        }
        log.info("tune %s", res)
        out.append(res)
    return out


# ---- documents ---------------------------------------------------------------------------------------------
RULE_GRID = {
    "min_relevance": [0.5, 0.75],
    "power": [0.0, 1.0, 2.0, 3.0],
    "trim": [0.0, 0.1],
    "open_above": [-0.1, -0.05, 0.0, 0.05, 0.1, 0.15],
    "closed_below": [0.0, 0.05, 0.1, 0.2, 0.3],
}


def doc_metrics(gold: list[str], docs: list[dict]) -> dict:
    m = document_ranking(
        gold, [d["stance"] for d in docs], [d["stance_score"] for d in docs], positive="open", negative="closed"
    )
    return {
        "auc_open_vs_closed": round(m["auc_sides"], 4),
        "auc_open_vs_rest": round(m["auc_rest"], 4),
        "accuracy_open_closed": round(m["right_sides"], 4),
        "n": len(gold),
    }


def _objective(gold: list[str], scores: list[float], labels: list[str]) -> float:
    docs = [{"stance": lab, "stance_score": sc} for lab, sc in zip(labels, scores)]
    m = doc_metrics(gold, docs)
    auc = np.nan_to_num(m["auc_open_vs_closed"], nan=0.5) + np.nan_to_num(m["auc_open_vs_rest"], nan=0.5)
    return auc / 2 + m["accuracy_open_closed"] + 0.25 * float(np.mean([a == g for a, g in zip(labels, gold)]))


def choose_rule(gold: list[str], arrays: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> DocumentRule:
    """Grid search of the document rule; scores depend on (min_relevance, power, trim) only."""
    best, best_val = DocumentRule(), -1.0
    score_keys = ("min_relevance", "power", "trim")
    for sv in itertools.product(*(RULE_GRID[k] for k in score_keys)):
        base = DocumentRule(min_relevance=sv[0], power=sv[1], trim=sv[2])
        agg = [aggregate(*a, base) for a in arrays]
        for tv in itertools.product(RULE_GRID["open_above"], RULE_GRID["closed_below"]):
            rule = replace(base, open_above=tv[0], closed_below=tv[1])
            labels = [label_for(sc, n, mass, rule) for sc, n, mass in agg]
            val = _objective(gold, [a[0] for a in agg], labels)
            if val > best_val + 1e-9:
                best, best_val = rule, val
    return best


def _save_rows(ids: list[str], gold: list[str], rows: list[list[dict]]) -> None:
    """Keep the out-of-fold sentence rows so the rule can be re-tuned without refitting (see --rows)."""
    path = Path("outputs/eval_stance_doc_rows.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ids": ids, "gold": gold, "rows": rows}))


def run_docs(tgt: Target, examples: list[Example], emb: Embedder, root: Path, n_folds: int = 3) -> dict:
    """Sentence rows for each NTIA dev comment from a head that never saw that comment, then nested CV of the rule."""
    labels = read_jsonl(root / "labels" / "ntia_dev_docs.jsonl")
    ids = [d["id"] for d in labels]
    gold = [d["doc_stance"] for d in labels]
    sents = [split_sentences((root / "corpus" / NTIA / f"{i}.txt").read_text(encoding="utf-8")) for i in ids]
    in_train = [i for i in ids if any(e.group == f"{NTIA}/{i}.txt" for e in examples)]
    rows: dict[str, list[dict]] = {}
    plan = [[i for k, i in enumerate(in_train) if k % n_folds == f] for f in range(n_folds)]
    plan.append([i for i in ids if i not in in_train])  # comments absent from training: the full head
    for test_ids in [p for p in plan if p]:
        banned = {f"{NTIA}/{i}.txt" for i in test_ids}
        head = fit(tgt, [e for e in examples if e.group not in banned], emb)
        for i in test_ids:
            s = sents[ids.index(i)]
            rows[i] = classify(s, emb.encode(s), head=head, precision=emb.precision)
    all_rows = [rows[i] for i in ids]
    default_docs = [document_stance(r, s) for r, s in zip(all_rows, sents)]
    # nested leave-one-comment-out choice of the rule: each comment is labelled by a rule tuned without it
    arrays = [sentence_arrays(r) for r in all_rows]
    nested = []
    for k in range(len(ids)):
        keep = [j for j in range(len(ids)) if j != k]
        rule = choose_rule([gold[j] for j in keep], [arrays[j] for j in keep])
        nested.append(document_stance(all_rows[k], sents[k], rule=rule))
    final_rule = choose_rule(gold, arrays)
    _save_rows(ids, gold, all_rows)
    return {
        "default_rule": doc_metrics(gold, default_docs),
        "nested_cv_rule": doc_metrics(gold, nested),
        "rule_on_all": final_rule.__dict__ | {"labels": list(final_rule.labels)},
        "per_doc": [
            {"id": i, "gold": g, "pred": d["stance"], "score": d["stance_score"], "n_relevant": d["n_relevant"]}
            for i, g, d in zip(ids, gold, nested)
        ],
        "in_training": in_train,
    }


def run_windows(tgt: Target, root: Path, windows: tuple[int, ...] = (-1, 0, 1, 2)) -> dict:
    """Document figures from the out-of-fold rows ``docs`` saved, as ``analyze`` would see them with each
    ``[stance] prefilter_window``: sentences farther than N from a target mention become unseen neutral rows."""
    saved = json.loads(Path("outputs/eval_stance_doc_rows.json").read_text())
    head = load_head(tgt)
    unseen = unseen_row(tgt)
    out = {}
    for window in windows:
        docs, n_seen = [], 0
        for i, rows in zip(saved["ids"], saved["rows"]):
            sents = split_sentences((root / "corpus" / NTIA / f"{i}.txt").read_text(encoding="utf-8"))
            near = near_target(head.model.keyword_relevance(sents) > 0, window)
            n_seen += int(near.sum())
            docs.append(document_stance([r if k else unseen for r, k in zip(rows, near)], sents))
        out[str(window)] = doc_metrics(saved["gold"], docs) | {"sentences_classified": n_seen}
    return out


def run_eval_file(tgt: Target, emb: Embedder, name: str = "eval_frames6.jsonl") -> dict:
    """The packaged model on one of the target's evaluation files (never trained on). ``eval_frames6.jsonl``: 250
    real corpus sentences naming the target and a risk or safety word, labelled by two annotators working blind
    (97% agreement). ``eval_written7.jsonl`` / ``eval_written7b.jsonl``: written company-statement sentences, and
    policy asks, upbeat descriptions and other senses of "open", kept where the writer and two blind annotators
    agree (221 and 150 rows)."""
    path = tgt.folder / name
    if not path.is_file():
        return {}
    rows = load_examples(tgt, files=[path], exclude_dev=False)
    texts = [e.text for e in rows]
    out = sentence_scores(tgt, load_head(tgt), texts, [e.stance for e in rows], [e.frame for e in rows], emb)
    print(f"{name}:\n{out['report']}")
    return out


def run_precision(tgt: Target, dev: list[dict], root: Path) -> dict:
    """The packaged model (embedding + fine-tuned encoder, no cache) in fp32 and in bf16 on the dev sentences and
    the NTIA dev comments' sentences that name the target: seconds, label agreement, score differences, dev F1."""
    head = load_head(tgt)
    ntia = []
    for path in sorted((root / "corpus" / NTIA).glob("*.txt")):
        sents = split_sentences(path.read_text(encoding="utf-8"))
        ntia += [t for t, k in zip(sents, head.model.keyword_relevance(sents) > 0) if k]
    dev_texts = [clean_sentence(d["text"]) for d in dev]
    texts = dev_texts + ntia
    rows: dict[str, list[dict[str, Any]]] = {}
    out: dict[str, float] = {"sentences": len(texts)}
    for precision in ("fp32", "bf16"):
        emb = Embedder(precision=precision)
        classify(texts[:64], emb.encode(texts[:64]), head=head, precision=precision)  # load and warm up
        t0 = time.perf_counter()
        rows[precision] = classify(texts, emb.encode(texts), head=head, precision=precision)
        out[f"{precision}_s"] = round(time.perf_counter() - t0, 1)
        dev_rows = rows[precision][: len(dev)]
        rep = evaluate([d["stance"] for d in dev], [r["stance"] for r in dev_rows], labels=tgt.stance_labels)
        spot = frame_f1(
            [d["frame"] for d in dev], [r["frame"] for r in dev_rows], labels=tgt.frame_labels, none=tgt.frame_none
        )
        out[f"{precision}_dev_macro_f1"], out[f"{precision}_dev_frame_binary"] = rep.macro_f1, spot["binary"]
    a, b = rows["fp32"], rows["bf16"]
    out["stance_agree"] = round(float(np.mean([x["stance"] == y["stance"] for x, y in zip(a, b)])), 4)
    out["frame_agree"] = round(float(np.mean([x["frame"] == y["frame"] for x, y in zip(a, b)])), 4)
    diff = np.abs([x["stance_score"] - y["stance_score"] for x, y in zip(a, b)])
    out["score_diff_max"], out["score_diff_mean"] = round(float(diff.max()), 4), round(float(diff.mean()), 5)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", default="openness")
    ap.add_argument("--only", default="dev,cv5,docs")
    ap.add_argument("--json", default="outputs/eval_stance.json")
    ap.add_argument(
        "--grid",
        default='{"C": [0.3, 1.0, 3.0], "lex_weight": [0.5, 1.0]}',
        help="JSON hyper-parameter grid for --only tune",
    )
    ap.add_argument("--cache-dir", default="corpus/cache/embeddings")
    ap.add_argument("--tuned", action="store_true", help="fine-tune the encoder in every fit (slow)")
    args = ap.parse_args()
    global TUNED
    TUNED = args.tuned
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    tgt, root = load_target(args.target), shared_root()
    emb = Embedder(cache_dir=args.cache_dir)
    examples = load_examples(tgt)
    dev = load_dev_sentences(root) if tgt.name == "openness" else []
    results: dict = {"target": tgt.name, "n_train": len(examples)}
    for part in args.only.split(","):
        t0 = time.time()
        if part == "dev":
            results["dev"] = run_dev(tgt, examples, dev, emb)
            print(results["dev"]["report"])
        elif part == "shipped":
            results["shipped"] = run_shipped(tgt, dev, emb)
            print(results["shipped"]["report"])
        elif part == "cv5":
            results["cv5"] = run_cv5(tgt, examples, dev, emb)
        elif part == "docs":
            results["docs"] = run_docs(tgt, examples, emb, root)
        elif part == "windows":
            results["windows"] = run_windows(tgt, root)
        elif part == "frames":
            results["frames"] = run_eval_file(tgt, emb)
        elif part == "written":
            for name in ("eval_written7.jsonl", "eval_written7b.jsonl"):
                results[name.removesuffix(".jsonl")] = run_eval_file(tgt, emb, name)
        elif part == "precision":
            results["precision"] = run_precision(tgt, dev, root)
        elif part == "tune":
            grid = json.loads(args.grid)
            results["tune"] = run_tune(tgt, examples, emb, grid)
        log.info("%s done in %.0fs", part, time.time() - t0)
        summary = (
            {k: v for k, v in results.get(part, {}).items() if k not in ("report", "per_doc")}
            if isinstance(results.get(part), dict)
            else results.get(part)
        )
        print(part, json.dumps(summary, indent=1))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
