"""Targets are configuration: packaged or from a folder, nothing about openness in code."""

from __future__ import annotations

import re
import shutil

import pytest

from pipeline.stance.errors import HeadError, TargetError
from pipeline.stance.io import load_head
from pipeline.stance.target import TARGETS_DIR, load_target, packaged_targets
from pipeline.stance.train import train_target
from pipeline.stance.tuned import read_metadata


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


def test_a_copied_target_without_a_head_or_with_new_labels_says_how_to_retrain(tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "mytarget"
    folder.mkdir()
    toml = (TARGETS_DIR / "regulation" / "target.toml").read_text(encoding="utf-8")
    (folder / "target.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(HeadError, match=re.escape(f"train --target {folder}`")):
        load_head(folder)  # the folder, not the packaged target the file was copied from
    shutil.copy(TARGETS_DIR / "regulation" / "head.json", folder)
    assert load_head(folder).target.folder == folder.resolve()
    (folder / "target.toml").write_text(toml.replace('positive = "pro"', 'positive = "yes"'), encoding="utf-8")
    with pytest.raises(HeadError, match="trained for the labels pro, anti, neutral"):
        load_head(folder)


def test_unknown_target_says_what_exists() -> None:
    with pytest.raises(TargetError, match="openness"):
        load_target("no-such-target")


@pytest.mark.slow
def test_a_head_refitted_beside_an_encoder_records_which_encoder(tmp_path, embedder) -> None:  # noqa: ANN001
    """`train --no-tune` keeps the encoder file: the head's provenance says so, with the encoder's data hash."""
    src = TARGETS_DIR / "openness"
    toml = (src / "target.toml").read_text(encoding="utf-8")
    toml = re.sub(r"(?ms)^training = \[.*?^\]", 'training = ["train_pairs6.jsonl"]', toml)
    (tmp_path / "target.toml").write_text(toml, encoding="utf-8")
    for name in ("train_pairs6.jsonl", "encoder.safetensors"):  # our own written sentences: no ../shared needed
        shutil.copy(src / name, tmp_path / name)
    head = train_target(tmp_path, embedder=embedder, tune=False)
    kept = head.meta["tuning"]["kept"]
    encoder_meta = read_metadata(src / "encoder.safetensors")[1]
    assert kept == {"encoder_data_hash": encoder_meta["data_hash"]} and len(kept["encoder_data_hash"]) == 16
    assert head.meta["n_examples"] == 160 and (tmp_path / "head.json").is_file()


def test_a_copied_head_or_encoder_of_another_target_is_refused(tmp_path) -> None:  # noqa: ANN001
    """A folder copied from a packaged target and renamed keeps that target's files: using them would label the
    new narrative with the old model, so both are refused with the command that trains the folder."""
    folder = tmp_path / "export_controls"
    folder.mkdir()
    toml = (TARGETS_DIR / "regulation" / "target.toml").read_text(encoding="utf-8")
    (folder / "target.toml").write_text(toml.replace('name = "regulation"', 'name = "export_controls"'), "utf-8")
    shutil.copy(TARGETS_DIR / "regulation" / "head.json", folder)
    with pytest.raises(HeadError, match=f"trained for the target 'regulation'.*--target {re.escape(str(folder))}"):
        load_head(folder)
    toml = (TARGETS_DIR / "openness" / "target.toml").read_text(encoding="utf-8")
    (folder / "target.toml").write_text(toml.replace('name = "openness"', 'name = "export_controls"'), "utf-8")
    shutil.copy(TARGETS_DIR / "openness" / "encoder.safetensors", folder)
    with pytest.raises(HeadError, match="encoder .* was tuned for the target 'openness'"):
        train_target(folder, embedder=None, tune=False)  # type: ignore[arg-type]  # refused before any fit


def test_a_head_older_than_its_training_files_is_used_with_a_warning(tmp_path, caplog) -> None:  # noqa: ANN001
    src = TARGETS_DIR / "regulation"
    for name in ("target.toml", "head.json", *load_target("regulation").training):
        shutil.copy(src / name, tmp_path / name)
    load_head(tmp_path)
    assert "changed since" not in caplog.text
    first = load_target(tmp_path).training_paths[0]
    first.write_text(first.read_text(encoding="utf-8") + '{"text": "A new row.", "stance": "neutral"}\n', "utf-8")
    load_head(tmp_path)
    assert f"changed since its head was trained ({first.name})" in caplog.text
