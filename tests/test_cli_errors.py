"""What the CLI says when a workspace has nothing to work on or an output cannot be written (no models load)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.cli import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, main

SEED = Path(__file__).resolve().parents[1] / "corpus" / "seed"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "opentide.toml").write_text('[workspace]\ncorpus_dirs = ["inbox"]\n', encoding="utf-8")
    return tmp_path


def test_an_empty_store_is_named_with_what_to_do(workspace: Path, capsys: pytest.CaptureFixture) -> None:
    for command in ("analyze", "export"):
        assert main([command, "-w", str(workspace), "--no-progress"]) == EXIT_ERROR
        assert "holds no documents yet. Run `opentide ingest PATH`" in capsys.readouterr().err
    (workspace / "inbox" / "notes.docx").write_bytes(b"PK\x03\x04")
    assert main(["run", "--offline", "-w", str(workspace), "--no-progress"]) == EXIT_ERROR
    err = capsys.readouterr().err  # the run says why it stopped, and what ingest saw
    assert "holds no documents yet" in err and "not read: 1 .docx" in err and "no readable file in" in err
    assert not (workspace / "outputs" / "documents.csv").exists()


def test_ingest_names_the_files_it_does_not_read(workspace: Path, capsys: pytest.CaptureFixture) -> None:
    inbox = workspace / "inbox"
    shutil.copy(next(SEED.glob("*.md")), inbox)
    for name in ("a.docx", "b.docx", "c.png"):
        (inbox / name).write_bytes(b"\x00\x01")
    assert main(["ingest", str(inbox), "-w", str(workspace), "--no-progress"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "new 1" in out and "not read: 2 .docx, 1 .png (readable: .htm, .html," in out


def test_export_to_a_path_that_cannot_be_a_folder(workspace: Path, capsys: pytest.CaptureFixture) -> None:
    shutil.copy(next(SEED.glob("*.md")), workspace / "inbox")
    assert main(["ingest", "-w", str(workspace), "--no-progress"]) == EXIT_OK
    target = workspace / "opentide.toml"  # a file already
    assert main(["export", "--out", str(target), "-w", str(workspace)]) == EXIT_ERROR
    assert f"Cannot write {target}" in capsys.readouterr().err
    assert main(["export", "-w", str(workspace)]) == EXIT_OK  # written, with the reason its columns are empty
    assert "1 of 1 documents are not analysed yet and have no stance; run `opentide analyze`" in capsys.readouterr().out


def test_a_missing_corpus_folder_is_a_note_and_a_fixed_path_is_forgotten(
    workspace: Path, capsys: pytest.CaptureFixture
) -> None:
    (workspace / "opentide.toml").write_text('[workspace]\ncorpus_dirs = ["inbox", "later"]\n', encoding="utf-8")
    shutil.copy(next(SEED.glob("*.md")), workspace / "inbox")
    assert main(["ingest", "-w", str(workspace), "--no-progress"]) == EXIT_OK
    note = f"corpus folder not found, skipped ([workspace] corpus_dirs): {workspace / 'later'}"
    assert note in capsys.readouterr().out
    typo = workspace / "inbx"
    assert main(["ingest", str(typo), "-w", str(workspace), "--no-progress"]) == EXIT_PARTIAL
    typo.mkdir()
    shutil.copy(sorted(SEED.glob("*.md"))[1], typo)
    assert main(["ingest", str(typo), "-w", str(workspace), "--no-progress"]) == EXIT_OK
    capsys.readouterr()
    assert main(["status", "-w", str(workspace)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "rejected inputs: 0" in out and "stance target: openness" in out
    assert f"settings: {workspace / 'opentide.toml'}" in out and "corpus folders: inbox, later" in out


def test_an_unreachable_source_fails_collect_but_not_the_main_job(
    workspace: Path, capsys: pytest.CaptureFixture
) -> None:
    """Offline, `collect` says the host could not be reached (exit 3); `run` reports it and goes on (here to an
    empty store, the one thing that stops it)."""
    with (workspace / "opentide.toml").open("a", encoding="utf-8") as fh:
        fh.write('[collect]\nretries = 0\n[[sources]]\nname = "gone"\nurl = "http://127.0.0.1:9/feed.xml"\n')
    assert main(["collect", "-w", str(workspace), "--no-progress"]) == EXIT_PARTIAL
    out = capsys.readouterr().out
    assert "unreachable 1" in out and "1 URLs unreachable" in out and "goes on" not in out
    assert main(["run", "-w", str(workspace), "--no-progress"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "1 URLs unreachable (no network, or the host is down): the run goes on" in err
    assert "holds no documents yet" in err  # what stopped it: nothing to analyse, not the source
