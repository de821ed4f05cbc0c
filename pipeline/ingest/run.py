"""``ingest_paths``: read files with a :class:`Reader` and add them to the store, recording every rejection."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipeline.ingest.language import LanguagePolicy
from pipeline.ingest.manifest import find_manifests
from pipeline.ingest.readers import Reader, ReadOptions, iter_files
from pipeline.store import Store

logger = logging.getLogger(__name__)


@dataclass
class IngestReport:
    counts: Counter[str] = field(default_factory=Counter)  # new, updated, unchanged, duplicate, rejected
    rejected: list[tuple[str, str]] = field(default_factory=list)
    other_language: list[tuple[str, str]] = field(default_factory=list)  # stored, left out of analysis: notices
    doc_ids: list[str] = field(default_factory=list)
    files: int = 0  # files read
    other_types: Counter[str] = field(default_factory=Counter)  # files in the folders of no known type, by suffix
    other_files: list[str] = field(default_factory=list)  # those files
    gone: list[str] = field(default_factory=list)  # stored files of the folders that no longer exist

    @property
    def ok(self) -> bool:
        return not self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {**self.counts, "rejected": len(self.rejected), "other_language": len(self.other_language)}


def read_options(section: dict[str, Any], *, source: str | None = None) -> ReadOptions:
    return ReadOptions(
        max_bytes=int(section["max_bytes"]),
        min_chars=int(section["min_chars"]),
        default_kind=str(section["default_kind"]),
        languages=LanguagePolicy.from_settings(section),
        kind_by_path=dict(section.get("kind_by_path", {})),
        source=source,
    )


def ingest_paths(
    store: Store, paths: list[Path], *, options: ReadOptions, run_id: int | None = None, progress: bool = True
) -> IngestReport:
    """Ingest files and folders. Each document is its own transaction, so a killed run resumes cleanly."""
    report = IngestReport()
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        reason = f"{p}: no such file or folder"
        store.reject(str(p.resolve()), reason, code="missing", run_id=run_id)
        report.rejected.append((str(p), reason))
        logger.info(reason)  # the summary lists it
    present = [p for p in paths if p.exists()]
    for p in present:
        store.clear_rejection(str(p.resolve()), code="missing")
    files = list(iter_files(present, skipped=report.other_types, skipped_names=report.other_files))
    report.files = len(files)
    reader = Reader(options, listed=find_manifests(present))
    read: set[str] = set()
    for path in tqdm(files, desc="ingest", unit="file", disable=not progress or None, leave=False):
        for item in reader.read(path):
            read.add(item.location)
            if item.doc is None:
                reason = item.reason or "rejected"
                store.reject(item.location, reason, code=item.code, run_id=run_id)
                report.rejected.append((item.location, reason))
                report.counts["rejected"] += 1
                logger.info("rejected %s", reason)  # the summary lists it
                continue
            result = store.add_document(item.doc, location=item.location)
            report.counts[result.status] += 1
            report.doc_ids.append(result.doc_id)
            if item.notice:  # after add_document, which clears the location's earlier rejections
                store.reject(item.location, item.notice, code="language", run_id=run_id)
                report.other_language.append((item.location, item.notice))
                logger.info("kept, not analysed: %s", item.notice)  # the summary lists it
    _forget_gone(store, [p for p in present if p.is_dir()], read, report)
    return report


def _forget_gone(store: Store, folders: list[Path], read: set[str], report: IngestReport) -> None:
    """Files (or .jsonl lines) stored from these folders that are no longer there leave the corpus; a file that
    is still there but now rejected as a whole keeps its stored documents (its lines too)."""
    for folder in folders:
        stored = store.locations_under(str(folder.resolve()))
        report.gone += [loc for loc in stored if loc not in read and loc.rsplit("#L", 1)[0] not in read]
    if report.gone:
        report.counts["removed"] += store.forget_locations(report.gone)
        logger.info("%d stored files are gone from %s", len(report.gone), ", ".join(map(str, folders)))
