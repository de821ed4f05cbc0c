"""Errors of the stance stage, each saying what to do (gathered here, after spaCy's errors.py)."""

from __future__ import annotations

from pipeline.errors import OpentideError


class TargetError(OpentideError):
    pass


class HeadError(OpentideError):
    pass


class TrainingDataError(OpentideError):
    pass


E_TARGET_MISSING = "No stance target '{name}': give a packaged target ({known}) or a folder holding a target.toml."
E_TARGET_KEY = "Target file {path} lacks '{key}'. See pipeline/targets/openness/target.toml for a complete example."
E_HEAD_MISSING = (
    "The target '{target}' has no trained head at {path}. Train one with "
    "`python -m pipeline.stance.train --target {target}`."
)
E_HEAD_LABELS = (
    "The head {path} was trained for the labels {trained}, but the target file says {given}. Retrain it with "
    "`python -m pipeline.stance.train --target {target}`."
)
E_HEAD_TARGET = (
    "The head {path} was trained for the target '{trained}', not '{given}' (a copied folder keeps the old head). "
    "Train this one with `python -m pipeline.stance.train --target {target}`."
)
E_ENCODER_TARGET = (
    "The fine-tuned encoder {path} was tuned for the target '{trained}', not '{given}'. Train this target with "
    "its encoder (`python -m pipeline.stance.train --target {target}`, without --no-tune), or delete the [tuning] "
    "table from its target.toml to use the head alone."
)
W_TRAINING_CHANGED = (
    "The training files of target '{target}' changed since its head was trained ({files}); the old head is used. "
    "Retrain it with `python -m pipeline.stance.train --target {arg}`."
)
E_HEAD_FORMAT = "{path} is not a stance head of format {expected} (found {found!r}). Retrain it."
E_HEAD_EMBEDDING = (
    "The head {path} was trained on '{trained}' embeddings but the embedder is '{given}'. "
    "Retrain the head with this embedding model or set [analysis] embedding_model back."
)
E_SHARED_MISSING = (
    "Training file {file} references the shared corpus, but {root} does not exist. "
    "Set OPENTIDE_SHARED (or pass shared_root=) to the folder holding corpus/ and labels/."
)
E_NO_TRAINING = "Target '{target}' has no usable training rows (checked {files})."
E_BAD_LABEL = "{file}:{line}: label {value!r} is not one of {allowed}."


class InputFileError(OpentideError):
    pass


E_INPUT_FILE = "Cannot read {path}: {why}. Give a UTF-8 JSONL file, one JSON object per line."
E_NO_LINES = "{path} has no usable line ({need}), so there is nothing to {verb}.{problems}"
E_SAME_FILE = "{path} is both the input and the output; give another output file (the input would be lost)."
E_OUTPUT_FILE = "Cannot write {path}: {why}. Give a file path in a folder you can write to."
