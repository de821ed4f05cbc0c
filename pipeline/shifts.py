"""Change points in the timelines (``shifts.csv``) with ruptures, and the documents that drive each one.

Each series (``net_stance`` per group from the stance timeline; ``endorse_share`` and ``rebut_share`` per group
from the narrative timeline) is taken over the periods where it has data, in order. ``ruptures.Pelt`` with an
L2 cost finds the breaks; the penalty is ``penalty * sigma^2 * log(n)`` where sigma is a robust estimate of the
period-to-period noise (median absolute deviation of the differences, floored at ``min_sigma``), so a flat or
noisy series gives no shift. A break is kept when the mean moves by at least ``min_change``. Series shorter
than ``2 * min_size`` periods are skipped, never an error.

``driving_docs`` are the documents of the first period after the break that push the series furthest in the
direction of the change, relative to the level before it (``(n_open - n_closed) - before * n_relevant`` for
net stance), joined by ``;``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

SHIFT_COLUMNS = ["series", "group", "period", "direction", "size", "before", "after", "driving_docs"]
# series -> (timeline column, counts column of the "hits", counts column of the denominator)
SERIES = {
    "net_stance": ("net_stance", None, "n_relevant"),
    "endorse_share": ("endorse_share", "n_endorse", "n_frame"),
    "rebut_share": ("rebut_share", "n_rebut", "n_frame"),
}


def change_points(values: np.ndarray, *, penalty: float = 3.0, min_size: int = 2, min_sigma: float = 0.02) -> list[int]:
    """Indices where a new segment starts (empty for short or flat series)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2 * min_size or not np.isfinite(values).all():
        return []
    import ruptures

    diffs = np.diff(values)
    sigma = 1.4826 * np.median(np.abs(diffs - np.median(diffs))) / np.sqrt(2)
    sigma = max(float(sigma), min_sigma)
    algo = ruptures.Pelt(model="l2", min_size=min_size, jump=1).fit(values.reshape(-1, 1))
    ends = algo.predict(pen=penalty * sigma**2 * np.log(n))
    return [int(b) for b in ends[:-1]]


def _drivers(
    counts: pd.DataFrame | None, series: str, group: str, period: str, before: float, sign: float, top: int
) -> str:
    if counts is None or counts.empty:
        return ""
    cell = counts[(counts.group == group) & (counts.period == period)]
    _, hits, denom = SERIES[series]
    pushed = (cell.n_open - cell.n_closed) if hits is None else cell[hits]
    effect = sign * (pushed - before * cell[denom])
    order = effect.sort_values(ascending=False, kind="stable")
    ids = cell.loc[order.index[order > 0], "doc_id"].astype(str).tolist()[:top]
    return ";".join(ids)


def detect_shifts(
    stance_timeline: pd.DataFrame,
    narrative_timeline: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
    *,
    penalty: float = 3.0,
    min_size: int = 2,
    min_change: float = 0.1,
    top_docs: int = 3,
) -> pd.DataFrame:
    """Shifts in every series and group. ``counts`` is ``timelines.document_counts(...)`` for the same
    documents and options (used for ``driving_docs``; without it that column is empty)."""
    frames: list[tuple[str, pd.DataFrame]] = [("net_stance", stance_timeline)]
    if narrative_timeline is not None:
        frames += [("endorse_share", narrative_timeline), ("rebut_share", narrative_timeline)]
    rows = []
    for series, frame in frames:
        if frame is None or frame.empty:
            continue
        column = SERIES[series][0]
        for group, sub in frame.sort_values("period").groupby("group", sort=True):
            values = sub[column].to_numpy(dtype=float)
            periods = sub["period"].astype(str).tolist()
            bounds = change_points(values, penalty=penalty, min_size=min_size)
            edges = [0, *bounds, len(values)]
            for i, b in enumerate(bounds):
                before = float(values[edges[i] : b].mean())
                after = float(values[b : edges[i + 2]].mean())
                size = after - before
                if abs(size) < min_change:
                    continue
                rows.append(
                    {
                        "series": series,
                        "group": group,
                        "period": periods[b],
                        "direction": "up" if size > 0 else "down",
                        "size": round(size, 4),
                        "before": round(before, 4),
                        "after": round(after, 4),
                        "driving_docs": _drivers(
                            counts, series, str(group), periods[b], before, np.sign(size), top_docs
                        ),
                    }
                )
    out = pd.DataFrame(rows, columns=SHIFT_COLUMNS)
    logger.info("Found %d shifts.", len(out))
    return out
