"""One call for notebooks and scripts: a workspace's exported results as pandas DataFrames.

>>> from pipeline.api import load_results
>>> results = load_results("path/to/workspace")
>>> results.stance_timeline.query("group == 'all'")

The files and their columns are documented in ``pipeline/data/SCHEMA.md`` (``opentide export --schema``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from pipeline.errors import OpentideError

logger = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).with_name("data") / "SCHEMA.md"
# CSVs the analysis always writes; a missing one means export (or the run) has not happened yet.
REQUIRED = (
    "documents",
    "sentences",
    "stance_timeline",
    "narrative_timeline",
    "topics_over_time",
    "shifts",
    "actor_stance",
)
OPTIONAL = ("entities", "entity_mentions_monthly", "entity_edges")
_TEXT_COLUMNS = {
    "doc_id",
    "story_id",
    "entity_id",
    "actor_id",
    "driving_docs",
    "period",
    "published",
    "first_seen",
    "last_seen",
    "speaker",
    "group",
    "site",
    "kind",
    "evidence_sent_idx",
}

E_RESULTS_MISSING = (
    "No {name} in {outputs}. Run `opentide run --workspace {workspace}` (or `opentide analyze` then "
    "`opentide export`) to write the results first."
)


class ResultsMissing(OpentideError, FileNotFoundError):
    """A results file the API needs is not in the workspace's outputs folder."""


@dataclass
class Results:
    """The exported results of one workspace, one DataFrame per CSV (see ``pipeline/data/SCHEMA.md``)."""

    documents: pd.DataFrame
    sentences: pd.DataFrame
    stance_timeline: pd.DataFrame
    narrative_timeline: pd.DataFrame
    topics_over_time: pd.DataFrame
    shifts: pd.DataFrame
    actor_stance: pd.DataFrame
    entities: pd.DataFrame
    entity_mentions_monthly: pd.DataFrame
    entity_edges: pd.DataFrame
    outputs: Path

    def __repr__(self) -> str:
        sizes = ", ".join(f"{f.name}={len(getattr(self, f.name))}" for f in fields(self) if f.name != "outputs")
        return f"Results({self.outputs}: {sizes})"


def schema_text() -> str:
    """The schema document, as printed by ``opentide export --schema``."""
    return SCHEMA_PATH.read_text(encoding="utf-8")


def csv_columns() -> dict[str, list[str]]:
    """Documented columns of every exported file, keyed by its stem (``stance_timeline``)."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in schema_text().splitlines():
        heading = re.match(r"^## (\S+)\.(csv|jsonl)\s*$", line)
        if heading:
            current = heading.group(1) + ("" if heading.group(2) == "csv" else ".jsonl")
            out[current] = []
            continue
        cell = re.match(r"^\| ([a-z][a-z0-9_]*) \|", line)
        if current and cell and cell.group(1) != "column":
            out[current].append(cell.group(1))
    return out


def _outputs(workspace: Path) -> Path:
    try:
        from pipeline.settings import load_settings

        return load_settings(workspace).outputs
    except OpentideError as err:  # a broken settings file: say so, but the default folder may still work
        logger.warning("%s; reading %s/outputs", err, workspace)
        return workspace / "outputs"


def _read(path: Path, name: str) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns
    frame = pd.read_csv(path, dtype={c: "string" for c in header if c in _TEXT_COLUMNS})
    missing = [c for c in csv_columns().get(name, []) if c not in frame.columns]
    if missing:
        logger.warning("%s lacks documented columns %s (an older export?)", path.name, missing)
    return frame


def load_results(workspace: str | Path = ".") -> Results:
    """Read ``<workspace>/outputs/*.csv`` (or the ``[workspace] outputs`` folder set in ``opentide.toml``).

    A missing required file raises ``ResultsMissing`` naming it and the command that writes it; the entity
    files are optional and come back empty (with their documented columns) when entities were not exported.
    """
    root = Path(workspace).expanduser().resolve()
    outputs = _outputs(root)
    frames: dict[str, pd.DataFrame] = {}
    for name in REQUIRED + OPTIONAL:
        path = outputs / f"{name}.csv"
        if path.is_file():
            frames[name] = _read(path, name)
        elif name in REQUIRED:
            raise ResultsMissing(E_RESULTS_MISSING.format(name=path.name, outputs=outputs, workspace=root))
        else:
            logger.info("No %s in %s; using an empty table.", path.name, outputs)
            frames[name] = pd.DataFrame(columns=csv_columns().get(name, []))
    return Results(outputs=outputs, **frames)
