"""Several fine-tuned encoders on one base model, each fitted with its own seed; their probabilities averaged.

One fit's figures move with its seed about as much as any data change moves them (session 6: 0.015 dev
macro-F1, 0.045 on eval_frames6), so a target may fit one encoder per seed (``[tuning] seeds``) and use
their mean. All members share the base model and its untouched lower layers, so ``SharedPass`` runs those once
and branches per member. One safetensors file holds them all (keys ``m<i>.``); a single-encoder file of
``tuned.FORMAT`` loads as an ensemble of one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from safetensors.torch import load_file, save_file

from pipeline.stance.tuned import FORMAT as MEMBER_FORMAT
from pipeline.stance.tuned import MIX_SETTINGS, TuneConfig, TunedClassifier, read_metadata

FORMAT = "opentide-tuned-ensemble/1"


class TunedEnsemble:
    """``predict_proba(texts) -> (p_stance, p_frame)``: the mean over ``members``."""

    def __init__(self, members: Sequence[TunedClassifier]) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one fine-tuned encoder")
        self.members = list(members)

    @property
    def config(self) -> TuneConfig:
        """The first member's settings; the mixing settings (``MIX_SETTINGS``) are the same on every member."""
        return self.members[0].config

    @config.setter
    def config(self, value: TuneConfig) -> None:
        for m in self.members:
            m.config = m.config.mixing({k: getattr(value, k) for k in MIX_SETTINGS})

    @property
    def model_path(self) -> str:
        return self.members[0].model_path

    @property
    def tokenizer(self):  # noqa: ANN201 - the members' (shared) Hugging Face tokenizer
        return self.members[0].tokenizer

    def merge(self) -> None:
        for m in self.members:
            m.merge()

    def predict_proba(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        outs = [m.predict_proba(texts) for m in self.members]
        return np.mean([s for s, _ in outs], axis=0), np.mean([f for _, f in outs], axis=0)

    def save(self, path: str | Path, *, meta: dict | None = None) -> None:
        tensors = {f"m{i}.{k}": v for i, m in enumerate(self.members) for k, v in m.tensors().items()}
        header = {"format": FORMAT, "members": [m.header() for m in self.members]}
        save_file(tensors, str(path), metadata={"opentide": json.dumps(header), "meta": json.dumps(meta or {})})

    @classmethod
    def load(cls, path: str | Path, *, model_path: str) -> TunedEnsemble:
        header, _ = read_metadata(path)
        if header.get("format") == MEMBER_FORMAT:
            return cls([TunedClassifier.load(path, model_path=model_path)])
        if header.get("format") != FORMAT:
            raise ValueError(f"{path} is neither a tuned encoder ({MEMBER_FORMAT}) nor an ensemble ({FORMAT})")
        tensors = load_file(str(path))
        members = []
        for i, member in enumerate(header["members"]):
            own = {k.removeprefix(f"m{i}."): v for k, v in tensors.items() if k.startswith(f"m{i}.")}
            members.append(TunedClassifier.from_tensors(own, member, model_path=model_path))
        return cls(members)
