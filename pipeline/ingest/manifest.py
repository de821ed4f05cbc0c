"""Sidecar manifests: a ``MANIFEST.tsv`` (or ``manifest.csv``, ``metadata.tsv``...) in a corpus folder that lists
files with their title, date, kind, author or URL, as research corpora often ship them.

Each row names a file in a path column (``local_path``, ``path``, ``file`` or ``filename``, relative to the
manifest's folder); its other columns fill what the file itself does not say. The file's own front matter wins,
then the manifest, then what is read from the file (HTML metadata, a dateline, the first line).
"""

from __future__ import annotations

import csv
import logging
import sys
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

NAMES = frozenset(f"{stem}.{ext}" for stem in ("manifest", "metadata") for ext in ("tsv", "csv"))
PATH_COLUMNS = ("local_path", "path", "file", "filename")


def is_manifest(path: Path) -> bool:
    return path.name.lower() in NAMES


def read_manifest(path: Path) -> dict[Path, dict[str, str]]:
    """The rows of one manifest by the resolved path of the file each lists; an unreadable one is skipped."""
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ","))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        logger.warning("%s: manifest not read (%s); its files keep their own metadata", path, err)
        return {}
    column = next((c for c in PATH_COLUMNS if rows and c in rows[0]), None)
    if column is None:
        if rows:
            logger.warning("%s: no path column (%s); not used as a manifest", path, ", ".join(PATH_COLUMNS))
        return {}
    listed: dict[Path, dict[str, str]] = {}
    for row in rows:
        name = (row.get(column) or "").strip()
        if name:
            fields = {k.strip(): v.strip() for k, v in row.items() if k and k != column and v and v.strip()}
            listed[(path.parent / name).resolve()] = fields
    logger.info("%s: metadata for %d files", path, len(listed))
    return listed


def _names_in(folder: Path) -> list[str]:
    try:
        return [p.name for p in folder.iterdir() if p.is_file() and is_manifest(p)]
    except OSError:  # an unreadable parent folder has no manifest for us
        return []


def find_manifests(paths: Iterable[Path], *, up: int = 3) -> dict[Path, dict[str, str]]:
    """Every manifest under the given folders, beside the given files and in the ``up`` folders above them (a
    corpus's root manifest when one of its subfolders is ingested), merged; deeper ones win."""
    found: set[Path] = set()
    for path in (p.resolve() for p in paths):
        if path.is_dir():
            found |= {p for p in path.rglob("*") if p.is_file() and is_manifest(p)}
        for folder in list(path.parents)[:up]:  # the folder itself: rglob above; a file's own folder: parents[0]
            found |= {folder / name for name in _names_in(folder)}
    listed: dict[Path, dict[str, str]] = {}
    for manifest in sorted(found, key=lambda p: len(p.parts)):
        listed.update(read_manifest(manifest))
    return listed
