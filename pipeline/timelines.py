"""Stance, narrative, topic and actor timelines: pure functions over the store's tables as DataFrames.

Definitions (also in ``pipeline/data/SCHEMA.md``):

* ``period`` is the ISO date (YYYY-MM-DD) of the first day of the month (default), ISO week (Monday) or quarter.
* A sentence is *relevant* when ``relevance >= relevance_threshold`` **or** its stance is not ``neutral``;
  stance shares are over relevant sentences, so ``open + closed + neutral = 1``.
* ``net_stance = open_share - closed_share``; ``ci_low/ci_high`` are a 95% percentile bootstrap interval for it,
  resampling documents (sentences of one document are not independent) or sentences when the cell holds one.
* ``balance = (open - closed) / (open + closed)``: the same among the sentences that take a side (empty when
  none does), with ``balance_low/balance_high`` the wider of the same bootstrap and the Wilson interval of
  ``open / (open + closed)`` (mapped to [-1, 1]), so a cell with one argued sentence is not certain. Where most relevant
  sentences are neutral, ``net_stance`` stays near 0 and ``balance`` shows which side the argued ones take.
* Narrative shares are among sentences whose frame is ``endorse``, ``rebut`` or ``report``; ``ci_low/ci_high``
  are the 95% Wilson score interval of ``endorse_share``.
* Documents without a parseable date are left out; syndicated copies (same ``story_id``) count once (the
  earliest copy) unless ``dedupe=False``. Both are counted in ``TimelineNote``, also on ``df.attrs["note"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

FREQS = {"week": "W-SUN", "month": "M", "quarter": "Q"}
FRAMES = ("endorse", "rebut", "report")
# fmt: off
STANCE_COLUMNS = ["period", "group", "n_documents", "n_sentences", "open_share", "closed_share",
                  "neutral_share", "net_stance", "ci_low", "ci_high", "balance", "balance_low", "balance_high"]
NARRATIVE_COLUMNS = ["period", "group", "n_relevant", "endorse_share", "rebut_share", "report_share",
                     "ci_low", "ci_high"]
TOPIC_COLUMNS = ["period", "topic_id", "topic_label", "count", "share", "open_share", "closed_share"]
ACTOR_COLUMNS = ["period", "actor_id", "actor", "n_documents", "n_sentences", "n_open", "n_closed",
                 "stance_sum", "mean_stance", "net_stance"]
COUNT_COLUMNS = ["group", "period", "doc_id", "n_relevant", "n_open", "n_closed", "n_neutral", "n_frame",
                 "n_endorse", "n_rebut", "n_report"]
# fmt: on


@dataclass
class TimelineNote:
    """What was left out of the timelines and why."""

    n_documents: int = 0
    n_undated: int = 0
    n_syndicated: int = 0
    undated_doc_ids: list[str] = field(default_factory=list)

    def text(self) -> str:
        return (
            f"{self.n_documents} documents: {self.n_undated} undated (left out), "
            f"{self.n_syndicated} syndicated copies counted once"
        )


def to_period(dates: pd.Series, freq: str = "month") -> pd.Series:
    """ISO start date of each date's period (NaN for missing dates)."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, not {freq!r}")
    return parse_dates(dates).dt.to_period(FREQS[freq]).dt.start_time.dt.strftime("%Y-%m-%d")


def parse_dates(dates: pd.Series) -> pd.Series:
    """The publisher's calendar date (``2025-01-31T23:30-05:00`` is 31 January, not 1 February UTC)."""
    text = dates.astype("string").str.strip()
    day = pd.to_datetime(text.str.extract(r"^(\d{4}-\d{2}-\d{2})")[0], errors="coerce", format="%Y-%m-%d")
    other = pd.to_datetime(text.where(day.isna()), errors="coerce", utc=True, format="mixed")
    return day.fillna(other.dt.tz_localize(None).dt.normalize())


def prepare_documents(
    documents: pd.DataFrame, *, freq: str = "month", dedupe: bool = True
) -> tuple[pd.DataFrame, TimelineNote]:
    """Dated documents with a ``period`` column, one copy per story when ``dedupe``; and the note."""
    docs = documents.copy()
    for col in ("kind", "site", "story_id"):
        if col not in docs:
            docs[col] = None
    docs["period"] = to_period(docs["published"], freq)
    undated = docs["period"].isna()
    note = TimelineNote(
        n_documents=len(docs),
        n_undated=int(undated.sum()),
        undated_doc_ids=sorted(docs.loc[undated, "doc_id"].astype(str)),
    )
    docs = docs[~undated]
    if dedupe:
        story = docs["story_id"].where(
            docs["story_id"].notna() & (docs["story_id"].astype(str) != ""), "doc:" + docs["doc_id"].astype(str)
        )
        docs = docs.assign(_story=story, _date=parse_dates(docs["published"]))
        kept = docs.sort_values(["_date", "doc_id"]).drop_duplicates("_story")
        note.n_syndicated = len(docs) - len(kept)
        docs = kept.drop(columns=["_story", "_date"]).sort_values("doc_id")
    if note.n_undated:
        logger.info("Timelines leave out %d undated documents.", note.n_undated)
    return docs.reset_index(drop=True), note


def sentence_frame(
    documents: pd.DataFrame,
    sentence_stance: pd.DataFrame,
    speakers: pd.DataFrame | None = None,
    *,
    freq: str = "month",
    dedupe: bool = True,
    relevance_threshold: float = 0.5,
) -> tuple[pd.DataFrame, TimelineNote]:
    """One row per sentence of a kept document: period, kind, site, actor (speaker), relevant, stance, frame."""
    docs, note = prepare_documents(documents, freq=freq, dedupe=dedupe)
    sents = sentence_stance.merge(docs[["doc_id", "period", "kind", "site"]], on="doc_id", how="inner")
    if speakers is not None and len(speakers):
        spk = speakers[["doc_id", "sent_idx", "speaker_id", "speaker"]].rename(
            columns={"speaker_id": "actor_id", "speaker": "actor"}
        )
        sents = sents.merge(spk, on=["doc_id", "sent_idx"], how="left")
        # Unnamed groups ("critics argue", "some say") keep their speaker in sentences.csv, but are no actor.
        sents["actor"] = sents["actor"].where(sents["actor_id"].notna(), None)
    else:
        sents = sents.assign(actor_id=None, actor=None)
    sents["relevant"] = (sents["relevance"].astype(float) >= relevance_threshold) | (sents["stance"] != "neutral")
    return sents, note


def _with_groups(sents: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    parts = [sents.assign(group="all")]
    for key in by:
        col = {"actor": "actor"}.get(key, key)
        if col not in sents:
            raise ValueError(f"cannot group by {key!r}: no such column")
        sub = sents[sents[col].notna() & (sents[col].astype(str) != "")]
        parts.append(sub.assign(group=f"{key}:" + sub[col].astype(str)))
    return pd.concat(parts, ignore_index=True)


def document_counts(
    documents: pd.DataFrame,
    sentence_stance: pd.DataFrame,
    speakers: pd.DataFrame | None = None,
    *,
    freq: str = "month",
    by: Sequence[str] = ("kind", "site", "actor"),
    dedupe: bool = True,
    relevance_threshold: float = 0.5,
) -> pd.DataFrame:
    """Per (group, period, document) counts of relevant / open / closed / neutral and framed sentences."""
    sents, note = sentence_frame(
        documents, sentence_stance, speakers, freq=freq, dedupe=dedupe, relevance_threshold=relevance_threshold
    )
    rel = sents["relevant"]
    sents = sents.assign(
        n_relevant=rel.astype(int),
        n_open=(rel & (sents.stance == "open")).astype(int),
        n_closed=(rel & (sents.stance == "closed")).astype(int),
        n_neutral=(rel & (sents.stance == "neutral")).astype(int),
        n_frame=sents.frame.isin(FRAMES).astype(int),
        **{f"n_{f}": (sents.frame == f).astype(int) for f in FRAMES},
    )
    long = _with_groups(sents, by)
    counts = long.groupby(["group", "period", "doc_id"], as_index=False)[COUNT_COLUMNS[3:]].sum()
    counts = counts.sort_values(["group", "period", "doc_id"]).reset_index(drop=True)
    counts.attrs["note"] = asdict(note)
    return counts[COUNT_COLUMNS]


def _bootstrap(cell: pd.DataFrame, rng: np.random.Generator, n_boot: int) -> tuple[float, float, float, float]:
    """95% percentile intervals of net stance and of balance (NaN when no draw takes a side)."""
    cell = cell[cell.n_relevant > 0]
    o, c, n = (cell[k].to_numpy(dtype=float) for k in ("n_open", "n_closed", "n_relevant"))
    if len(cell) >= 2:
        idx = rng.integers(0, len(cell), size=(n_boot, len(cell)))
        opens, closeds, totals = o[idx].sum(1), c[idx].sum(1), n[idx].sum(1)
    else:
        total = int(n.sum())
        p = np.array([o.sum(), c.sum(), total - o.sum() - c.sum()]) / total
        draws = rng.multinomial(total, p, size=n_boot)
        opens, closeds, totals = draws[:, 0], draws[:, 1], np.full(n_boot, total)
    lo, hi = np.percentile((opens - closeds) / totals, [2.5, 97.5])
    argued = opens + closeds > 0
    balances = (opens - closeds)[argued] / (opens + closeds)[argued]
    b_lo, b_hi = np.percentile(balances, [2.5, 97.5]) if len(balances) else (np.nan, np.nan)
    return float(lo), float(hi), float(b_lo), float(b_hi)


def wilson(k: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials."""
    if n <= 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def stance_timeline(
    documents: pd.DataFrame,
    sentence_stance: pd.DataFrame,
    speakers: pd.DataFrame | None = None,
    *,
    freq: str = "month",
    by: Sequence[str] = ("kind", "site", "actor"),
    dedupe: bool = True,
    relevance_threshold: float = 0.5,
    min_sentences: int = 1,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Open / closed / neutral shares of relevant sentences per period and group, with CIs for net stance and
    for the balance among the sentences that take a side."""
    counts = document_counts(
        documents, sentence_stance, speakers, freq=freq, by=by, dedupe=dedupe, relevance_threshold=relevance_threshold
    )
    rng = np.random.default_rng(seed)
    rows = []
    for (group, period), cell in counts.groupby(["group", "period"], sort=True):
        n = int(cell.n_relevant.sum())
        if n < max(1, min_sentences):
            continue
        shares = {k: cell[f"n_{k}"].sum() / n for k in ("open", "closed", "neutral")}
        net = shares["open"] - shares["closed"]
        argued = shares["open"] + shares["closed"]
        balance = net / argued if argued else float("nan")
        lo, hi, b_lo, b_hi = _bootstrap(cell, rng, n_boot)
        if argued:  # few argued sentences: the bootstrap of a lone one is certain, the Wilson interval is not
            w_lo, w_hi = wilson(cell.n_open.sum(), cell.n_open.sum() + cell.n_closed.sum())
            b_lo, b_hi = float(np.fmin(b_lo, 2 * w_lo - 1)), float(np.fmax(b_hi, 2 * w_hi - 1))
        rows.append(
            {
                "period": period,
                "group": group,
                "n_documents": int((cell.n_relevant > 0).sum()),
                "n_sentences": n,
                **{f"{k}_share": float(v) for k, v in shares.items()},
                "net_stance": float(net),
                "ci_low": min(lo, net),
                "ci_high": max(hi, net),
                "balance": float(balance),
                "balance_low": float(np.fmin(b_lo, balance)),
                "balance_high": float(np.fmax(b_hi, balance)),
            }
        )
    out = pd.DataFrame(rows, columns=STANCE_COLUMNS)
    out.attrs["note"] = counts.attrs.get("note", {})
    return out


def narrative_timeline(
    documents: pd.DataFrame,
    sentence_stance: pd.DataFrame,
    speakers: pd.DataFrame | None = None,
    *,
    freq: str = "month",
    by: Sequence[str] = ("kind", "site", "actor"),
    dedupe: bool = True,
    relevance_threshold: float = 0.5,
) -> pd.DataFrame:
    """Endorse / rebut / report shares among sentences carrying the frame, with a Wilson CI for endorse."""
    counts = document_counts(
        documents, sentence_stance, speakers, freq=freq, by=by, dedupe=dedupe, relevance_threshold=relevance_threshold
    )
    cells = counts.groupby(["group", "period"], as_index=False)[["n_frame", *[f"n_{f}" for f in FRAMES]]].sum()
    cells = cells[cells.n_frame > 0]
    out = pd.DataFrame({"period": cells.period, "group": cells.group, "n_relevant": cells.n_frame.astype(int)})
    for f in FRAMES:
        out[f"{f}_share"] = cells[f"n_{f}"] / cells.n_frame
    bounds = [wilson(k, n) for k, n in zip(cells.n_endorse, cells.n_frame)]
    out["ci_low"] = [b[0] for b in bounds]
    out["ci_high"] = [b[1] for b in bounds]
    out = out.sort_values(["group", "period"]).reset_index(drop=True)[NARRATIVE_COLUMNS]
    out.attrs["note"] = counts.attrs.get("note", {})
    return out


def topics_over_time(
    documents: pd.DataFrame,
    chunks: pd.DataFrame,
    topic_info: pd.DataFrame,
    sentence_stance: pd.DataFrame | None = None,
    *,
    freq: str = "month",
    dedupe: bool = True,
    relevance_threshold: float = 0.5,
) -> pd.DataFrame:
    """Chunks per topic and period (``share`` of the period's chunks) and the stance of the documents behind
    them: a document's relevant sentences count towards a topic in proportion to its chunks in that topic."""
    docs, note = prepare_documents(documents, freq=freq, dedupe=dedupe)
    ch = chunks[chunks.topic_id.notna()].merge(docs[["doc_id", "period"]], on="doc_id", how="inner")
    ch = ch.assign(topic_id=ch.topic_id.astype(int))
    cells = ch.groupby(["period", "topic_id", "doc_id"], as_index=False).size().rename(columns={"size": "n"})
    cells["weight"] = cells.n / cells.groupby("doc_id").n.transform("sum")
    if sentence_stance is not None and len(sentence_stance):
        st = sentence_stance[
            (sentence_stance.relevance.astype(float) >= relevance_threshold) | (sentence_stance.stance != "neutral")
        ]
        per_doc = (
            st.assign(o=st.stance == "open", c=st.stance == "closed")
            .groupby("doc_id")
            .agg(rel=("stance", "size"), o=("o", "sum"), c=("c", "sum"))
            .reset_index()
        )
        cells = cells.merge(per_doc, on="doc_id", how="left").fillna({"rel": 0, "o": 0, "c": 0})
    else:
        cells = cells.assign(rel=0.0, o=0.0, c=0.0)
    for k in ("rel", "o", "c"):
        cells[k] = cells[k].astype(float) * cells.weight
    out = cells.groupby(["period", "topic_id"], as_index=False).agg(
        count=("n", "sum"), rel=("rel", "sum"), o=("o", "sum"), c=("c", "sum")
    )
    out["share"] = out["count"] / out.groupby("period")["count"].transform("sum")
    denom = out.rel.where(out.rel > 0)
    out["open_share"], out["closed_share"] = out.o / denom, out.c / denom
    labels = dict(zip(topic_info.topic_id.astype(int), topic_info.label.astype(str)))
    out["topic_label"] = out.topic_id.map(labels).fillna("")
    out = out.sort_values(["period", "topic_id"]).reset_index(drop=True)[TOPIC_COLUMNS]
    out.attrs["note"] = asdict(note)
    return out


def actor_stance(
    documents: pd.DataFrame,
    sentence_stance: pd.DataFrame,
    speakers: pd.DataFrame,
    *,
    freq: str = "month",
    dedupe: bool = True,
    relevance_threshold: float = 0.5,
) -> pd.DataFrame:
    """Stance of the relevant sentences each identified actor speaks, per period: counts, the sum of
    ``stance_score`` (towards open positive), its mean, and ``net_stance = (n_open - n_closed) / n_sentences``.

    An actor is a canonical entity or a named author; an unnamed group ("critics argue") is none."""
    sents, note = sentence_frame(
        documents, sentence_stance, speakers, freq=freq, dedupe=dedupe, relevance_threshold=relevance_threshold
    )
    sents = sents[sents.relevant & sents.actor_id.notna()]
    sents = sents.assign(o=sents.stance == "open", c=sents.stance == "closed", score=sents.stance_score.astype(float))
    out = sents.groupby(["period", "actor_id", "actor"], as_index=False).agg(
        n_documents=("doc_id", "nunique"),
        n_sentences=("doc_id", "size"),
        n_open=("o", "sum"),
        n_closed=("c", "sum"),
        stance_sum=("score", "sum"),
    )
    out["mean_stance"] = out.stance_sum / out.n_sentences
    out["net_stance"] = (out.n_open - out.n_closed) / out.n_sentences
    out = out.astype({"n_open": int, "n_closed": int})
    out = out.sort_values(["period", "actor"]).reset_index(drop=True)[ACTOR_COLUMNS]
    out.attrs["note"] = asdict(note)
    return out
