"""`opentide stance` and `opentide evaluate` on messy input files: clear messages, the good lines still done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import EXIT_ERROR, EXIT_PARTIAL, main
from pipeline.stance import load_head
from pipeline.stance.data import read_lines, shared_root
from pipeline.stance.errors import InputFileError
from pipeline.stance.scoring import labelled_check

NTIA_CLOSED = "ntia_open_weights_rfc_comments/texts/NTIA-2023-0009-0269.txt"  # `closed` in ntia_dev_docs.jsonl
MESSY_TEXT = "Open-weight models let researchers audit and improve AI systems."
MESSY = [
    json.dumps({"id": "a", "text": MESSY_TEXT}),
    "not json",
    '{"id": "b"}',
    "",
    '{"id": "c", "text": "   "}',
    "[1, 2]",
    '{"id": 7, "text": "Releasing model weights is irreversible and hands adversaries dangerous capabilities."}',
]


def test_read_lines_keeps_objects_with_text_and_says_why_each_other_line_went(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\ufeff" + "\n".join(MESSY) + "\n", encoding="utf-8")  # a BOM, as some editors write
    rows, skipped = read_lines(path, lambda row: None if isinstance(row.get("text"), str) else "no text")
    assert [(n, r["id"]) for n, r in rows] == [(1, "a"), (5, "c"), (7, 7)]
    assert skipped == [
        "in.jsonl:2: not JSON (Expecting value)",
        "in.jsonl:3: no text",
        "in.jsonl:6: a JSON list, not an object",
    ]


def test_unreadable_files_raise_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "bin.jsonl").write_bytes(bytes(range(128, 256)) * 20)
    for path, why in ((tmp_path / "none.jsonl", "no such file"), (tmp_path, "it is a folder"),
                      (tmp_path / "bin.jsonl", "not UTF-8 text")):  # fmt: skip
        with pytest.raises(InputFileError, match=why):
            read_lines(path, lambda row: None)


def test_labelled_lines_need_the_targets_labels(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    lines = [
        {"text": "Open models help research.", "stance": "open", "frame": "none"},
        {"text": "Open models help research.", "stance": "pro"},
        {"text": "Open models are risky.", "stance": "closed", "frame": "maybe"},
        {"stance": "open"},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    rows, skipped = read_lines(path, labelled_check(load_head("openness").target))
    assert [n for n, _ in rows] == [1]
    assert skipped == [
        "gold.jsonl:2: stance 'pro' is not one of open, closed, neutral, mixed, off_topic",
        "gold.jsonl:3: frame 'maybe' is not one of endorse, rebut, report, none",
        'gold.jsonl:4: no "text" string',
    ]


@pytest.mark.slow
def test_cli_classifies_the_good_lines_and_exits_partial(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "new" / "out.jsonl"
    src.write_text("\n".join(MESSY) + "\n", encoding="utf-8")
    assert main(["stance", str(src), str(out), "-w", str(tmp_path), "--no-progress"]) == EXIT_PARTIAL
    printed = capsys.readouterr().out
    assert "4 lines written" in printed and "2 lines without a text" in printed and "in.jsonl:3: no" in printed
    assert "2 input lines skipped" in printed and "in.jsonl:6: a JSON list" in printed
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # every object comes back, in order; those without a text as neutral
    assert [(r["id"], r["stance"]) for r in rows] == [("a", "open"), ("b", "neutral"), ("c", "neutral"), (7, "closed")]
    assert rows[1]["stance_score"] == 0.0 and rows[1]["frame"] == "none"
    before = src.read_bytes()
    assert main(["stance", str(src), str(src), "-w", str(tmp_path), "--no-progress"]) == EXIT_ERROR
    assert "is both the input and the output" in capsys.readouterr().err and src.read_bytes() == before

    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"text": "Open models help research.", "stance": "pro"}\n', encoding="utf-8")
    assert main(["evaluate", str(gold), "-w", str(tmp_path)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "nothing to evaluate" in err and "gold.jsonl:1: stance 'pro' is not one of open, closed, neutral, " in err


@pytest.mark.slow
def test_whole_documents_get_a_document_stance_and_are_ranked(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A line holding a whole text (the seeds: open; an NTIA comment its labellers call closed) is split into
    sentences and gets the document's label, score, frame and evidence; a short line stays one sentence."""
    shared = shared_root()
    texts = [p.read_text(encoding="utf-8") for p in sorted((shared / "seeds").glob("*.txt"))[:2]]
    texts.append((shared / "corpus" / NTIA_CLOSED).read_text(encoding="utf-8"))
    lines = [{"id": i, "text": t, "gold": g} for i, (t, g) in enumerate(zip(texts, ["open", "open", "closed"]))]
    lines.append({"id": "s", "text": MESSY_TEXT, "gold": "open"})
    src, out = tmp_path / "docs.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    assert main(["stance", str(src), str(out), "-w", str(tmp_path), "--no-progress"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["unit"] for r in rows] == ["document", "document", "document", "sentence"]
    assert [r["stance"] for r in rows] == [x["gold"] for x in lines]
    assert rows[0]["stance_score"] > 0 > rows[2]["stance_score"] and rows[2]["frame"] == "endorse"
    assert all(len(r["evidence"]) == 3 and r["relevant"] <= r["sentences"] for r in rows[:3])
    assert "evidence" not in rows[3]
    as_sentence = tmp_path / "one.jsonl"
    assert main(["stance", str(src), str(as_sentence), "--unit", "sentence", "-w", str(tmp_path)]) == 0
    assert {json.loads(x)["unit"] for x in as_sentence.read_text(encoding="utf-8").splitlines()} == {"sentence"}

    gold = tmp_path / "gold.jsonl"  # labelled: the documents ranked by score; `mixed` forces a document reading
    lines.append({"text": "Open weights help research.", "gold": "mixed"})  # one sentence: too few to take a side
    gold.write_text("".join(json.dumps({"text": x["text"], "stance": x["gold"]}) + "\n" for x in lines), "utf-8")
    assert main(["evaluate", str(gold), "-w", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "1 sentences from gold.jsonl" in printed and "4 documents from gold.jsonl" in printed
    assert "ROC AUC open vs closed 1.000" in printed and "open / closed documents labelled right 1.000" in printed
    assert "1 documents labelled otherwise:\n  gold.jsonl:5: mixed, called off_topic at " in printed
