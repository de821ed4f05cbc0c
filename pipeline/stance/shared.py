"""One transformer pass for both stance models: the frozen sentence embedding and the fine-tuned probabilities.

The frozen-embedding head needs the plain sentence embedding; the fine-tuned encoder (``tuned.py``) changes only
the upper layers (``[tuning] layers``, 3-5 of MiniLM-L6). Below them both compute the same hidden states, so
``SharedPass`` runs the lower layers once and branches: the original upper layers give the embedding (mean
pooled, normalised: what sentence-transformers gives), each member's tuned ones (``ensemble.TunedEnsemble``)
its stance and frame probabilities, averaged. With one member, about a quarter less transformer work than two
passes; the figures are the same to float rounding (a test holds it).

Used by the ``stance`` stage as the embedder's compute function for sentences not yet in the embedding cache;
it applies only when the tuned encoder sits on the embedder's own model with mean pooling (``supports``).
Texts longer than the tuned encoder's ``max_length`` get their probabilities from its own pass, as before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoModel

from pipeline.stance.ensemble import TunedEnsemble


def supports(tuned: TunedEnsemble, model_path: str) -> bool:
    """True when the embedder's model is the tuned encoder's base and pools by the mean of its tokens."""
    pooling = Path(model_path) / "1_Pooling" / "config.json"
    if Path(tuned.model_path).resolve() != Path(model_path).resolve() or not pooling.is_file():
        return False
    modes = {k: v for k, v in json.loads(pooling.read_text()).items() if k.startswith("pooling_mode")}
    return modes.get("pooling_mode_mean_tokens") is True and sum(bool(v) for v in modes.values()) == 1


def max_seq_length(model_path: str) -> int:
    """The embedder's truncation length (sentence-transformers' ``max_seq_length``)."""
    config = Path(model_path) / "sentence_bert_config.json"
    return int(json.loads(config.read_text()).get("max_seq_length", 512)) if config.is_file() else 512


def _mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def _layer(module: torch.nn.Module, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    out = module(hidden, mask)
    return out[0] if isinstance(out, tuple) else out  # transformers < 5 returns a tuple


def _attention_mask(bert: Any, hidden: torch.Tensor, mask: torch.Tensor) -> Any:
    """The mask in the form the model's layers take (transformers 5 builds it in ``masking_utils``)."""
    try:
        from transformers.masking_utils import create_bidirectional_mask
    except ImportError:  # transformers 4
        return bert.get_extended_attention_mask(mask, mask.shape)
    return create_bidirectional_mask(config=bert.config, inputs_embeds=hidden, attention_mask=mask)


class SharedPass:
    """``__call__(texts) -> embeddings``; the tuned probabilities of the same pass wait in ``tuned_probs``."""

    def __init__(self, tuned: TunedEnsemble, *, max_length: int, batch_size: int = 64) -> None:
        self.tuned, self.max_length, self.batch_size = tuned, max_length, batch_size
        self.split = min(min(m.config.layers) for m in tuned.members)
        tuned.merge()
        self.frozen_upper = AutoModel.from_pretrained(tuned.model_path).eval().encoder.layer[self.split :]
        self.tuned_probs: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @torch.inference_mode()
    def _batch(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        members = [m.net for m in self.tuned.members]
        bert: Any = members[0].encoder  # a merged BertModel: below `split` every member's layers are the base's
        enc = self.tuned.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        mask = enc["attention_mask"]
        hidden = bert.embeddings(input_ids=enc["input_ids"], token_type_ids=enc.get("token_type_ids"))
        extended = _attention_mask(bert, hidden, mask)
        for layer in bert.encoder.layer[: self.split]:
            hidden = _layer(layer, hidden, extended)
        frozen = hidden
        for a in self.frozen_upper:
            frozen = _layer(a, frozen, extended)
        emb = torch.nn.functional.normalize(_mean(frozen, mask), dim=-1)
        p_s, p_f = [], []
        for net in members:  # each member's own upper layers and heads on the shared lower states
            own: Any = net.encoder
            tuned = hidden
            for b in own.encoder.layer[self.split :]:
                tuned = _layer(b, tuned, extended)
            pooled = _mean(tuned, mask)
            p_s.append(net.stance(pooled).softmax(-1).double())
            p_f.append(net.frame(pooled).softmax(-1).double())
        return emb.numpy(), torch.stack(p_s).mean(0).numpy(), torch.stack(p_f).mean(0).numpy()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.frozen_upper[0].output.dense.out_features), dtype=np.float32)
        order = np.argsort([len(t) for t in texts])
        for start in range(0, len(texts), self.batch_size):
            idx = order[start : start + self.batch_size]
            emb, p_s, p_f = self._batch([texts[i] for i in idx])
            out[idx] = emb
            self.tuned_probs.update((texts[i], (p_s[j], p_f[j])) for j, i in enumerate(idx))
        self._redo_long(texts)
        return out

    def _redo_long(self, texts: list[str]) -> None:
        """The tuned encoder truncates at its own ``max_length``: longer texts get its own pass's figures."""
        limit = self.tuned.config.max_length
        if limit == self.max_length or not texts:
            return
        lengths = self.tuned.tokenizer(texts, truncation=False, verbose=False)["input_ids"]
        long = [t for t, ids in zip(texts, lengths) if len(ids) > min(limit, self.max_length)]
        if long:
            p_s, p_f = self.tuned.predict_proba(long)
            self.tuned_probs.update((t, (p_s[j], p_f[j])) for j, t in enumerate(long))

    def take(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The probabilities computed so far, handed over once (the store empties)."""
        probs, self.tuned_probs = self.tuned_probs, {}
        return probs
