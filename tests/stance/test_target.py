"""Targets are configuration: packaged or from a folder, nothing about openness in code."""

from __future__ import annotations

import shutil

import pytest

from pipeline.stance.errors import TargetError
from pipeline.stance.target import TARGETS_DIR, load_target, packaged_targets


def test_packaged_targets_load() -> None:
    assert {"openness", "regulation"} <= set(packaged_targets())
    t = load_target("openness")
    assert t.stance_labels == ("open", "closed", "neutral") and t.frame_none == "none"
    assert t.strong and t.head_path.name == "head.json"
    r = load_target("regulation")
    assert r.stance_labels == ("pro", "anti", "neutral") and r.frame_name != t.frame_name


def test_target_loads_from_a_workspace_folder(tmp_path) -> None:  # noqa: ANN001
    shutil.copy(TARGETS_DIR / "regulation" / "target.toml", tmp_path / "target.toml")
    t = load_target(tmp_path)
    assert t.folder == tmp_path.resolve() and t.name == "regulation"
    assert load_target(tmp_path / "target.toml").folder == t.folder


def test_unknown_target_says_what_exists() -> None:
    with pytest.raises(TargetError, match="openness"):
        load_target("no-such-target")
