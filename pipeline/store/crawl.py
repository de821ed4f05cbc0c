"""The collector's state: what each URL answered last (``fetches``) and what is left to fetch (``frontier``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from pipeline.store.base import StoreBase, now_iso


class CrawlTables(StoreBase):
    # -- the collector's state -----------------------------------------------------------------------
    def fetch_record(self, url: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM fetches WHERE url=?", (url,)).fetchone()

    def record_fetch(self, url: str, **values: Any) -> None:
        values = {"url": url, "fetched_at": now_iso(), **values}
        cols = ", ".join(values)
        updates = ", ".join(f"{c}=excluded.{c}" for c in values if c != "url")
        with self.transaction() as cur:
            cur.execute(
                f"INSERT INTO fetches({cols}) VALUES ({', '.join('?' * len(values))}) "
                f"ON CONFLICT(url) DO UPDATE SET {updates}",
                list(values.values()),
            )

    def fetch_records(self, *, with_document: bool = True) -> list[sqlite3.Row]:
        """Fetch rows with an archived raw snapshot (and by default a stored document), to re-extract."""
        cond = "raw_sha256 IS NOT NULL" + (" AND doc_id IS NOT NULL" if with_document else "")
        return self.query(f"SELECT * FROM fetches WHERE {cond} ORDER BY url")  # noqa: S608

    def enqueue(self, urls: Iterable[str], *, source: str | None, kind: str | None, depth: int = 0) -> int:
        """Add URLs to the frontier (already known ones are left as they are); returns how many were new."""
        rows = [(u, source, kind, depth, now_iso()) for u in urls]
        with self.transaction() as cur:
            before = self.conn.total_changes
            cur.executemany(
                "INSERT OR IGNORE INTO frontier(url, source, kind, depth, added_at) VALUES (?,?,?,?,?)", rows
            )
            return self.conn.total_changes - before

    def pending_urls(self, *, source: str | None = None) -> list[sqlite3.Row]:
        if source is None:
            return self.query("SELECT * FROM frontier WHERE state='pending' ORDER BY added_at, url")
        return self.query("SELECT * FROM frontier WHERE state='pending' AND source=? ORDER BY added_at, url", (source,))

    def mark_url(self, url: str, state: str) -> None:
        with self.transaction() as cur:
            cur.execute("UPDATE frontier SET state=?, done_at=? WHERE url=?", (state, now_iso(), url))

    def make_due(self, urls: Iterable[str]) -> None:
        """Make these known URLs pending again (a run that is given them re-checks them conditionally)."""
        with self.transaction() as cur:
            sql = "UPDATE frontier SET state='pending' WHERE url=? AND state!='pending'"
            cur.executemany(sql, [(u,) for u in urls])

    def reset_frontier(self, *, source: str | None = None) -> None:
        """Make done URLs pending again (a new daily collect re-checks them with conditional requests)."""
        with self.transaction() as cur:
            if source is None:
                cur.execute("UPDATE frontier SET state='pending' WHERE state!='pending'")
            else:
                cur.execute("UPDATE frontier SET state='pending' WHERE source=?", (source,))
