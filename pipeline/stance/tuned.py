"""A fine-tuned encoder for one target: LoRA adapters on the local sentence model plus two linear heads.

The frozen-embedding head (``model.StanceHead``) sees what a sentence is about; fine-tuning the upper
transformer layers lets the encoder see which way it leans (negation, concession, rebuttal). Only the LoRA
adapters (PEFT) and the heads are trained and saved — about 1.5 MB of safetensors next to ``head.json``; the
base model comes from the same local path as the shared embedder, so nothing is downloaded.

``TunedClassifier.fit(texts, y_stance, y_frame, ...)`` then ``predict_proba(texts) -> (p_stance, p_frame)``.
"""

from __future__ import annotations

import json
import logging
import random
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer
from transformers.utils import logging as hf_logging

logger = logging.getLogger(__name__)
hf_logging.disable_progress_bar()  # a bar per model load ("Loading weights") only clutters the CLI's output
FORMAT = "opentide-tuned-encoder/1"


# How the encoders' probabilities are mixed with the head's: the target's setting, not the trained file's.
MIX_SETTINGS = ("weight", "frame_none_below")


@dataclass(frozen=True)
class TuneConfig:
    """Fine-tuning settings; a target overrides any of them in the ``[tuning]`` table of its target.toml."""

    layers: tuple[int, ...] = (3, 4, 5)  # transformer layers that get LoRA adapters (MiniLM-L6 has 0..5)
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.1
    epochs: int = 3
    lr: float = 6e-4  # adapters
    head_lr: float = 1e-3
    batch_size: int = 16
    max_length: int = 128
    seed: int = 0
    weight: float = 0.5  # share of these probabilities when mixed with the frozen-embedding head
    frame_none_below: float = 0.5  # in the mixture, a frame is named when P(none) is below this
    modules: tuple[str, ...] = field(default=("query", "key", "value", "dense"))

    def mixing(self, settings: Mapping[str, object]) -> TuneConfig:
        """These settings with the mixing ones (``MIX_SETTINGS``) taken from ``settings`` where it has them."""
        return replace(self, **{k: float(settings[k]) for k in MIX_SETTINGS if k in settings})  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: dict) -> TuneConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("layers", "modules"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)


class _Net(nn.Module):
    """Encoder -> mean pooling -> two linear heads (stance, frame)."""

    def __init__(self, encoder: nn.Module, dim: int, n_stance: int, n_frame: int) -> None:
        super().__init__()
        self.encoder, self.drop = encoder, nn.Dropout(0.1)
        self.stance, self.frame = nn.Linear(dim, n_stance), nn.Linear(dim, n_frame)

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = self.drop((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0))
        return self.stance(pooled), self.frame(pooled)


def _class_weights(y: np.ndarray, n: int) -> torch.Tensor:
    """Square-root balanced weights: thin classes count more without swamping the rest."""
    counts = np.bincount(y, minlength=n).astype(np.float64)
    return torch.tensor(np.sqrt(len(y) / (n * np.maximum(counts, 1.0))), dtype=torch.float32)


class TunedClassifier:
    def __init__(self, model_path: str, config: TuneConfig, n_stance: int, n_frame: int) -> None:
        self.model_path, self.config = str(model_path), config
        self.n_stance, self.n_frame = n_stance, n_frame
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_path)
        base = AutoModel.from_pretrained(self.model_path)
        lora = LoraConfig(
            r=config.rank,
            lora_alpha=config.alpha,
            lora_dropout=config.dropout,
            target_modules=list(config.modules),
            layers_to_transform=list(config.layers),
        )
        with warnings.catch_warnings():  # PEFT still calls a transformers property deprecated in 5.x
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing", category=FutureWarning)
            peft_model = get_peft_model(base, lora)
        self.net = _Net(peft_model, int(base.config.hidden_size), n_stance, n_frame)
        self._merged = False

    def _batch(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        enc = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.config.max_length, return_tensors="pt"
        )
        return dict(enc)

    def fit(self, texts: Sequence[str], y_stance: Sequence[int], y_frame: Sequence[int]) -> TunedClassifier:
        cfg, texts = self.config, list(texts)
        torch.manual_seed(cfg.seed)
        rng = random.Random(cfg.seed)
        ys, yf = np.asarray(y_stance), np.asarray(y_frame)
        loss_s = nn.CrossEntropyLoss(weight=_class_weights(ys, self.n_stance))
        loss_f = nn.CrossEntropyLoss(weight=_class_weights(yf, self.n_frame))
        adapters = [p for p in self.net.encoder.parameters() if p.requires_grad]
        heads = list(self.net.stance.parameters()) + list(self.net.frame.parameters())
        opt = torch.optim.AdamW([{"params": adapters, "lr": cfg.lr}, {"params": heads, "lr": cfg.head_lr}])
        steps = cfg.epochs * -(-len(texts) // cfg.batch_size)
        warm = max(1, int(0.06 * steps))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / steps))
        t_s, t_f = torch.as_tensor(ys), torch.as_tensor(yf)
        self.net.train()
        for epoch in range(cfg.epochs):
            order = list(range(len(texts)))
            rng.shuffle(order)
            total = 0.0
            for start in range(0, len(order), cfg.batch_size):
                idx = order[start : start + cfg.batch_size]
                out_s, out_f = self.net(self._batch([texts[i] for i in idx]))
                loss = loss_s(out_s, t_s[idx]) + loss_f(out_f, t_f[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
            logger.info("fine-tuning epoch %d/%d: loss %.4f", epoch + 1, cfg.epochs, total / len(texts))
        self.net.eval()
        return self

    def merge(self) -> None:
        """Fold the adapters into the base weights once: inference then costs what the plain encoder costs."""
        if not self._merged:
            self.net.encoder = self.net.encoder.merge_and_unload()  # type: ignore[operator]
            self._merged = True

    @torch.inference_mode()
    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.n_stance)), np.zeros((0, self.n_frame))
        self.merge()
        self.net.eval()
        order = np.argsort([len(t) for t in texts])  # similar lengths together: less padding
        p_s, p_f = np.zeros((len(texts), self.n_stance)), np.zeros((len(texts), self.n_frame))
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            out_s, out_f = self.net(self._batch([texts[i] for i in idx]))
            p_s[idx], p_f[idx] = out_s.softmax(-1).double().numpy(), out_f.softmax(-1).double().numpy()
        return p_s, p_f

    # ---- safetensors state (adapters + heads; the base model is referenced, not copied) ----------------
    def tensors(self) -> dict[str, torch.Tensor]:
        if self._merged:
            raise RuntimeError("save() before predicting: merged adapters cannot be separated again")
        tensors = {f"adapter.{k}": v.contiguous() for k, v in get_peft_model_state_dict(self.net.encoder).items()}
        for name, layer in (("stance", self.net.stance), ("frame", self.net.frame)):
            tensors[f"{name}.weight"], tensors[f"{name}.bias"] = layer.weight.data, layer.bias.data
        return tensors

    def header(self) -> dict:
        return {"format": FORMAT, "config": asdict(self.config), "n_stance": self.n_stance, "n_frame": self.n_frame}

    def save(self, path: str | Path, *, meta: dict | None = None) -> None:
        metadata = {"opentide": json.dumps(self.header()), "meta": json.dumps(meta or {})}
        save_file(self.tensors(), str(path), metadata=metadata)

    @classmethod
    def from_tensors(cls, tensors: dict[str, torch.Tensor], header: dict, *, model_path: str) -> TunedClassifier:
        if header.get("format") != FORMAT:
            raise ValueError(f"not a tuned encoder of format {FORMAT}: {header.get('format')}")
        self = cls(model_path, TuneConfig.from_dict(header["config"]), header["n_stance"], header["n_frame"])
        adapter = {k.removeprefix("adapter."): v for k, v in tensors.items() if k.startswith("adapter.")}
        set_peft_model_state_dict(self.net.encoder, adapter)
        for name, layer in (("stance", self.net.stance), ("frame", self.net.frame)):
            layer.weight.data.copy_(tensors[f"{name}.weight"])
            layer.bias.data.copy_(tensors[f"{name}.bias"])
        self.net.eval()
        return self

    @classmethod
    def load(cls, path: str | Path, *, model_path: str) -> TunedClassifier:
        header, _ = read_metadata(path)
        if header.get("format") != FORMAT:
            raise ValueError(f"{path} is not a tuned encoder of format {FORMAT}")
        return cls.from_tensors(load_file(str(path)), header, model_path=model_path)


def read_metadata(path: str | Path) -> tuple[dict, dict]:
    """The ``opentide`` header (format, settings) and the ``meta`` provenance a tuned-encoder file records."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        metadata = fh.metadata() or {}
    return json.loads(metadata.get("opentide", "{}")), json.loads(metadata.get("meta", "{}"))
