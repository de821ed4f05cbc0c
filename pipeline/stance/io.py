"""Save and load a trained head as plain JSON (no pickle): weights, vocabulary, calibration and provenance."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from pipeline.stance.errors import (
    E_ENCODER_TARGET,
    E_HEAD_FORMAT,
    E_HEAD_LABELS,
    E_HEAD_MISSING,
    E_HEAD_TARGET,
    W_TRAINING_CHANGED,
    HeadError,
)
from pipeline.stance.model import FORMAT, StanceHead
from pipeline.stance.target import TARGETS_DIR, Target, load_target

if TYPE_CHECKING:
    from pipeline.stance.ensemble import TunedEnsemble

logger = logging.getLogger(__name__)


class Encoder(Protocol):
    """What the stance stage needs from an embedder (``pipeline.embed.Embedder`` fits)."""

    model_id: str
    precision: str  # "fp32" or "bf16": what the fine-tuned encoder runs in too

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Head:
    """A loaded head with its target, provenance and the hash of the file it came from."""

    model: StanceHead
    target: Target
    meta: dict = field(default_factory=dict)
    sha256: str = ""
    tuned: TunedEnsemble | None = None  # the target's fine-tuned encoder(s), when it has them

    @property
    def embedding_model(self) -> str:
        return str(self.meta.get("embedding_model", ""))


def head_to_json(model: StanceHead, meta: dict) -> str:
    return json.dumps({"format": FORMAT, "meta": meta, "head": model.to_dict()}, separators=(",", ":"))


def save_head(model: StanceHead, path: str | Path, *, meta: dict) -> str:
    """Write the head atomically; returns the SHA-256 of the written file."""
    path = Path(path)
    text = head_to_json(model, meta)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    logger.info("saved head %s (%d kB)", path, len(text) // 1024)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def target_sha256(tgt: Target, head: bytes) -> str:
    """The stage version's digest: the head file's bytes, plus the encoder file and ``[tuning]`` settings of a
    target that uses one (so changing either, or the mixing weight, re-runs stance)."""
    sha = hashlib.sha256(head)
    if tgt.tuned_path is not None:
        if tgt.tuned_path.is_file():
            sha.update(tgt.tuned_path.read_bytes())
        sha.update(json.dumps(tgt.tuning, sort_keys=True).encode())
    return sha.hexdigest()


def _train_arg(tgt: Target) -> str:
    """What ``python -m pipeline.stance.train --target`` needs for this target: its name, or its folder."""
    return tgt.name if tgt.folder.resolve() == (TARGETS_DIR / tgt.name).resolve() else str(tgt.folder)


def load_head(target: str | Path | Target = "openness", *, path: str | Path | None = None) -> Head:
    """Load the head of a target (packaged name, folder or ``Target``), or the head file at ``path``.

    A target with ``[tuning] enabled`` also loads its fine-tuned encoder (not when ``path`` names a bare head).
    """
    tgt = target if isinstance(target, Target) else load_target(target)
    file = Path(path) if path is not None else tgt.head_path
    if not file.is_file():
        raise HeadError(E_HEAD_MISSING.format(target=_train_arg(tgt), path=file))
    raw = file.read_bytes()
    data = json.loads(raw)
    if data.get("format") != FORMAT:
        raise HeadError(E_HEAD_FORMAT.format(path=file, expected=FORMAT, found=data.get("format")))
    trained = (*data["head"].get("classes", ()), *data["head"].get("frame_classes", ()))
    if path is None and set(trained) != {*tgt.stance_labels, *tgt.frame_labels}:
        given, had = ", ".join((*tgt.stance_labels, *tgt.frame_labels)), ", ".join(trained)
        raise HeadError(E_HEAD_LABELS.format(path=file, trained=had, given=given, target=_train_arg(tgt)))
    meta = data.get("meta", {})
    if path is None:
        _check_provenance(tgt, file, meta)
    tuned = None
    if path is None and tgt.tuned_path is not None:
        tuned_file = tgt.tuned_path
        if not tuned_file.is_file():
            raise HeadError(E_HEAD_MISSING.format(target=_train_arg(tgt), path=tuned_file))
        check_encoder_target(tgt, tuned_file)
        from pipeline.embed import default_model_path
        from pipeline.stance.ensemble import TunedEnsemble

        tuned = TunedEnsemble.load(tuned_file, model_path=default_model_path())
        tuned.config = tuned.config.mixing(tgt.tuning)  # how to mix is the target's setting
    sha = target_sha256(tgt, raw) if path is None else hashlib.sha256(raw).hexdigest()
    return Head(StanceHead.from_dict(data["head"]), tgt, meta, sha, tuned)


def training_file_hashes(tgt: Target) -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of each of the target's training files that exists, by file name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in tgt.training_paths if p.is_file()}


def _check_provenance(tgt: Target, file: Path, meta: dict) -> None:
    """A head trained for another target is refused; one older than its training files is used, with a warning."""
    trained = meta.get("target")
    if trained and trained != tgt.name:
        raise HeadError(E_HEAD_TARGET.format(path=file, trained=trained, given=tgt.name, target=_train_arg(tgt)))
    recorded = meta.get("training_files")
    if recorded:
        now = training_file_hashes(tgt)
        changed = sorted(n for n in {*recorded, *now} if recorded.get(n) != now.get(n))
        if changed:
            logger.warning(W_TRAINING_CHANGED.format(target=tgt.name, files=", ".join(changed), arg=_train_arg(tgt)))


def check_encoder_target(tgt: Target, tuned_file: Path) -> None:
    """Refuse a fine-tuned encoder file tuned for another target (a copied folder keeps the old one)."""
    from pipeline.stance.tuned import read_metadata

    trained = read_metadata(tuned_file)[1].get("target")
    if trained and trained != tgt.name:
        raise HeadError(E_ENCODER_TARGET.format(path=tuned_file, trained=trained, given=tgt.name,
                                                target=_train_arg(tgt)))  # fmt: skip
