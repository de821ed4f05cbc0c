"""Train a target's head from its training files and write it next to ``target.toml``.

``python -m pipeline.stance.train --target openness`` retrains and rewrites the packaged head.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import sklearn

from pipeline.errors import OpentideError
from pipeline.stance.classify import CODE_VERSION
from pipeline.stance.data import Example, examples_hash, load_examples
from pipeline.stance.errors import E_NO_TRAINING, TrainingDataError
from pipeline.stance.features import target_patterns
from pipeline.stance.io import Encoder, Head, check_encoder_target, save_head, training_file_hashes
from pipeline.stance.model import StanceHead
from pipeline.stance.target import Target, load_target

if TYPE_CHECKING:
    from pipeline.stance.ensemble import TunedEnsemble

logger = logging.getLogger(__name__)

# Chosen by grouped cross-validation on the training data (bench/eval_stance.py --tune); a target may
# override any of them in a [head] table of its target.toml.
DEFAULT_PARAMS: dict = {
    "C": 1.0,
    "frame_C": 3.0,
    "emb_weight": 1.0,
    "lex_weight": 1.0,
    "cue_weight": 1.0,
    "frame_cue_weight": 0.0,
    "ngram_range": (1, 2),
    "min_df": 2,
    "max_features": 20000,
    "class_weight": "balanced",
    "cv": 5,
    "random_state": 0,
}


def head_params(target: Target, **overrides: object) -> dict:
    params = {**DEFAULT_PARAMS, **target.head_params, **overrides}
    params["ngram_range"] = tuple(params["ngram_range"])
    return params


def make_head(target: Target, **overrides: object) -> StanceHead:
    return StanceHead(
        labels=target.stance_labels,
        frame_labels=target.frame_labels,
        patterns=target_patterns(target),
        **head_params(target, **overrides),
    )


def train_target(
    target: str | Path | Target,
    *,
    embedder: Encoder,
    shared: str | Path | None = None,
    exclude_dev: bool = True,
    save: bool = True,
    path: str | Path | None = None,
    tune: bool = True,
) -> Head:
    """Fit the head of ``target`` on its training files (dev sentences excluded) and save it as JSON.

    A target with ``[tuning] enabled`` also fine-tunes its encoder (``tune=False`` skips that and keeps the
    encoder file as it is).
    """
    tgt = target if isinstance(target, Target) else load_target(target)
    if tgt.tuned_path is not None and not tune and tgt.tuned_path.is_file():
        check_encoder_target(tgt, tgt.tuned_path)  # a head refitted beside another target's encoder is wrong
    examples = load_examples(tgt, shared=shared, exclude_dev=exclude_dev)
    if not examples:
        raise TrainingDataError(E_NO_TRAINING.format(target=tgt.name, files=", ".join(tgt.training)))
    texts = [e.text for e in examples]
    embeddings = embedder.encode(texts)
    model = make_head(tgt).fit(
        texts, embeddings, [e.stance for e in examples], [e.frame for e in examples], groups=[e.group for e in examples]
    )
    meta = {
        "target": tgt.name,
        "code_version": CODE_VERSION,
        "embedding_model": str(embedder.model_id),
        "embedding_model_path": str(getattr(embedder, "model_path", "")),
        "data_hash": examples_hash(examples),
        "training_files": training_file_hashes(tgt),
        "n_examples": len(examples),
        "stance_counts": dict(Counter(e.stance for e in examples)),
        "frame_counts": dict(Counter(e.frame for e in examples)),
        "sources": dict(Counter(e.source for e in examples)),
        "dev_excluded": exclude_dev,
        "sklearn": sklearn.__version__,
        "trained": dt.date.today().isoformat(),
    }
    tuned, tuned_file = None, tgt.tuned_path
    if tuned_file is not None and tune:
        tuned = fit_tuned(tgt, examples, model_path=str(getattr(embedder, "model_path", "")) or None)
        meta["tuning"] = {k: v for k, v in tgt.tuning.items() if k != "enabled"}
    elif tuned_file is not None and tuned_file.is_file():  # head refitted beside the encoder already there
        meta["tuning"] = {k: v for k, v in tgt.tuning.items() if k != "enabled"}
        meta["tuning"]["kept"] = {"encoder_data_hash": _encoder_data_hash(tuned_file)}
    sha = save_head(model, path or tgt.head_path, meta=meta) if save else ""
    if tuned is not None and tuned_file is not None and save:
        tuned_path = Path(path).with_name(tuned_file.name) if path else tuned_file
        tuned.save(tuned_path, meta={"target": tgt.name, "data_hash": meta["data_hash"]})
        logger.info("saved fine-tuned encoder %s", tuned_path)
    return Head(model, tgt, meta, sha, tuned)


def _encoder_data_hash(path: Path) -> str:
    """The training-data hash a fine-tuned encoder file records (empty when it records none)."""
    from pipeline.stance.tuned import read_metadata

    return str(read_metadata(path)[1].get("data_hash", ""))


def fit_tuned(tgt: Target, examples: list[Example], *, model_path: str | None = None) -> TunedEnsemble:
    """Fine-tune the target's encoder (LoRA adapters + heads) on the training examples, once per seed in
    ``[tuning] seeds`` (default: the one ``seed``)."""
    from pipeline.embed import default_model_path
    from pipeline.stance.ensemble import TunedEnsemble
    from pipeline.stance.tuned import TuneConfig, TunedClassifier

    config = TuneConfig.from_dict(tgt.tuning)
    seeds = [int(s) for s in tgt.tuning.get("seeds", [config.seed])]
    texts = [e.text for e in examples]
    y_stance = [tgt.stance_labels.index(e.stance) for e in examples]
    y_frame = [tgt.frame_labels.index(e.frame) for e in examples]
    n_stance, n_frame = len(tgt.stance_labels), len(tgt.frame_labels)
    members = []
    for seed in seeds:
        logger.info("fine-tuning the encoder (seed %d) on %d examples (minutes on a CPU)", seed, len(examples))
        clf = TunedClassifier(model_path or default_model_path(), replace(config, seed=seed), n_stance, n_frame)
        members.append(clf.fit(texts, y_stance, y_frame))
    return TunedEnsemble(members)


def main(argv: list[str] | None = None) -> int:
    from pipeline.embed import Embedder

    parser = argparse.ArgumentParser(prog="python -m pipeline.stance.train", description=__doc__)
    parser.add_argument("--target", default="openness", help="packaged target name or a target folder")
    parser.add_argument("--embedding-model", default="", help="local sentence-transformers model (default packaged)")
    parser.add_argument("--cache-dir", default=str(Path("corpus") / "cache" / "embeddings"))
    parser.add_argument("--shared", default=None, help="the shared folder (default $OPENTIDE_SHARED or ../shared)")
    parser.add_argument("--out", default=None, help="write the head here instead of the target folder")
    parser.add_argument("--no-tune", action="store_true", help="refit only the head, keep the fine-tuned encoder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        head = train_target(
            args.target,
            embedder=Embedder(args.embedding_model, cache_dir=args.cache_dir),
            shared=args.shared,
            path=args.out,
            tune=not args.no_tune,
        )
    except OpentideError as err:  # a wrong target, missing data: the message says what to do
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(
        f"trained {head.target.name}: {head.meta['n_examples']} examples {head.meta['stance_counts']} "
        f"-> {args.out or head.target.head_path} (sha256 {head.sha256[:12]})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
