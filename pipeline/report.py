"""Figures (matplotlib, rendered by Agg) and a self-contained HTML report from a workspace's results.

The ``plot_*`` functions take the exported DataFrames and return a ``matplotlib.figure.Figure`` built
without pyplot (headless-safe, and shown inline in Jupyter); notebooks call the same functions.
``build_report`` writes ``figures/*.png`` and ``report.html`` (figures embedded as base64 PNG data URIs, no
scripts, no external resources: it opens offline from disk).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    from pipeline.api import Results
    from pipeline.stance.target import Target

logger = logging.getLogger(__name__)

EVENTS_PATH = Path(__file__).with_name("targets") / "openness" / "events.toml"  # the packaged target's
COLOURS = {"open": "#1b7837", "closed": "#b2182b", "neutral": "#888888", "endorse": "#d6604d", "rebut": "#4393c3"}


@dataclass(frozen=True)
class Wording:
    """How figures and the report name the stance axis and the frame: the target's own words."""

    positive: str = "open"
    negative: str = "closed"
    subject: str = "AI openness"
    frame: str = "open AI is not safe"

    @classmethod
    def of(cls, target: Target) -> Wording:
        return cls(target.positive, target.negative, target.name, target.frame_name)

    @classmethod
    def for_workspace(cls, workspace: str | Path) -> Wording:
        """The words of the workspace's ``[stance] target``."""
        from pipeline.export import stance_target
        from pipeline.settings import load_settings

        return cls.of(stance_target(load_settings(workspace)))


def events_for_workspace(workspace: str | Path) -> list[Event]:
    """The events for the workspace's ``[stance] target`` (see :func:`load_events`)."""
    from pipeline.export import stance_target
    from pipeline.settings import load_settings

    return load_events(workspace, stance_target(load_settings(workspace)).folder)


@dataclass(frozen=True)
class Event:
    date: dt.date
    label: str
    note: str = ""


def load_events(workspace: str | Path | None = None, target_folder: str | Path | None = None) -> list[Event]:
    """Events from ``<workspace>/events.toml``, else from the stance target's folder (none when it holds no
    ``events.toml``: another narrative's timeline gets no openness events); with neither given, the packaged
    openness events."""
    places = [Path(p) / "events.toml" for p in (workspace, target_folder) if p is not None]
    path = next((p for p in places if p.is_file()), None if target_folder is not None else EVENTS_PATH)
    if path is None or not path.is_file():
        return []
    with path.open("rb") as fh:
        rows = tomllib.load(fh).get("events", [])
    events = [Event(dt.date.fromisoformat(str(r["date"])[:10]), str(r["label"]), str(r.get("note", ""))) for r in rows]
    return sorted(events, key=lambda e: e.date)


def _empty(ax: Any, what: str) -> None:
    ax.text(0.5, 0.5, f"No {what} yet", ha="center", va="center", transform=ax.transAxes, color="#666")
    ax.set_xticks([])
    ax.set_yticks([])


def _mark_events(ax: Any, events: Sequence[Event], dates: pd.Series) -> None:
    lo, hi = dates.min() - pd.Timedelta(days=45), dates.max() + pd.Timedelta(days=45)
    for ev in events:
        when = pd.Timestamp(ev.date)
        if lo <= when <= hi:
            ax.axvline(when, color="#555", ls="--", lw=0.8)
            ax.text(
                when,
                1.01,
                ev.label,
                rotation=30,
                fontsize=7,
                transform=ax.get_xaxis_transform(),
                ha="left",
                va="bottom",
            )


def _select(frame: pd.DataFrame, group: str) -> pd.DataFrame:
    """One group's rows by date, with an empty row inside each run of periods without data, so that lines break
    there instead of bridging months nobody wrote in."""
    if frame.empty:
        return frame
    sub = frame[frame["group"] == group].copy()
    sub["date"] = pd.to_datetime(sub["period"])
    sub = sub.sort_values("date")
    steps = sub["date"].diff().dropna()
    if steps.empty:
        return sub
    gap = steps > 1.5 * steps.min()
    middles = sub["date"].iloc[1:][gap.to_numpy()] - steps[gap] / 2
    return pd.concat([sub, pd.DataFrame({"date": middles.to_numpy()})]).sort_values("date", kind="stable")


def plot_stance_timeline(
    stance_timeline: pd.DataFrame, *, group: str = "all", events: Sequence[Event] = (), wording: Wording = Wording()
) -> Figure:
    """Per period, the side taken by the sentences that take one (balance, 95% band) and the net stance over all
    relevant sentences (open share - closed share), which neutral sentences pull towards 0."""
    w = wording
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax = fig.subplots()
    sub = _select(stance_timeline, group)
    if sub.empty:
        _empty(ax, f"stance timeline for {group}")
        return fig
    if "balance" in sub:  # outputs exported before the balance columns have only net stance
        ax.fill_between(sub.date, sub.balance_low, sub.balance_high, color="#9ecae1", alpha=0.5,
                        label="95% interval")  # fmt: skip
        ax.plot(
            sub.date,
            sub.balance,
            marker="o",
            color="#08519c",
            label=f"balance of argued sentences ({w.positive} - {w.negative}) / ({w.positive} + {w.negative})",
        )
    ax.plot(sub.date, sub.net_stance, ls="--", color="#636363", lw=1,
            label=f"net stance of all relevant sentences ({w.positive} - {w.negative} share)")  # fmt: skip
    ax.axhline(0, color="#333", lw=0.6)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel(f"{w.negative}  <-  stance  ->  {w.positive}")
    ax.legend(loc="best", fontsize=8)
    _mark_events(ax, events, sub.date)
    return fig


def plot_narrative(
    narrative_timeline: pd.DataFrame, *, group: str = "all", events: Sequence[Event] = (), wording: Wording = Wording()
) -> Figure:
    """Endorse and rebut shares of the frame ("open AI is not safe") per period, events marked."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax = fig.subplots()
    sub = _select(narrative_timeline, group)
    if sub.empty:
        _empty(ax, f"frame sentences for {group}")
        return fig
    ax.fill_between(sub.date, sub.ci_low, sub.ci_high, color=COLOURS["endorse"], alpha=0.15)
    for frame in ("endorse", "rebut"):
        ax.plot(sub.date, sub[f"{frame}_share"], marker="o", color=COLOURS[frame], label=f"{frame} share")
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f'share of "{wording.frame}" sentences')
    ax.legend(loc="best", fontsize=8)
    _mark_events(ax, events, sub.date)
    return fig


def plot_topics(topics_over_time: pd.DataFrame, *, top: int = 8) -> Figure:
    """Stacked shares of the largest topics per period (the rest as "other")."""
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.subplots()
    if topics_over_time.empty:
        _empty(ax, "topics")
        return fig
    tot = topics_over_time.assign(date=pd.to_datetime(topics_over_time["period"]))
    biggest = tot.groupby("topic_id")["count"].sum().nlargest(top).index
    tot["name"] = tot.topic_label.where(tot.topic_id.isin(biggest), "other").fillna("other").astype(str)
    wide = tot.pivot_table(index="date", columns="name", values="share", aggfunc="sum").fillna(0.0)
    ax.stackplot(wide.index, wide.T.to_numpy(), labels=list(wide.columns), alpha=0.85)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of chunks")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    return fig


def actor_summary(actor_stance: pd.DataFrame, *, top: int = 20, min_sentences: int = 2) -> pd.DataFrame:
    """Each actor over all periods: relevant sentences, those taking a side (``argued``), mean stance score and
    ``balance = (n_open - n_closed) / argued``; the ``top`` actors with the most argued sentences (at least
    ``min_sentences``)."""
    cols = ["actor", "n_sentences", "argued", "stance_sum", "mean_stance", "balance"]
    if actor_stance.empty:
        return pd.DataFrame(columns=cols)
    agg = actor_stance.groupby("actor", as_index=False)[["n_sentences", "n_open", "n_closed", "stance_sum"]].sum()
    agg["argued"] = agg.n_open + agg.n_closed
    agg["mean_stance"] = agg.stance_sum / agg.n_sentences
    agg["balance"] = (agg.n_open - agg.n_closed) / agg.argued.where(agg.argued > 0)
    agg = agg[agg.argued >= min_sentences].nlargest(top, "argued")
    return agg.sort_values(["balance", "argued"]).reset_index(drop=True)[cols]


def plot_actors(actor_stance: pd.DataFrame, *, top: int = 20, min_sentences: int = 2,
                wording: Wording = Wording()) -> Figure:  # fmt: skip
    """Actors on a closed (-1) to open (+1) axis by the side their argued sentences take, sized by how many."""
    agg = actor_summary(actor_stance, top=top, min_sentences=min_sentences)
    fig = Figure(figsize=(8, max(2.5, 0.35 * len(agg) + 1)), layout="constrained")
    ax = fig.subplots()
    if agg.empty:
        _empty(ax, "actors with argued sentences")
        return fig
    colours = [COLOURS["open"] if s > 0.2 else COLOURS["closed"] if s < -0.2 else COLOURS["neutral"]
               for s in agg.balance]  # fmt: skip
    ax.scatter(agg.balance, agg.actor, s=20 + 8 * agg.argued.clip(upper=100), c=colours, alpha=0.8)
    ax.axvline(0, color="#333", lw=0.6)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel(f"{wording.negative}  <-  balance of the sentences taking a side  ->  {wording.positive}")
    return fig


def _table(frame: pd.DataFrame) -> str:
    """An HTML table: line breaks inside a cell as spaces (pandas writes them as a literal \\n), missing as blank."""
    shown = frame.astype(object).replace(r"\s*\n\s*", " ", regex=True)
    return shown.where(shown.notna(), "").to_html(index=False, escape=True)


def evidence_table(sentences: pd.DataFrame, documents: pd.DataFrame, *, per_class: int = 5,
                   wording: Wording = Wording()) -> pd.DataFrame:  # fmt: skip
    """The strongest open and closed sentences and those endorsing / rebutting the frame, with their source."""
    cols = ["published", "title", "speaker", "stance", "frame", "stance_score", "text"]
    if sentences.empty:
        return pd.DataFrame(columns=cols)
    meta = documents[["doc_id", "title", "published"]] if not documents.empty else None
    sents = sentences.merge(meta, on="doc_id", how="left") if meta is not None else sentences
    picks = []
    for stance in (wording.positive, wording.negative):
        sub = sents[sents.stance == stance]
        picks.append(sub.loc[sub.stance_score.astype(float).abs().nlargest(per_class).index])
    picks += [sents[sents.frame == f].head(per_class) for f in ("endorse", "rebut")]
    out = pd.concat(picks).drop_duplicates(["doc_id", "sent_idx"])
    return out.reindex(columns=cols).reset_index(drop=True)


def _png(fig: Figure, path: Path) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)  # rendered by Agg; no pyplot, no global backend
    path.write_bytes(buf.getvalue())
    return base64.b64encode(buf.getvalue()).decode("ascii")


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "img{max-width:100%}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
    "padding:4px;vertical-align:top;text-align:left}.note{color:#555}"
)


def build_report(results: Results, out_dir: str | Path, *, events: Sequence[Event] | None = None,
                 wording: Wording = Wording()) -> Path:  # fmt: skip
    """Write ``out_dir/figures/*.png`` and ``out_dir/report.html``; return the HTML path."""
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    events = load_events() if events is None else events
    w = wording
    figures = [
        (
            "stance_timeline",
            f"Who is winning the argument: net stance on {w.subject}",
            plot_stance_timeline(results.stance_timeline, events=events, wording=w),
        ),
        (
            "narrative",
            f'The "{w.frame}" frame: endorsed or rebutted',
            plot_narrative(results.narrative_timeline, events=events, wording=w),
        ),
        ("topics", "What the debate is about: topics over time", plot_topics(results.topics_over_time)),
        ("actors", f"Actors on the {w.negative}-{w.positive} axis", plot_actors(results.actor_stance, wording=w)),
    ]
    parts = [
        f"<h2>{html.escape(title)}</h2><img alt='{name}' src='data:image/png;base64,"
        f"{_png(fig, out / 'figures' / f'{name}.png')}'>"
        for name, title, fig in figures
    ]
    shifts = results.shifts.head(20)
    evidence = evidence_table(results.sentences, results.documents, wording=w)
    n_docs = len(results.documents)
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>opentide report</title>"
        f"<style>{_CSS}</style></head><body><h1>opentide report</h1>"
        f"<p class='note'>{n_docs} documents; generated {dt.date.today().isoformat()}. Events: "
        f"{html.escape(', '.join(f'{e.label} ({e.date})' for e in events))}.</p>{''.join(parts)}"
        "<h2>Shifts</h2>"
        + (_table(shifts) if len(shifts) else "<p>None found.</p>")
        + "<h2>Evidence sentences</h2>"
        + _table(evidence)
        + "</body></html>"
    )
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    logger.info("Wrote %s and %d figures.", path, len(figures))
    return path
