"""The analysis tables behind the exports: entities, timelines, topics over time, shifts, actor stance.

Reads what it needs from the store once and calls the plain functions of ``timelines``, ``shifts`` and
``stages.entities``; ``export`` writes the results. The timelines name the stance axis after the openness target
(``open_share``, ``n_closed``, ``endorse_share``...); another target's labels are mapped onto it first
(``on_axis``), so its positive label fills the ``open`` columns and its negative label the ``closed`` ones.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import shifts, timelines
from pipeline.stages import entity_tables
from pipeline.store import Store

logger = logging.getLogger(__name__)
AXIS = ("open", "closed", "neutral")  # what the timelines call a target's positive, negative and neutral labels


def on_axis(
    stance: pd.DataFrame, labels: Sequence[str] = AXIS, frames: Sequence[str] = (*timelines.FRAMES, "none")
) -> pd.DataFrame:
    """``stance`` with a target's ``labels`` (positive, negative, neutral) renamed to ``AXIS`` and its ``frames``
    (the named ones in order, then the one for none) to endorse, rebut, report and none."""
    frame_roles = (*timelines.FRAMES, "none")
    if len(frames) != len(frame_roles):
        raise ValueError(f"the timelines need {len(frame_roles) - 1} named frames and none, not {list(frames)}")
    return stance.assign(
        stance=stance["stance"].replace(dict(zip(labels, AXIS))),
        frame=stance["frame"].replace(dict(zip(frames, frame_roles))),
    )


def analysis_tables(
    store: Store, docs: pd.DataFrame, sents: pd.DataFrame, *, freq: str, dedupe: bool, relevance_threshold: float,
    labels: Sequence[str] = AXIS, frames: Sequence[str] = (*timelines.FRAMES, "none"),
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Every analysis table; ``labels`` and ``frames`` are the stance target's (default: openness)."""
    stance = on_axis(sents[["doc_id", "sent_idx", "relevance", "stance", "stance_score", "frame"]], labels, frames)
    speakers = store.frame("SELECT doc_id, sent_idx, speaker_id, speaker FROM speakers")
    opts: dict[str, Any] = {"freq": freq, "dedupe": dedupe, "relevance_threshold": relevance_threshold}
    out = entity_tables.entity_tables(store.frame("SELECT * FROM entities"), docs)
    out["stance_timeline"] = timelines.stance_timeline(docs, stance, speakers, **opts)
    out["narrative_timeline"] = timelines.narrative_timeline(docs, stance, speakers, **opts)
    out["actor_stance"] = timelines.actor_stance(docs, stance, speakers, **opts)
    chunks = store.frame("SELECT doc_id, chunk_idx, topic_id, topic_prob FROM chunks")
    info = store.frame("SELECT topic_id, label, words, size FROM topic_info")
    out["topics_over_time"] = timelines.topics_over_time(docs, chunks, info, stance, **opts)
    counts = timelines.document_counts(docs, stance, speakers, **opts)
    out["shifts"] = shifts.detect_shifts(out["stance_timeline"], out["narrative_timeline"], counts)
    return out


def write_parquet(docs: pd.DataFrame, sents: pd.DataFrame, out: Path) -> list[tuple[Path, int]]:
    """Sentence annotations as a Parquet dataset partitioned by month, for corpora too big for CSV."""
    for old in (out / "sentences", out / "documents"):  # a re-export replaces, never appends
        shutil.rmtree(old, ignore_errors=True)
    month = timelines.to_period(docs.set_index("doc_id")["published"], "month").fillna("undated")
    table = sents.assign(month=sents["doc_id"].map(month).fillna("undated"))
    table.to_parquet(out / "sentences", partition_cols=["month"], index=False)
    docs.drop(columns=["evidence"], errors="ignore").assign(
        month=docs["doc_id"].map(month).fillna("undated")
    ).to_parquet(out / "documents", partition_cols=["month"], index=False)
    return [(out / "sentences", len(table)), (out / "documents", len(docs))]
