"""The entity exports: ``entities.csv``, ``entity_mentions_monthly.csv`` and ``entity_edges.csv`` from stored
entity rows (pandas in, pandas out; no file I/O)."""

from __future__ import annotations

import pandas as pd

from pipeline.timelines import parse_dates


def entity_tables(
    mentions_df: pd.DataFrame, documents_df: pd.DataFrame, *, scope: str = "sentence"
) -> dict[str, pd.DataFrame]:
    """``entities.csv``, ``entity_mentions_monthly.csv`` and ``entity_edges.csv`` from entity rows.

    ``mentions_df`` holds ``entities`` rows with ``doc_id``; ``documents_df`` has ``doc_id`` and ``published``.
    Edges count co-mention within one sentence (``scope="sentence"``) or one document (``"document"``).
    """
    dates = parse_dates(documents_df.set_index("doc_id")["published"])  # mixed forms: 2024-03, ...T12:59-04:00
    m = mentions_df.assign(published=mentions_df["doc_id"].map(dates))
    entities = (
        m.groupby("entity_id")
        .agg(
            entity=("entity", lambda s: s.mode().iat[0]),
            label=("label", lambda s: s.mode().iat[0]),
            mentions=("doc_id", "size"),
            documents=("doc_id", "nunique"),
            first_seen=("published", "min"),
            last_seen=("published", "max"),
        )
        .reset_index()
        .sort_values(["mentions", "entity_id"], ascending=[False, True])
    )
    for col in ("first_seen", "last_seen"):
        entities[col] = entities[col].dt.strftime("%Y-%m-%d")
    entities = entities[["entity", "entity_id", "label", "mentions", "documents", "first_seen", "last_seen"]]
    dated = m.dropna(subset=["published"])
    monthly = (
        dated.assign(period=dated["published"].dt.strftime("%Y-%m-01"))
        .groupby(["period", "entity_id"])
        .agg(entity=("entity", "first"), mentions=("doc_id", "size"), documents=("doc_id", "nunique"))
        .reset_index()
        .sort_values(["period", "mentions"], ascending=[True, False])
    )[["period", "entity_id", "entity", "mentions", "documents"]]
    return {
        "entities": entities.reset_index(drop=True),
        "entity_mentions_monthly": monthly.reset_index(drop=True),
        "entity_edges": _edges(m, scope),
    }


def _edges(m: pd.DataFrame, scope: str) -> pd.DataFrame:
    if scope not in ("sentence", "document"):
        raise ValueError(f"scope should be 'sentence' or 'document', not {scope!r}")
    unit = ["doc_id", "sent_idx"] if scope == "sentence" else ["doc_id"]
    units = m[[*unit, "entity_id"]].drop_duplicates()
    pairs = units.merge(units, on=unit)
    pairs = pairs[pairs["entity_id_x"] < pairs["entity_id_y"]]
    edges = (
        pairs.groupby(["entity_id_x", "entity_id_y"])
        .agg(weight=("doc_id", "size"), documents=("doc_id", "nunique"))
        .reset_index()
        .rename(columns={"entity_id_x": "source", "entity_id_y": "target"})
        .sort_values(["weight", "source", "target"], ascending=[False, True, True])
        .assign(scope=scope)
    )
    return edges.reset_index(drop=True)
