"""Timeline maths on tables built from real labelled sentences (../shared/labels/dev_sentences.jsonl).

``make_tables`` spreads the sentences over 12 months of documents, closed-leaning before July 2024 and
open-leaning after, with three actors, an unnamed group of speakers ("critics"), one syndicated copy and one
undated document. test_report.py and test_notebooks.py build their workspace from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import timelines as tl
from pipeline.shifts import change_points, detect_shifts

SHARED = Path(__file__).resolve().parents[2] / "shared"
ACTORS = [("Q_meta", "Meta"), ("Q_openai", "OpenAI"), ("Q_ntia", "NTIA")]


def make_tables(shared: Path = SHARED, *, seed: int = 7) -> dict[str, pd.DataFrame]:
    rows = [json.loads(line) for line in (shared / "labels" / "dev_sentences.jsonl").open(encoding="utf-8")]
    by_stance = {s: [r for r in rows if r["stance"] == s] for s in ("open", "closed", "neutral")}
    rng = np.random.default_rng(seed)
    docs, stance, speakers = [], [], []
    for month in range(1, 13):
        p_open = 0.25 if month < 7 else 0.8
        for d in range(3):
            doc_id = f"doc-2024{month:02d}-{d}"
            docs.append(
                {
                    "doc_id": doc_id,
                    "published": f"2024-{month:02d}-{3 + 7 * d:02d}T09:30:00-04:00",
                    "kind": ["news", "op-ed", "statement"][d],
                    "site": ["example.com", "blog.org"][d % 2],
                    "story_id": None,
                    "title": f"Story {month}-{d}",
                    "url": f"https://example.com/{doc_id}",
                }
            )
            for i in range(8):
                pick = rng.choice(["open", "closed", "neutral"], p=[0.7 * p_open, 0.7 * (1 - p_open), 0.3])
                row = by_stance[pick][int(rng.integers(len(by_stance[pick])))]
                relevant = row["stance"] != "neutral" or row["frame"] != "none"
                score = {"open": 0.8, "closed": -0.8, "neutral": 0.0}[row["stance"]]
                stance.append(
                    {
                        "doc_id": doc_id,
                        "sent_idx": i,
                        "relevance": 0.9 if relevant else 0.1,
                        "stance": row["stance"],
                        "stance_score": score,
                        "frame": row["frame"],
                        "text": row["text"],
                    }
                )
                actor = ACTORS[(month + i) % 3] if i < 3 else (None, "critics") if i == 3 else (None, None)
                speakers.append({"doc_id": doc_id, "sent_idx": i, "speaker_id": actor[0], "speaker": actor[1]})
    docs.append({**docs[0], "doc_id": "undated", "published": None})
    docs.append({**docs[4], "doc_id": "syndicated-copy", "published": "2024-02-20", "story_id": "story-1"})
    docs[4]["story_id"] = "story-1"
    for part in ("undated", "syndicated-copy"):
        stance += [{**s, "doc_id": part} for s in stance[:8]]
    return {
        "documents": pd.DataFrame(docs),
        "sentence_stance": pd.DataFrame(stance),
        "speakers": pd.DataFrame(speakers),
    }


@pytest.fixture(scope="module")
def tables(shared: Path) -> dict[str, pd.DataFrame]:
    return make_tables(shared)


def test_stance_shares_sum_to_one_and_ci_ordered(tables: dict[str, pd.DataFrame]) -> None:
    out = tl.stance_timeline(tables["documents"], tables["sentence_stance"], tables["speakers"])
    assert list(out.columns) == tl.STANCE_COLUMNS
    shares = out[["open_share", "closed_share", "neutral_share"]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    assert (out.ci_low <= out.net_stance + 1e-12).all() and (out.net_stance <= out.ci_high + 1e-12).all()
    assert out.ci_low.between(-1, 1).all() and out.ci_high.between(-1, 1).all()
    assert np.allclose(out.net_stance, out.open_share - out.closed_share)
    argued = out.open_share + out.closed_share
    assert np.allclose(out.balance, (out.open_share - out.closed_share) / argued, equal_nan=True)
    sided = out[argued > 0]
    assert (sided.balance_low <= sided.balance + 1e-12).all() and (sided.balance <= sided.balance_high + 1e-12).all()
    assert sided.balance.abs().ge(sided.net_stance.abs() - 1e-12).all()  # the argued ones lean at least as far
    assert out[argued == 0].balance.isna().all()
    groups = set(out.group)
    assert {"all", "kind:news", "site:blog.org", "actor:Meta"} <= groups and "actor:critics" not in groups
    overall = out[out.group == "all"]
    assert len(overall) == 12 and overall.period.iloc[0] == "2024-01-01"


def test_undated_documents_left_out_and_noted(tables: dict[str, pd.DataFrame]) -> None:
    out = tl.stance_timeline(tables["documents"], tables["sentence_stance"], by=())
    note = out.attrs["note"]
    assert note["n_undated"] == 1 and note["undated_doc_ids"] == ["undated"]
    assert set(out.group) == {"all"}


def test_syndicated_copies_count_once_unless_asked(tables: dict[str, pd.DataFrame]) -> None:
    args = (tables["documents"], tables["sentence_stance"])
    once = tl.stance_timeline(*args, by=()).set_index("period")
    twice = tl.stance_timeline(*args, by=(), dedupe=False).set_index("period")
    assert once.attrs["note"]["n_syndicated"] == 1
    assert once.loc["2024-02-01", "n_documents"] == 3
    assert twice.loc["2024-02-01", "n_documents"] == 4
    assert twice.loc["2024-02-01", "n_sentences"] > once.loc["2024-02-01", "n_sentences"]


def test_week_and_quarter_periods_are_iso_starts(tables: dict[str, pd.DataFrame]) -> None:
    weeks = tl.stance_timeline(tables["documents"], tables["sentence_stance"], by=(), freq="week")
    assert all(pd.Timestamp(p).weekday() == 0 for p in weeks.period)
    quarters = tl.stance_timeline(tables["documents"], tables["sentence_stance"], by=(), freq="quarter")
    assert list(quarters.period) == ["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01"]
    with pytest.raises(ValueError, match="freq"):
        tl.to_period(pd.Series(["2024-01-01"]), "fortnight")


def test_narrative_shares_among_framed_sentences(tables: dict[str, pd.DataFrame]) -> None:
    out = tl.narrative_timeline(tables["documents"], tables["sentence_stance"], tables["speakers"])
    assert list(out.columns) == tl.NARRATIVE_COLUMNS
    assert np.allclose(out[["endorse_share", "rebut_share", "report_share"]].sum(axis=1), 1.0)
    assert (out.ci_low <= out.endorse_share + 1e-12).all() and (out.endorse_share <= out.ci_high + 1e-12).all()
    assert (out.n_relevant > 0).all()


def test_wilson_interval_known_value() -> None:
    lo, hi = tl.wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)


def test_topics_over_time_shares(tables: dict[str, pd.DataFrame]) -> None:
    docs = tables["documents"]
    chunks = pd.DataFrame(
        {
            "doc_id": docs.doc_id.repeat(3).to_numpy(),
            "chunk_idx": [0, 1, 2] * len(docs),
            "topic_id": np.arange(3 * len(docs)) % 4,
        }
    )
    info = pd.DataFrame(
        {"topic_id": [0, 1, 2, 3], "label": ["open weights", "china", "safety", "chips"], "words": "", "size": 1}
    )
    out = tl.topics_over_time(docs, chunks, info, tables["sentence_stance"])
    assert list(out.columns) == tl.TOPIC_COLUMNS
    assert np.allclose(out.groupby("period").share.sum(), 1.0)
    assert out.open_share.between(0, 1).all() and (out.open_share + out.closed_share <= 1 + 1e-9).all()
    assert set(out.topic_label) == {"open weights", "china", "safety", "chips"}


def test_actor_stance_sums_scores(tables: dict[str, pd.DataFrame]) -> None:
    out = tl.actor_stance(tables["documents"], tables["sentence_stance"], tables["speakers"])
    assert list(out.columns) == tl.ACTOR_COLUMNS
    assert set(out.actor) == {"Meta", "OpenAI", "NTIA"}  # "critics" is a speaker, not an actor
    assert np.allclose(out.mean_stance, out.stance_sum / out.n_sentences)
    assert (out.n_open + out.n_closed <= out.n_sentences).all()


def test_shift_found_at_obvious_break(tables: dict[str, pd.DataFrame]) -> None:
    args = (tables["documents"], tables["sentence_stance"], tables["speakers"])
    stance = tl.stance_timeline(*args)
    counts = tl.document_counts(*args)
    shifts = detect_shifts(stance, tl.narrative_timeline(*args), counts)
    overall = shifts[(shifts.series == "net_stance") & (shifts.group == "all")]
    assert len(overall) == 1
    row = overall.iloc[0]
    assert row.period == "2024-07-01" and row.direction == "up" and row["size"] > 0.4
    drivers = row.driving_docs.split(";")
    assert drivers and all(d.startswith("doc-202407") for d in drivers)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_shifts_on_short_series_do_not_crash(n: int) -> None:
    frame = pd.DataFrame(
        {"period": [f"2024-0{i + 1}-01" for i in range(n)], "group": "all", "net_stance": [0.1 * i for i in range(n)]}
    )
    assert detect_shifts(frame).empty
    assert change_points(np.array([0.0] * n)) == []


def test_flat_series_has_no_change_point() -> None:
    assert change_points(np.full(12, 0.3)) == []
    assert change_points(np.r_[np.full(6, -0.5), np.full(6, 0.5)]) == [6]


def test_period_uses_the_publishers_calendar_date() -> None:
    dates = pd.Series(["2025-01-31T23:30:00-05:00", "2024-07-04", None, "garbage", "Sep 3, 2025"])
    assert tl.to_period(dates).tolist()[:2] == ["2025-01-01", "2024-07-01"]
    assert tl.to_period(dates).isna().tolist() == [False, False, True, True, False]


def test_another_targets_labels_fill_the_same_columns(tables: dict[str, pd.DataFrame]) -> None:
    from pipeline.tables import on_axis

    theirs = tables["sentence_stance"].assign(
        stance=tables["sentence_stance"].stance.map({"open": "pro", "closed": "anti", "neutral": "neither"}),
        frame=tables["sentence_stance"].frame.map({"endorse": "e", "rebut": "r", "report": "q", "none": "-"}),
    )
    mapped = on_axis(theirs, ("pro", "anti", "neither"), ("e", "r", "q", "-"))
    assert mapped.equals(tables["sentence_stance"])
    docs, speakers = tables["documents"], tables["speakers"]
    for build in (tl.stance_timeline, tl.narrative_timeline, tl.actor_stance):
        pd.testing.assert_frame_equal(build(docs, mapped, speakers), build(docs, tables["sentence_stance"], speakers))
    with pytest.raises(ValueError, match="3 named frames and none"):
        on_axis(theirs, ("pro", "anti", "neither"), ("e", "-"))


def test_one_argued_sentence_is_not_a_certain_balance() -> None:
    docs = pd.DataFrame([{"doc_id": "d", "published": "2024-03-01", "kind": "news", "site": "x.org", "story_id": None}])
    stance = pd.DataFrame([
        {"doc_id": "d", "sent_idx": 0, "relevance": 1.0, "stance": "open", "stance_score": 0.8, "frame": "none"},
        {"doc_id": "d", "sent_idx": 1, "relevance": 1.0, "stance": "neutral", "stance_score": 0.0, "frame": "none"},
    ])  # fmt: skip
    row = tl.stance_timeline(docs, stance, by=()).iloc[0]
    assert (row.net_stance, row.balance, row.balance_high) == (0.5, 1.0, 1.0)
    assert row.balance_low < -0.5  # Wilson on 1 of 1: p >= 0.21, so balance >= -0.58
