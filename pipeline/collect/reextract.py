"""Re-extraction from archived raw snapshots: no network, documents keep their ids and sources."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from pipeline.collect.archive import load_raw
from pipeline.collect.extract import extract
from pipeline.errors import InputRejected
from pipeline.ingest.language import LanguagePolicy
from pipeline.store import Store

if TYPE_CHECKING:
    from pipeline.collect.crawler import CollectReport

logger = logging.getLogger(__name__)


def reextract_all(
    store: Store, raw_dir: Path, settings: dict[str, Any], report: CollectReport, *, progress: bool = True
) -> CollectReport:
    min_chars, languages = int(settings.get("min_chars", 40)), LanguagePolicy.from_settings(settings)
    for rec in tqdm(store.fetch_records(), desc="re-extract", unit="doc", disable=not progress):
        url = rec["url"]
        old = store.get_document(rec["doc_id"])
        meta: dict[str, Any] = {
            "source": old.source if old else None, "kind": old.kind if old else None,
            "raw_sha256": rec["raw_sha256"],
        }  # fmt: skip
        try:
            body = load_raw(raw_dir, rec["raw_sha256"])
        except OSError as err:
            store.reject(url, f"raw snapshot {rec['raw_sha256']} missing: {err}", code="reextract")
            report.failed += 1
            continue
        ctype = rec["content_type"] or ""
        charset = ctype.split("charset=")[-1].strip("\"' ") if "charset=" in ctype else None
        fallback = old.published if old and old.date_source != "unknown" else None
        try:
            doc = extract(
                body, content_type=ctype.split(";")[0], charset=charset, url=url, min_chars=min_chars,
                published=fallback, **meta,
            )  # fmt: skip
            notice = languages.notice(doc.language)
        except InputRejected as err:
            store.reject(url, err.reason, code=err.code)
            report.failed += 1
            continue
        result = store.add_document(doc, location=url)
        setattr(report, result.status, getattr(report, result.status) + 1)
        if notice:
            store.reject(url, notice, code="language")
            report.other_language += 1
    logger.info("re-extraction: %s", report.as_dict())
    return report
