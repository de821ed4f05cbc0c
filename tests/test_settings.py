"""Settings: workspace overrides, and the messages for unknown keys, wrong types, words outside a choice,
numbers out of range and source patterns that are not regular expressions."""

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
        ("[timeline]\nfreq = 'day'\n", ["timeline.freq", "'week', 'month', 'quarter'", "'day'"]),
        ("[stance]\nrelevance_threshold = 2.5\n", ["stance.relevance_threshold", "between 0 and 1", "2.5"]),
        ("[collect]\nconcurrency = 0\n", ["collect.concurrency", "at least 1", "not 0"]),
        ("[collect]\ntimeout_total = -1\n", ["collect.timeout_total", "more than 0"]),
        ("[collect]\nretries = 2.5\n", ["collect.retries", "int", "2.5"]),
        ("[stance]\nprefilter_window = -2\n", ["stance.prefilter_window", "at least -1"]),
        ("[[sources]]\nname = 'x'\nurl = 'https://a.org'\ninclude = 'news'\n", ["#1", "`include`", "a list"]),
        ("[[sources]]\nname = 'x'\nurl = 'https://a.org'\nmax_items = 0\n", ["`max_items`", "at least 1", "not 0"]),
        ("[[sources]]\nname = 'x'\nurl = 'https://a.org'\nexclude = ['(tag']\n", ["`exclude`", "'(tag'", "regular"]),
        (
            "[[sources]]\nname = 'x'\nurl = 'https://a.org'\ninclde = ['/news/']\n",
            ["#1", "unknown key 'inclde'", "Known keys in [[sources]]: name, url, kind, include, exclude"],
        ),
        ("[[sources]]\nname = 'x'\nurl = 'https://a.org'\nkind = 5\n", ["#1", "`kind`", "a string", "not 5"]),
        ("[[sources]]\nname = 7\nurl = 'https://a.org'\n", ["#1", "`name`", "a string", "not 7"]),
        (
            "[[sources]]\nname = 'x'\nurl = 'https://a.org'\n[[sources]]\nname = 'y'\nurl = 'https://b.org'\n"
            "[[sources]]\nname = 'x'\nurl = 'https://c.org'\n",
            ["Source #3", "'x'", "source #1", "its own name"],
        ),
        ("[ingest]\nkind_by_path = { files = 5 }\n", ["ingest.kind_by_path", "a table of strings", "{'files': 5}"]),
    ],  # fmt: skip
)
def test_bad_settings_name_the_key_and_what_it_takes(workspace: Path, text: str, words: list[str]) -> None:
    write(workspace, text)
    with pytest.raises(SettingsError) as err:
        load_settings(workspace)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_values_at_the_edge_of_their_range_are_taken(workspace: Path) -> None:
    write(workspace, "[stance]\nprefilter_window = -1\nrelevance_threshold = 1\n[collect]\nbackoff = 0\n")
    settings = load_settings(workspace)
    assert settings.section("stance")["prefilter_window"] == -1 and settings.section("collect")["backoff"] == 0


def test_precision_auto_follows_the_cpu() -> None:
    assert resolve_precision("auto") == ("bf16" if native_bf16() else "fp32")
    assert resolve_precision("fp32") == "fp32" and resolve_precision("bf16") == "bf16"
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("int8")


def test_sources_with_every_key_and_kinds_by_path_are_taken(workspace: Path) -> None:
    write(workspace, "[ingest]\nkind_by_path = { ntia = 'comment' }\n[[sources]]\nname = 'wh'\nurl = 'https://a.org'\n"
                     "kind = 'statement'\ninclude = ['/news/']\nexclude = ['/video/']\n[[sources]]\nname = 'b'\n"
                     "url = 'https://b.org'\n")  # fmt: skip
    settings = load_settings(workspace)
    assert [s["name"] for s in settings.sources] == ["wh", "b"]
    assert settings.section("ingest")["kind_by_path"] == {"ntia": "comment"}


def test_a_workspace_folder_that_does_not_exist_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from pipeline.cli import EXIT_ERROR, main

    typo = tmp_path / "wrokspace"
    with pytest.raises(SettingsError, match="No workspace folder"):
        load_settings(typo)
    assert main(["status", "-w", str(typo)]) == EXIT_ERROR
    assert "No workspace folder" in capsys.readouterr().err and not typo.exists()


def test_source_lists_add_their_sources_and_are_checked_like_the_workspace_file(workspace: Path) -> None:
    (workspace / "lists").mkdir()
    (workspace / "lists" / "gov.toml").write_text("[[sources]]\nname = 'gov'\nurl = 'https://gov.example/feed'\n")
    write(
        workspace, "[workspace]\nsource_lists = ['lists/gov.toml']\n[[sources]]\nname = 'own'\nurl = 'https://a.org'\n"
    )
    assert [s["name"] for s in load_settings(workspace).sources] == ["own", "gov"]
    bad = {
        "[[sources]]\nname = 'own'\nurl = 'https://b.org'\n": "'own' in ",  # a name the workspace file took
        "[[sources]]\nname = 'x'\nurl = 'https://b.org'\nkinds = 'news'\n": "unknown key 'kinds'",
        "[collect]\nretries = 1\n": "holds collect: a source list holds only [[sources]]",
    }
    for text, words in bad.items():
        (workspace / "lists" / "gov.toml").write_text(text)
        with pytest.raises(SettingsError, match=words.replace("[", r"\[")) as err:
            load_settings(workspace)
        assert "gov.toml" in str(err.value)
    write(workspace, "[workspace]\nsource_lists = ['lists/missing.toml']\n")
    with pytest.raises(SettingsError, match="missing.toml named in \\[workspace\\] source_lists .* does not exist"):
        load_settings(workspace)


def test_the_repositorys_workspace_collects_the_curated_source_list() -> None:
    """`opentide run` in the repository reads corpus/sources.toml: real https sources of every main kind."""
    settings = load_settings(Path(__file__).resolve().parents[1])
    sources = settings.sources
    assert len(sources) >= 10 and all(s["url"].startswith("https://") for s in sources)
    assert {s["kind"] for s in sources} >= {"statement", "policy", "news", "op-ed"}
    assert any(s["url"].endswith(".pdf") for s in sources)
