"""A stance target as configuration: ``pipeline/targets/<name>/target.toml`` or a workspace folder."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.stance.errors import E_TARGET_KEY, E_TARGET_MISSING, TargetError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TARGETS_DIR = Path(__file__).resolve().parent.parent / "targets"


@dataclass(frozen=True)
class Target:
    """Everything target-specific: labels, frame, relevance patterns, training files and head path."""

    name: str
    description: str
    folder: Path
    positive: str
    negative: str
    neutral: str
    frame_name: str
    frame_labels: tuple[str, ...]
    frame_none: str
    training: tuple[str, ...]
    head: str
    strong: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    unmatched: float = 0.0  # how sure (1 - P(neutral)) the model must be to classify a sentence no pattern names
    label_descriptions: dict[str, str] = field(default_factory=dict)
    frame_descriptions: dict[str, str] = field(default_factory=dict)
    cues: dict[str, tuple[str, ...]] = field(default_factory=dict)
    head_params: dict = field(default_factory=dict)
    tuning: dict = field(default_factory=dict)  # [tuning] table: fine-tuned encoder settings (see stance.tuned)

    @property
    def stance_labels(self) -> tuple[str, str, str]:
        """Fixed order used by the head: (positive, negative, neutral)."""
        return (self.positive, self.negative, self.neutral)

    @property
    def head_path(self) -> Path:
        return self.folder / self.head

    @property
    def tuned_path(self) -> Path | None:
        """The fine-tuned encoder file, or None when the target does not use one (``[tuning] enabled``)."""
        if not self.tuning.get("enabled", False):
            return None
        return self.folder / str(self.tuning.get("file", "encoder.safetensors"))

    @property
    def training_paths(self) -> list[Path]:
        return [self.folder / f for f in self.training]


def packaged_targets() -> list[str]:
    return sorted(p.parent.name for p in TARGETS_DIR.glob("*/target.toml"))


def _need(data: dict[str, Any], key: str, path: Path) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise TargetError(E_TARGET_KEY.format(path=path, key=key))
        node = node[part]
    return node


def load_target(name_or_path: str | Path) -> Target:
    """Load a packaged target by name (``"openness"``) or a folder (or its ``target.toml``) by path."""
    candidate = Path(name_or_path)
    if candidate.name == "target.toml":
        candidate = candidate.parent
    if not (candidate / "target.toml").is_file():
        candidate = TARGETS_DIR / str(name_or_path)
    path = candidate / "target.toml"
    if not path.is_file():
        raise TargetError(E_TARGET_MISSING.format(name=name_or_path, known=", ".join(packaged_targets())))
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    labels, frame, rel = _need(data, "labels", path), _need(data, "frame", path), data.get("relevance", {})
    return Target(
        name=str(_need(data, "name", path)),
        description=" ".join(str(data.get("description", "")).split()),
        folder=candidate.resolve(),
        positive=str(_need(labels, "positive", path)),
        negative=str(_need(labels, "negative", path)),
        neutral=str(_need(labels, "neutral", path)),
        frame_name=str(_need(frame, "name", path)),
        frame_labels=tuple(str(x) for x in _need(frame, "labels", path)),
        frame_none=str(_need(frame, "none", path)),
        training=tuple(str(x) for x in _need(data, "training", path)),
        head=str(data.get("head", "head.json")),
        strong=tuple(rel.get("strong", ())),
        weak=tuple(rel.get("weak", ())),
        context=tuple(rel.get("context", ())),
        unmatched=float(rel.get("unmatched", 0.0)),
        label_descriptions=dict(labels.get("descriptions", {})),
        frame_descriptions=dict(frame.get("descriptions", {})),
        head_params=dict(data.get("head_params", {})),
        tuning=dict(data.get("tuning", {})),
        cues={str(k): tuple(str(p) for p in v) for k, v in data.get("cues", {}).items()},
    )
