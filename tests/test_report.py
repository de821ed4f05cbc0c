"""The results API, the schema document and the self-contained HTML report.

``write_workspace`` builds a small workspace whose ``outputs/`` CSVs come from the timeline functions over
real labelled sentences (see test_timelines.make_tables); test_notebooks.py uses it too.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_timelines import SHARED, make_tables

from pipeline import timelines as tl
from pipeline.api import REQUIRED, ResultsMissing, csv_columns, load_results, schema_text
from pipeline.export import DOCUMENT_COLUMNS, SENTENCE_COLUMNS
from pipeline.report import Wording, build_report, evidence_table, load_events
from pipeline.shifts import SHIFT_COLUMNS, detect_shifts


def write_workspace(root: Path, shared: Path = SHARED) -> Path:
    """``root/outputs/*.csv`` as ``opentide export`` would write them, from synthetic tables of real sentences."""
    t = make_tables(shared)
    docs, stance, speakers = t["documents"], t["sentence_stance"], t["speakers"]
    out = root / "outputs"
    out.mkdir(parents=True, exist_ok=True)
    labels = {
        "doc_id": docs.doc_id,
        "stance": "open",
        "stance_score": 0.4,
        "date_source": "metadata",
        "language": "en",
        "author": "",
        "path": "",
    }
    documents = docs.assign(**labels).reindex(columns=csv_columns()["documents"])
    sentences = stance.merge(speakers, on=["doc_id", "sent_idx"], how="left")
    chunks = pd.DataFrame(
        {
            "doc_id": docs.doc_id.repeat(3).to_numpy(),
            "chunk_idx": [0, 1, 2] * len(docs),
            "topic_id": np.arange(3 * len(docs)) % 4,
        }
    )
    info = pd.DataFrame(
        {
            "topic_id": range(4),
            "label": ["open weights, llama", "china, deepseek", "safety, misuse", "chips, export controls"],
            "words": "",
            "size": 1,
        }
    )
    args = (docs, stance, speakers)
    stance_tl, narrative = tl.stance_timeline(*args), tl.narrative_timeline(*args)
    frames = {
        "documents": documents,
        "sentences": sentences.reindex(columns=csv_columns()["sentences"]),
        "stance_timeline": stance_tl,
        "narrative_timeline": narrative,
        "topics_over_time": tl.topics_over_time(docs, chunks, info, stance),
        "shifts": detect_shifts(stance_tl, narrative, tl.document_counts(*args)),
        "actor_stance": tl.actor_stance(*args),
        "entities": pd.DataFrame(
            {
                "entity": ["Meta"],
                "entity_id": ["Q_meta"],
                "label": ["ORG"],
                "mentions": [3],
                "documents": [2],
                "first_seen": ["2024-01-03"],
                "last_seen": ["2024-12-17"],
            }
        ),
    }
    for name, frame in frames.items():
        frame.to_csv(out / f"{name}.csv", index=False)
    return root


@pytest.fixture
def results_ws(tmp_path: Path, shared: Path) -> Path:
    return write_workspace(tmp_path, shared)


def test_schema_documents_every_export_and_the_timeline_columns() -> None:
    cols = csv_columns()
    expected = {
        "documents",
        "documents.jsonl",
        "sentences",
        "entities",
        "entity_mentions_monthly",
        "entity_edges",
        "topics_over_time",
        "stance_timeline",
        "narrative_timeline",
        "shifts",
        "actor_stance",
    }
    assert expected <= set(cols)
    assert cols["stance_timeline"] == tl.STANCE_COLUMNS
    assert cols["narrative_timeline"] == tl.NARRATIVE_COLUMNS
    assert cols["topics_over_time"] == tl.TOPIC_COLUMNS
    assert cols["actor_stance"] == tl.ACTOR_COLUMNS
    assert cols["shifts"] == SHIFT_COLUMNS
    assert cols["sentences"] == SENTENCE_COLUMNS
    assert cols["documents"] == DOCUMENT_COLUMNS and "ISO 8601" in schema_text()


def test_load_results_reads_every_table(results_ws: Path) -> None:
    res = load_results(results_ws)
    assert len(res.stance_timeline) and len(res.narrative_timeline) and len(res.documents) == 38
    assert res.entity_edges.empty and list(res.entity_edges.columns) == csv_columns()["entity_edges"]
    assert res.documents.doc_id.dtype == "string" and res.stance_timeline.period.iloc[0] == "2024-01-01"


@pytest.mark.parametrize("name", REQUIRED)
def test_load_results_names_the_missing_file_and_command(results_ws: Path, name: str) -> None:
    (results_ws / "outputs" / f"{name}.csv").unlink()
    with pytest.raises(ResultsMissing, match=rf"No {name}\.csv in .*opentide run"):
        load_results(results_ws)


def test_events_default_dates_and_workspace_override(tmp_path: Path) -> None:
    events = {e.label: e.date.isoformat() for e in load_events()}
    assert events == {
        "LLaMA weights leak": "2023-03-03",
        "EO 14110": "2023-10-30",
        "NTIA open-weights report": "2024-07-30",
        "DeepSeek-R1": "2025-01-20",
        "AI Action Plan": "2025-07-23",
        "gpt-oss": "2025-08-05",
    }
    assert len(load_events(tmp_path)) == 6  # no workspace file: the packaged list
    targets = Path(__file__).resolve().parents[1] / "pipeline" / "targets"
    assert len(load_events(tmp_path, targets / "openness")) == 6  # the openness target's own events
    assert load_events(tmp_path, targets / "regulation") == []  # another narrative: no openness events
    (tmp_path / "events.toml").write_text('[[events]]\ndate = 2024-06-01\nlabel = "Ours"\n', encoding="utf-8")
    assert [(e.label, str(e.date)) for e in load_events(tmp_path)] == [("Ours", "2024-06-01")]


def test_report_is_self_contained_with_figures(results_ws: Path) -> None:
    res = load_results(results_ws)
    path = build_report(res, results_ws / "outputs", events=load_events())
    page = path.read_text(encoding="utf-8")
    assert path.name == "report.html"
    assert not re.search(r"<script|<link|@import|url\(", page, re.I)
    assert not re.search(r"(src|href)=['\"](?!data:)", page, re.I), "no external resources"
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert len(images) == 4 and all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    pngs = sorted(p.name for p in (results_ws / "outputs" / "figures").glob("*.png"))
    assert pngs == ["actors.png", "narrative.png", "stance_timeline.png", "topics.png"]
    assert "Evidence sentences" in page and "NTIA open-weights report" in page
    assert "&lt;NA&gt;" not in page and "\\n" not in page  # a missing speaker is blank, a line break a space


def test_evidence_cells_show_no_literal_line_breaks_or_na(results_ws: Path) -> None:
    sentences = pd.read_csv(results_ws / "outputs" / "sentences.csv", dtype={"speaker": "string"})
    best = sentences["stance_score"].idxmax()
    sentences.loc[best, ["text", "speaker"]] = ["Two trade-offs:\n– slower releases", pd.NA]
    sentences.to_csv(results_ws / "outputs" / "sentences.csv", index=False)
    page = build_report(load_results(results_ws), results_ws / "outputs", events=[]).read_text(encoding="utf-8")
    assert "Two trade-offs: – slower releases" in page and "&lt;NA&gt;" not in page


def test_report_on_empty_results_does_not_crash(results_ws: Path) -> None:
    res = load_results(results_ws)
    for name in ("stance_timeline", "narrative_timeline", "topics_over_time", "actor_stance", "shifts", "sentences"):
        setattr(res, name, getattr(res, name).iloc[0:0])
    page = build_report(res, results_ws / "outputs", events=[]).read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 4 and "None found" in page


def test_evidence_table_has_both_sides(results_ws: Path) -> None:
    res = load_results(results_ws)
    table = evidence_table(res.sentences, res.documents, per_class=3)
    assert {"open", "closed"} <= set(table.stance) and table.title.notna().all()


def test_report_speaks_the_targets_words(results_ws: Path, tmp_path: Path) -> None:
    res = load_results(results_ws)
    res.sentences = res.sentences.assign(stance=res.sentences.stance.replace({"open": "pro", "closed": "anti"}))
    wording = Wording("pro", "anti", "binding AI regulation", "regulation stifles innovation")
    page = build_report(res, tmp_path, events=[], wording=wording).read_text(encoding="utf-8")
    assert "net stance on binding AI regulation" in page and "The &quot;regulation stifles innovation&quot;" in page
    assert "Actors on the anti-pro axis" in page and "open AI is not safe" not in page
    assert {"pro", "anti"} <= set(evidence_table(res.sentences, res.documents, wording=wording).stance)


def test_timeline_lines_break_over_periods_without_data() -> None:
    from pipeline.report import _select

    frame = pd.DataFrame(
        {
            "group": "all",
            "net_stance": [0.1, 0.2, 0.3, 0.4],
            "period": ["2024-01-01", "2024-02-01", "2024-03-01", "2025-06-01"],
        }
    )
    sub = _select(frame, "all")
    assert sub["net_stance"].isna().tolist() == [False, False, False, True, False]  # one gap row, inside the gap
    assert pd.Timestamp("2024-03-01") < sub["date"].iloc[3] < pd.Timestamp("2025-06-01")
