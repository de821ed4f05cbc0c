"""How much of a stance model's score is its encoder seeds: every ensemble of k fine-tuned encoders, scored.

    python bench/stance_seeds.py --seeds 3,4,5                      # fit seeds 3-5 on the target's data, score
    python bench/stance_seeds.py --extra outputs/seeds_openness.safetensors   # reuse fits an earlier run saved
    python bench/stance_seeds.py --target /tmp/variant --seeds 3,4,5          # the same for a data variant

The target's packaged encoders plus the extra fits form a pool of n members. Every subset of k members is mixed
with the target's head exactly as ``classify`` mixes them and scored on the target's labelled sets: for
``openness`` dev (300) and its high-confidence rows, ``eval_frames6`` (250 real risk-laden sentences), the two
pooled (550, "real") and ``eval_written7``. Per k it prints the mean and spread over subsets of stance macro-F1,
frame binary F1 and the negative class's F1; then the packaged members' rank among the subsets of their size.
One retrain is one draw from that spread: compare two data variants by their means (MODEL_CARD.md, session 16).
Each extra seed is ~10 min (layers 3-5) to ~16 min (all six) of fine-tuning on 2 cores; scoring the 63 subsets of
6 members takes ~1 min.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from pipeline.embed import Embedder, autocast
from pipeline.stance.classify import classify
from pipeline.stance.data import clean_sentence, examples_hash, load_dev_sentences, load_examples, shared_root
from pipeline.stance.ensemble import TunedEnsemble
from pipeline.stance.evaluate import evaluate, frame_f1
from pipeline.stance.io import Head, load_head
from pipeline.stance.target import Target, load_target
from pipeline.stance.train import fit_tuned
from pipeline.stance.tuned import read_metadata

Rows = list[tuple[str, str, str]]  # text, gold stance, gold frame


def labelled_sets(tgt: Target) -> dict[str, Rows]:
    """The target's evaluation sets that exist: dev (openness only), its high-confidence rows, eval files."""
    sets: dict[str, Rows] = {}
    if tgt.name == "openness":
        dev = load_dev_sentences(shared_root())
        rows = [(clean_sentence(d["text"]), d["stance"], d["frame"]) for d in dev]
        sets["dev"] = rows
        sets["dev_high"] = [r for r, d in zip(rows, dev) if d.get("confidence") == "high"]
    for name in ("eval_frames6", "eval_written7"):
        if (tgt.folder / f"{name}.jsonl").is_file():
            found = load_examples(tgt, files=[tgt.folder / f"{name}.jsonl"], exclude_dev=False)
            sets[name] = [(e.text, e.stance, e.frame) for e in found]
    if "dev" in sets and "eval_frames6" in sets:
        sets["real"] = sets["dev"] + sets["eval_frames6"]
    return sets


def fit_extra(tgt: Target, seeds: list[int], out: Path) -> TunedEnsemble:
    """Fine-tune one encoder per seed on the data the packaged encoders were trained on, and save them."""
    examples = load_examples(tgt)
    recorded = read_metadata(tgt.tuned_path)[1].get("data_hash") if tgt.tuned_path else None
    if recorded != examples_hash(examples):
        sys.exit(f"the training files of {tgt.folder} are not the ones its encoders were fitted on: retrain it first")
    ensemble = fit_tuned(replace(tgt, tuning={**tgt.tuning, "seeds": seeds}), examples)
    ensemble.save(out, meta={"target": tgt.name, "data_hash": recorded})
    return ensemble


def subset_scores(head: Head, tgt: Target, sets: dict[str, Rows], probs: dict, emb: dict[str, np.ndarray]) -> dict:
    """Stance macro-F1, frame binary F1 and negative-class F1 per set, with ``probs`` as the encoders' answer.

    Each distinct text is classified once (``classify`` works row by row); the sets overlap ("real" holds two)."""
    texts = list(emb)
    by_text = dict(zip(texts, classify(texts, np.stack(list(emb.values())), head=head, tuned_probs=probs)))
    out = {}
    for name, rows in sets.items():
        pred = [by_text[r[0]] for r in rows]
        rep = evaluate([r[1] for r in rows], [p["stance"] for p in pred], labels=tgt.stance_labels)
        spot = frame_f1([r[2] for r in rows], [p["frame"] for p in pred], labels=tgt.frame_labels, none=tgt.frame_none)
        out[name] = (rep.macro_f1, spot["binary"], rep.per_class[tgt.negative]["f1"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", default="openness", help="packaged target name or a target folder")
    ap.add_argument("--seeds", default="", help="fit these extra seeds (comma-separated) and save them to --extra")
    ap.add_argument("--extra", default="", help="extra encoders file (default outputs/seeds_<target>.safetensors)")
    ap.add_argument("--json", default="outputs/stance_seeds.json")
    ap.add_argument("--cache-dir", default="corpus/cache/embeddings")
    args = ap.parse_args()
    tgt = load_target(args.target)
    head = load_head(tgt)
    if head.tuned is None:
        sys.exit(f"target {tgt.name} has no fine-tuned encoders to compare")
    extra_path = Path(args.extra or f"outputs/seeds_{tgt.name}.safetensors")
    if args.seeds:
        extra_path.parent.mkdir(parents=True, exist_ok=True)
        extra = fit_extra(tgt, [int(s) for s in args.seeds.split(",")], extra_path)
    else:
        extra = TunedEnsemble.load(extra_path, model_path=head.tuned.model_path)
    members = head.tuned.members + extra.members
    shipped = tuple(range(len(head.tuned.members)))
    emb_model = Embedder(cache_dir=args.cache_dir)
    sets = labelled_sets(tgt)
    texts = sorted({r[0] for rows in sets.values() for r in rows})
    emb = dict(zip(texts, emb_model.encode(texts)))
    with autocast(emb_model.precision):
        answers = [m.predict_proba(texts) for m in members]
    results = {}
    for k in range(1, len(members) + 1):
        for subset in itertools.combinations(range(len(members)), k):
            p_s = np.mean([answers[i][0] for i in subset], axis=0)
            p_f = np.mean([answers[i][1] for i in subset], axis=0)
            probs = {t: (p_s[j], p_f[j]) for j, t in enumerate(texts)}
            results[subset] = subset_scores(head, tgt, sets, probs, emb)
    report(results, sets, shipped)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({",".join(map(str, s)): v for s, v in results.items()}, indent=1))


def report(results: dict, sets: dict[str, Rows], shipped: tuple[int, ...]) -> None:
    print("k  subsets  " + "  ".join(f"{name} ({len(rows)}): macro±sd / frame / neg" for name, rows in sets.items()))
    for k in sorted({len(s) for s in results}):
        same = [s for s in results if len(s) == k]
        cells = []
        for name in sets:
            a = np.array([results[s][name] for s in same])
            cells.append(f"{a[:, 0].mean():.3f}±{a[:, 0].std():.3f} / {a[:, 1].mean():.3f} / {a[:, 2].mean():.3f}")
        print(f"{k}  {len(same):>7}  " + "  ".join(cells))
    peers = [s for s in results if len(s) == len(shipped)]
    for name in sets:
        rank = 1 + sum(results[s][name][0] > results[shipped][name][0] + 1e-9 for s in peers)
        print(f"packaged members {shipped} on {name}: {results[shipped][name][0]:.3f}, rank {rank} of {len(peers)}")


if __name__ == "__main__":
    main()
