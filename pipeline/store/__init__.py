"""The corpus store: the only code that touches SQLite (``base`` the plumbing, one mixin per group of tables)."""

from __future__ import annotations

from pathlib import Path

from pipeline.store.base import now_iso
from pipeline.store.crawl import CrawlTables
from pipeline.store.documents import AddResult, DocumentTables
from pipeline.store.runs import RunRecord, RunTables
from pipeline.store.stages import StageTables

__all__ = ["AddResult", "RunRecord", "Store", "now_iso", "open_store"]


class Store(DocumentTables, RunTables, CrawlTables, StageTables):
    """A SQLite corpus store at ``path`` (created and migrated on open)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: str | Path) -> Store:
    return Store(path)
