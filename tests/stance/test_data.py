"""Training data: reference resolution, sha1 checks, dedupe and dev exclusion."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest

from pipeline.stance.data import clean_sentence, load_examples, resolve_reference
from pipeline.stance.errors import TrainingDataError
from pipeline.stance.target import load_target

RAW = "Intro line.\nOpen weights \u202aspur\u202c   innovation.\nThe weather is nice.\n"


def _shared(tmp_path):  # noqa: ANN001, ANN202
    (tmp_path / "corpus" / "docs").mkdir(parents=True)
    (tmp_path / "corpus" / "docs" / "a.txt").write_text(RAW, encoding="utf-8")
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "dev_sentences.jsonl").write_text(
        json.dumps({"text": "The weather is nice.", "stance": "neutral", "frame": "none"}) + "\n"
    )
    return tmp_path


def _ref(text: str, **kw: object) -> dict:
    start = RAW.index(text)
    sha = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    return {"doc": "docs/a.txt", "start": start, "end": start + len(text), "sha1": sha, **kw}


def test_reference_resolves_and_is_cleaned(tmp_path) -> None:  # noqa: ANN001
    root = _shared(tmp_path)
    row = _ref("Open weights \u202aspur\u202c   innovation.")
    assert resolve_reference(row, root / "corpus") == "Open weights spur innovation."
    assert clean_sentence(" a\u202d \n b ") == "a b"


def test_clean_sentence_folds_pdf_ligatures_but_keeps_footnote_marks() -> None:
    assert clean_sentence("safety \ufb01lters are easy to \ufb01ne\u2011tune out\u00b2") == (
        "safety filters are easy to fine-tune out\u00b2"
    )


def test_sha1_mismatch_is_skipped_with_a_warning(tmp_path, caplog) -> None:  # noqa: ANN001
    root = _shared(tmp_path)
    row = {**_ref("Intro line."), "sha1": "0000000000"}
    with caplog.at_level(logging.WARNING):
        assert resolve_reference(row, root / "corpus") is None
    assert "sha1 mismatch" in caplog.text


def test_load_examples_dedupes_and_excludes_dev(tmp_path) -> None:  # noqa: ANN001
    root = _shared(tmp_path)
    rows = [
        _ref("Open weights \u202aspur\u202c   innovation.", stance="open", frame="none"),
        {"text": "open weights spur innovation!", "stance": "open", "frame": "none", "source": "written"},
        _ref("The weather is nice.", stance="neutral", frame="none"),
        {**_ref("Intro line.", stance="neutral", frame="none"), "sha1": "ffffffffff"},
        {"text": "A bad label.", "stance": "sideways", "frame": "none"},
    ]
    f = tmp_path / "train.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    examples = load_examples(load_target("openness"), shared=root, files=[f])
    assert [e.text for e in examples] == ["Open weights spur innovation."]
    assert examples[0].group == "docs/a.txt"


def test_missing_shared_folder_is_a_clear_error(tmp_path) -> None:  # noqa: ANN001
    f = tmp_path / "train.jsonl"
    f.write_text(json.dumps(_ref("Intro line.", stance="neutral", frame="none")) + "\n")
    with pytest.raises(TrainingDataError, match="OPENTIDE_SHARED"):
        load_examples(load_target("openness"), shared=tmp_path / "nowhere", files=[f])


def test_shared_root_follows_the_environment(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from pipeline.stance.data import shared_root

    monkeypatch.setenv("OPENTIDE_SHARED", str(tmp_path))
    assert shared_root() == tmp_path
    assert shared_root(tmp_path / "x") == tmp_path / "x"
