"""Settings: workspace overrides, and the messages for unknown keys, wrong types and words outside a choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.embed import native_bf16, resolve_precision
from pipeline.errors import SettingsError
from pipeline.settings import load_settings


def write(workspace: Path, text: str) -> None:
    (workspace / "opentide.toml").write_text(text, encoding="utf-8")


def test_workspace_overrides_only_its_own_keys(workspace: Path) -> None:
    write(workspace, '[analysis]\nprecision = "fp32"\n')
    analysis = load_settings(workspace).section("analysis")
    assert analysis["precision"] == "fp32" and analysis["n_process"] == 2


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[analysis]\nprecison = 'fp32'\n", ["precison", "Known keys in [analysis]", "precision"]),
        ("[analysis]\nn_process = 'two'\n", ["analysis.n_process", "int", "'two'"]),
        ("[analysis]\nprecision = 'fp16'\n", ["analysis.precision", "'auto', 'fp32', 'bf16'", "'fp16'"]),
        ("[analysis]\nengine = 'ray'\n", ["analysis.engine", "'local', 'dask'"]),
    ],
)
def test_bad_settings_name_the_key_and_what_it_takes(workspace: Path, text: str, words: list[str]) -> None:
    write(workspace, text)
    with pytest.raises(SettingsError) as err:
        load_settings(workspace)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_precision_auto_follows_the_cpu() -> None:
    assert resolve_precision("auto") == ("bf16" if native_bf16() else "fp32")
    assert resolve_precision("fp32") == "fp32" and resolve_precision("bf16") == "bf16"
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("int8")
