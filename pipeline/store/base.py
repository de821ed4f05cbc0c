"""The store's plumbing: the SQLite connection, WAL mode, schema migrations and transactions.

WAL mode, one transaction per logical change, schema migrations by ``PRAGMA user_version``. A process
killed at any moment leaves either the whole change or none of it, so the next run resumes cleanly.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.errors import E_STORE_NEWER, StoreError
from pipeline.schema import ANNOTATION_TABLES, MIGRATIONS

logger = logging.getLogger(__name__)


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def drop_annotations(cur: sqlite3.Cursor, doc_id: str) -> None:
    """Delete what the analysis stages wrote for ``doc_id``, so that they see it as never analysed."""
    for table in (*ANNOTATION_TABLES, "stage_runs"):
        cur.execute(f"DELETE FROM {table} WHERE doc_id=?", (doc_id,))  # noqa: S608


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return value


class StoreBase:
    """A SQLite file at ``path`` (created and migrated on open); the table mixins build on it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self._use_wal()
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        try:
            self._migrate()
        except BaseException:
            self.conn.close()  # a failed open must not hold a lock that other processes wait on
            raise

    # -- plumbing -------------------------------------------------------------------------------
    def _use_wal(self, tries: int = 100) -> None:
        """WAL mode, which the file keeps. Switching a new file needs it alone, and SQLite answers "locked"
        at once rather than waiting when another process opens it at that moment: try again briefly."""
        for attempt in range(tries):
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or attempt == tries - 1:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        while (version := self.schema_version) < len(MIGRATIONS):
            # executescript manages its own transaction: the migration and its version bump land together.
            try:
                self.conn.executescript(
                    "BEGIN IMMEDIATE;" + MIGRATIONS[version] + f";PRAGMA user_version={version + 1};COMMIT;"
                )
            except sqlite3.OperationalError:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if self.schema_version == version:  # not a race: a real failure
                    raise
                continue  # another process migrated the file between our read and our lock: read again
            logger.debug("store %s migrated to schema %d", self.path, version + 1)
        if version > len(MIGRATIONS):
            raise StoreError(E_STORE_NEWER.format(path=self.path, found=version, supported=len(MIGRATIONS)))

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        """One atomic change. ``executescript`` users manage BEGIN/COMMIT themselves."""
        cur = self.conn.cursor()
        try:
            if not self.conn.in_transaction:
                cur.execute("BEGIN IMMEDIATE")
            yield cur
            if self.conn.in_transaction:
                cur.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()

    def close(self) -> None:
        self.conn.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def frame(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """A query's result as a pandas DataFrame (pandas imported lazily)."""
        import pandas as pd

        return pd.read_sql_query(sql, self.conn, params=list(params))
