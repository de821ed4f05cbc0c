"""Sidecar manifests: a ``MANIFEST.tsv`` (or ``manifest.csv``, ``metadata.tsv``, ``comment_metadata.json``...) in
a corpus folder that lists files with their title, date, kind, author or URL, as research corpora often ship them.

Each row names a file in a path column (``local_path``, ``path``, ``file`` or ``filename``, relative to the
manifest's folder), or by its stem in an id column (``id``, ``doc_id``: ``NTIA-2023-0009-0156`` for
``texts/NTIA-2023-0009-0156.txt`` anywhere below the manifest). Its other columns fill what the file itself does
not say; column names are matched without case, and ``commenter``, ``organization`` or ``issuer`` count as the
author. The file's own front matter wins, then the manifest, then what is read from the file (HTML metadata, a
dateline, the first line).
"""

from __future__ import annotations

import csv
import json
import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

NAMES = frozenset(f"{stem}.{ext}" for stem in ("manifest", "metadata") for ext in ("tsv", "csv"))
JSON_ENDINGS = ("manifest.json", "metadata.json")  # comment_metadata.json, docs_manifest.json ...
PATH_COLUMNS = ("local_path", "path", "file", "filename")
ID_COLUMNS = ("id", "doc_id", "document_id")
SYNONYMS = {  # manifest column -> the field readers look for
    "commenter": "author", "organization": "author", "organisation": "author", "issuer": "author",
    "submitter": "author", "byline": "author", "datepublished": "published", "source_url": "url",
}  # fmt: skip

Rows = dict[Path, dict[str, str]]


def is_manifest(path: Path) -> bool:
    name = path.name.lower()
    return name in NAMES or name.endswith(JSON_ENDINGS)


def _column(name: str) -> str:
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    return SYNONYMS.get(key, key)


def _load(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        if isinstance(data, dict):  # {"file or id": {...}, ...}
            data = [{"path": k, **v} for k, v in data.items() if isinstance(v, dict)]
        if not isinstance(data, list):
            raise ValueError("neither a list of objects nor an object of objects")
        return [row for row in data if isinstance(row, dict)]
    limit = csv.field_size_limit(sys.maxsize)  # a long abstract column must not stop the read
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ","))
    finally:
        csv.field_size_limit(limit)


def _text(value: Any) -> str:
    return ", ".join(str(v) for v in value).strip() if isinstance(value, list) else str(value).strip()


def read_manifest(path: Path) -> Rows:
    """The rows of one manifest by the resolved path of the file each lists; an unreadable one is skipped."""
    try:
        rows = [{_column(k): _text(v) for k, v in row.items() if k and v is not None} for row in _load(path)]
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as err:
        logger.warning("%s: manifest not read (%s); its files keep their own metadata", path, err)
        return {}
    columns = set().union(*rows) if rows else set()
    key = next((c for c in PATH_COLUMNS + ID_COLUMNS if c in columns), None)
    if key is None:
        if rows:
            names = ", ".join(PATH_COLUMNS + ID_COLUMNS)
            logger.warning("%s: no path or id column (%s); not used as a manifest", path, names)
        return {}
    by_stem = _files_by_stem(path.parent) if key in ID_COLUMNS else {}
    listed: Rows = {}
    for row in rows:
        name = row.pop(key, "")
        fields = {k: v for k, v in row.items() if v and k not in PATH_COLUMNS + ID_COLUMNS}
        files = by_stem.get(name, []) if key in ID_COLUMNS else [(path.parent / name).resolve()] if name else []
        for file in files:
            listed[file] = fields
    logger.info("%s: metadata for %d files", path, len(listed))
    return listed


def _files_by_stem(folder: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for p in folder.rglob("*"):
        if p.is_file() and not is_manifest(p):
            found.setdefault(p.stem, []).append(p.resolve())
    return found


def _names_in(folder: Path) -> list[str]:
    try:
        return [p.name for p in folder.iterdir() if p.is_file() and is_manifest(p)]
    except OSError:  # an unreadable parent folder has no manifest for us
        return []


def find_manifests(paths: Iterable[Path], *, up: int = 3) -> Rows:
    """Every manifest under the given folders, beside the given files and in the ``up`` folders above them (a
    corpus's root manifest when one of its subfolders is ingested), merged; deeper ones win."""
    found: set[Path] = set()
    for path in (p.resolve() for p in paths):
        if path.is_dir():
            found |= {p for p in path.rglob("*") if p.is_file() and is_manifest(p)}
        for folder in list(path.parents)[:up]:  # the folder itself: rglob above; a file's own folder: parents[0]
            found |= {folder / name for name in _names_in(folder)}
    listed: Rows = {}
    for manifest in sorted(found, key=lambda p: len(p.parts)):
        for file, fields in read_manifest(manifest).items():
            listed[file] = {**listed.get(file, {}), **fields}  # a deeper manifest's columns win, the rest stay
    return listed
