"""Exports: tidy CSVs keyed by ``doc_id`` (UTF-8, ISO dates, no index column) and optional Parquet.

Each table is built by a plain function from store queries; the columns are documented in
``pipeline/SCHEMA.md`` (printed by ``opentide export --schema``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.settings import Settings
from pipeline.stance.document import document_frame, document_rule
from pipeline.stance.target import Target, load_target
from pipeline.store import Store

logger = logging.getLogger(__name__)
SCHEMA_PATH = Path(__file__).parent / "data" / "SCHEMA.md"

DOCUMENT_COLUMNS = [
    "doc_id",
    "url",
    "path",
    "title",
    "author",
    "published",
    "date_source",
    "site",
    "kind",
    "language",
    "story_id",
    "stance",
    "stance_score",
    "frame",
    "n_relevant",
    "evidence_sent_idx",
    "evidence_1",
    "evidence_2",
    "evidence_3",
]
_STANCE_COLUMNS = ("stance", "stance_score", "frame", "n_relevant")
_EVIDENCE_COLUMNS = ("evidence_sent_idx", "evidence_1", "evidence_2", "evidence_3")
SENTENCE_COLUMNS = [
    "doc_id",
    "sent_idx",
    "text",
    "relevance",
    "stance",
    "stance_score",
    "frame",
    "speaker_id",
    "speaker",
]


def documents_frame(store: Store, *, with_text: bool = False) -> pd.DataFrame:
    """Documents with their stance row (no ``frame``: ``document_frames`` derives it from the sentences)."""
    cols = ", ".join(f"d.{c}" for c in DOCUMENT_COLUMNS if c not in (*_STANCE_COLUMNS, *_EVIDENCE_COLUMNS))
    text = ", d.text" if with_text else ""
    df = store.frame(
        f"SELECT {cols}, s.stance, s.stance_score, s.n_relevant, s.evidence{text} FROM documents d "
        "LEFT JOIN document_stance s ON s.doc_id=d.doc_id ORDER BY d.published, d.doc_id"
    )
    df["n_relevant"] = df["n_relevant"].astype("Int64")  # empty before analyze, not 0
    df["evidence"] = df["evidence"].map(lambda e: json.loads(e) if isinstance(e, str) else [])
    return df.assign(**evidence_columns(df["evidence"]))


def document_frames(sents: pd.DataFrame, target: Target) -> pd.Series:
    """``doc_id`` -> the frame most of the document's relevant sentences name (``stance.document_frame``)."""
    if sents.empty:
        return pd.Series(dtype=object)
    rule = document_rule(target)
    rows = sents[["doc_id", "relevance", "frame"]].to_dict(orient="records")
    by_doc: dict[str, list[dict]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append(row)
    return pd.Series({d: document_frame(r, rule, target.frame_none) for d, r in by_doc.items()}, dtype=object)


def evidence_columns(evidence: pd.Series) -> dict[str, pd.Series]:
    """The up to three strongest evidence sentences of each document as flat columns: their indices in
    ``sentences.csv`` (space-separated, strongest first) and their texts."""
    cols = {"evidence_sent_idx": evidence.map(lambda ev: " ".join(str(e["sent_idx"]) for e in ev) or None)}
    for k in (1, 2, 3):
        cols[f"evidence_{k}"] = evidence.map(lambda ev, k=k: _one_line(ev[k - 1]["text"]) if len(ev) >= k else None)
    return cols


def _one_line(text: str) -> str:
    return " ".join(text.split())


def sentences_frame(store: Store) -> pd.DataFrame:
    return store.frame(
        "SELECT t.doc_id, t.sent_idx, t.text, s.relevance, s.stance, s.stance_score, s.frame, "
        "p.speaker_id, p.speaker FROM sentences t "
        "JOIN sentence_stance s ON s.doc_id=t.doc_id AND s.sent_idx=t.sent_idx "
        "LEFT JOIN speakers p ON p.doc_id=t.doc_id AND p.sent_idx=t.sent_idx ORDER BY t.doc_id, t.sent_idx"
    )


def write_csv(df: pd.DataFrame, path: Path) -> tuple[Path, int]:
    tmp = path.with_suffix(".tmp")
    df.to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(path)
    return path, len(df)


def stance_target(settings: Settings) -> Target:
    """The workspace's stance target (``[stance] target``: a workspace folder or a packaged name)."""
    from pipeline.stages.stance import resolve_target

    return load_target(resolve_target(str(settings.section("stance")["target"]), settings.root))


def export_all(
    store: Store, settings: Settings, *, out: Path, freq: str | None = None, parquet: bool = False
) -> list[tuple[Path, int]]:
    """Write every export to ``out``; returns ``(path, rows)`` pairs."""
    from pipeline import tables

    out.mkdir(parents=True, exist_ok=True)
    tgt = stance_target(settings)
    sents = sentences_frame(store)
    docs = documents_frame(store, with_text=True)
    docs["frame"] = docs["doc_id"].map(document_frames(sents, tgt))  # empty where not analysed
    written = [write_csv(docs[DOCUMENT_COLUMNS], out / "documents.csv")]
    jsonl = out / "documents.jsonl"
    with jsonl.open("w", encoding="utf-8") as fh:
        flat = [c for c in DOCUMENT_COLUMNS if c not in _EVIDENCE_COLUMNS]  # evidence stays structured here
        for rec in docs[[*flat, "evidence", "text"]].to_dict(orient="records"):
            fh.write(json.dumps(_clean(rec), ensure_ascii=False) + "\n")
    written.append((jsonl, len(docs)))
    written.append(write_csv(sents[SENTENCE_COLUMNS], out / "sentences.csv"))
    timeline = settings.section("timeline")
    built = tables.analysis_tables(
        store,
        docs,
        sents,
        freq=freq or timeline["freq"],
        dedupe=bool(timeline["dedupe_stories"]),
        relevance_threshold=float(settings.section("stance")["relevance_threshold"]),
        labels=tgt.stance_labels,
        frames=(*[f for f in tgt.frame_labels if f != tgt.frame_none], tgt.frame_none),
    )
    for name, df in built.items():
        written.append(write_csv(df, out / f"{name}.csv"))
    if parquet:
        written += tables.write_parquet(docs, sents, out / "parquet")
    return written


def _clean(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
