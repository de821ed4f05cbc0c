"""The corpus store: the only module that touches SQLite.

WAL mode, one transaction per logical change, schema migrations by ``PRAGMA user_version``. A process
killed at any moment leaves either the whole change or none of it, so the next run resumes cleanly.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.document import Document
from pipeline.errors import E_STORE_NEWER, StoreError
from pipeline.schema import ANNOTATION_TABLES, MIGRATIONS

logger = logging.getLogger(__name__)

_DOC_COLUMNS = [f.name for f in fields(Document) if f.name != "extra"]
# What a reader or extractor finds beside the text; refreshed when the same file or URL is read again.
_META_COLUMNS = ("title", "author", "site", "published", "date_source", "language", "kind")


def _own_location(row: sqlite3.Row, doc: Document) -> bool:
    """Whether ``doc`` was read from the stored document's own file or URL (not from a copy elsewhere)."""
    return bool(doc.path and row["path"] == doc.path) or bool(doc.url and row["url"] == doc.url)


def _refresh_metadata(cur: sqlite3.Cursor, row: sqlite3.Row, doc: Document, stamp: str) -> bool:
    """The stored document read again from its own location, with the same text but other metadata (an
    edited front matter, a better extractor): update it in place and let analysis redo it (speakers follow
    the author and kind)."""
    new = {c: getattr(doc, c) for c in _META_COLUMNS}
    if all(row[c] == v for c, v in new.items()):
        return False
    sets = ", ".join(f"{c}=:{c}" for c in new)
    cur.execute(f"UPDATE documents SET {sets}, updated_at=:stamp WHERE doc_id=:doc_id",  # noqa: S608
                {**new, "stamp": stamp, "doc_id": row["doc_id"]})
    cur.execute("DELETE FROM stage_runs WHERE doc_id=?", (row["doc_id"],))
    return True


def _retire_orphan(cur: sqlite3.Cursor, doc_id: str) -> bool:
    """Delete document ``doc_id`` and its annotations when no location holds it any more."""
    if cur.execute("SELECT 1 FROM locations WHERE doc_id=? LIMIT 1", (doc_id,)).fetchone() is not None:
        return False
    for table in (*ANNOTATION_TABLES, "stage_runs"):
        cur.execute(f"DELETE FROM {table} WHERE doc_id=?", (doc_id,))  # noqa: S608
    cur.execute("UPDATE fetches SET doc_id=NULL WHERE doc_id=?", (doc_id,))
    cur.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
    return True


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(slots=True)
class RunRecord:
    """One row of ``runs`` while its command works: set ``status`` and ``stats`` before the block ends."""

    run_id: int
    status: str = "ok"
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AddResult:
    status: str  # new | updated | unchanged | duplicate
    doc_id: str


class Store:
    """A SQLite corpus store at ``path`` (created and migrated on open)."""

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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    # -- documents --------------------------------------------------------------------------------
    def add_document(self, doc: Document, *, location: str | None = None) -> AddResult:
        """Insert or update ``doc``; an exact duplicate of a stored text is linked, not stored again."""
        location = location or doc.url or doc.path or doc.doc_id
        stamp = now_iso()
        with self.transaction() as cur:
            same = cur.execute("SELECT * FROM documents WHERE content_hash=?", (doc.content_hash,)).fetchone()
            existing = cur.execute("SELECT content_hash FROM documents WHERE doc_id=?", (doc.doc_id,)).fetchone()
            if same is not None:
                target, own = same["doc_id"], _own_location(same, doc)
                status = "unchanged" if target == doc.doc_id or own else "duplicate"
                if own and _refresh_metadata(cur, same, doc, stamp):
                    status = "updated"
            elif existing is not None:
                self._write_doc(cur, doc, stamp, update=True)
                status, target = "updated", doc.doc_id
            else:
                self._write_doc(cur, doc, stamp, update=False)
                status, target = "new", doc.doc_id
            before = cur.execute("SELECT doc_id FROM locations WHERE location=?", (location,)).fetchone()
            cur.execute(
                "INSERT INTO locations(location, doc_id, first_seen) VALUES (?,?,?) "
                "ON CONFLICT(location) DO UPDATE SET doc_id=excluded.doc_id",
                (location, target, stamp),
            )
            cur.execute("DELETE FROM rejections WHERE location=?", (location,))
            if before is not None and before["doc_id"] != target and _retire_orphan(cur, before["doc_id"]):
                status = "updated"  # the file's old text is replaced, not kept beside the new one
        return AddResult(status, target)

    def forget_locations(self, locations: Iterable[str]) -> int:
        """Drop ``locations`` (files that are gone); a document no other location holds goes with its
        annotations. Returns how many documents went."""
        gone = 0
        with self.transaction() as cur:
            for location in locations:
                row = cur.execute("SELECT doc_id FROM locations WHERE location=?", (location,)).fetchone()
                if row is None:
                    continue
                cur.execute("DELETE FROM locations WHERE location=?", (location,))
                gone += _retire_orphan(cur, row["doc_id"])
        return gone

    def locations_under(self, folder: str) -> list[str]:
        """The stored file locations inside ``folder`` (an absolute path)."""
        prefix = folder.rstrip("/") + "/"
        rows = self.conn.execute("SELECT location FROM locations WHERE substr(location, 1, ?) = ?",
                                 (len(prefix), prefix)).fetchall()  # fmt: skip
        return [r["location"] for r in rows]

    def _write_doc(self, cur: sqlite3.Cursor, doc: Document, stamp: str, *, update: bool) -> None:
        row = {c: getattr(doc, c) for c in _DOC_COLUMNS}
        row["extra"] = json.dumps(doc.meta, sort_keys=True)
        row["updated_at"] = stamp
        if update:
            row.pop("ingested_at")
            sets = ", ".join(f"{c}=:{c}" for c in row if c != "doc_id")
            cur.execute(f"UPDATE documents SET {sets} WHERE doc_id=:doc_id", row)
        else:
            row["ingested_at"] = stamp
            row["story_id"] = doc.doc_id
            cols = ", ".join(row)
            cur.execute(f"INSERT INTO documents({cols}) VALUES ({', '.join(':' + c for c in row)})", row)

    def get_document(self, doc_id: str) -> Document | None:
        row = self.conn.execute("SELECT * FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return _row_to_doc(row) if row else None

    def text_lengths(self, doc_ids: Iterable[str], *, per_query: int = 500) -> dict[str, int]:
        """Characters of text per document, for the given ids that are stored (only their rows are read)."""
        ids = list(dict.fromkeys(doc_ids))
        out: dict[str, int] = {}
        for start in range(0, len(ids), per_query):  # within SQLite's limit on bound parameters
            part = ids[start : start + per_query]
            sql = f"SELECT doc_id, length(text) FROM documents WHERE doc_id IN ({','.join('?' * len(part))})"
            out.update((d, int(n or 0)) for d, n in self.conn.execute(sql, part))
        return out

    def iter_documents(self, *, where: str = "1=1", params: Sequence[Any] = ()) -> Iterator[Document]:
        for row in self.conn.execute(f"SELECT * FROM documents WHERE {where} ORDER BY doc_id", params):
            yield _row_to_doc(row)

    def doc_for_location(self, location: str) -> str | None:
        row = self.conn.execute("SELECT doc_id FROM locations WHERE location=?", (location,)).fetchone()
        return row["doc_id"] if row else None

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608

    def stage_versions(self, stage: str) -> list[str]:
        """The versions of ``stage``'s output that documents hold."""
        return [r["version"] for r in self.query("SELECT DISTINCT version FROM stage_runs WHERE stage=?", (stage,))]

    def count_without(self, stage: str) -> int:
        """Documents with no ``stage`` output for their current text."""
        return int(self.query(
            "SELECT COUNT(*) AS n FROM documents d WHERE NOT EXISTS (SELECT 1 FROM stage_runs s "
            "WHERE s.doc_id=d.doc_id AND s.stage=? AND s.content_hash=d.content_hash)", (stage,))[0]["n"])

    def set_story_ids(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Record near-duplicate groups: ``(doc_id, story_id)`` pairs."""
        with self.transaction() as cur:
            cur.executemany("UPDATE documents SET story_id=? WHERE doc_id=?", [(s, d) for d, s in pairs])

    # -- rejected inputs and runs ------------------------------------------------------------------
    def reject(self, location: str, reason: str, *, code: str = "rejected", run_id: int | None = None) -> None:
        with self.transaction() as cur:
            cur.execute(
                "INSERT INTO rejections(location, code, reason, run_id, at) VALUES (?,?,?,?,?) "
                "ON CONFLICT(location, code) DO UPDATE SET reason=excluded.reason, run_id=excluded.run_id, "
                "at=excluded.at",
                (location, code, reason, run_id, now_iso()),
            )

    def clear_rejection(self, location: str, *, code: str) -> None:
        """Forget a rejection that no longer holds (a missing folder that now exists)."""
        with self.transaction() as cur:
            cur.execute("DELETE FROM rejections WHERE location=? AND code=?", (location, code))

    def rejections(self) -> list[sqlite3.Row]:
        return self.query("SELECT location, code, reason, at FROM rejections ORDER BY at, location")

    def start_run(self, command: str) -> int:
        with self.transaction() as cur:
            cur.execute("INSERT INTO runs(command, started_at) VALUES (?,?)", (command, now_iso()))
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, *, status: str, stats: dict[str, Any]) -> None:
        with self.transaction() as cur:
            cur.execute(
                "UPDATE runs SET finished_at=?, status=?, stats=? WHERE run_id=?",
                (now_iso(), status, json.dumps(stats, sort_keys=True), run_id),
            )

    @contextmanager
    def recorded_run(self, command: str) -> Iterator[RunRecord]:
        """A ``runs`` row for the block: its status when it ends, ``interrupted`` or ``failed`` when it raises."""
        record = RunRecord(self.start_run(command))
        try:
            yield record
        except BaseException as err:
            status = "interrupted" if isinstance(err, KeyboardInterrupt) else "failed"
            stats = {**record.stats, "error": f"{type(err).__name__}: {err}"[:300]}
            self.finish_run(record.run_id, status=status, stats=stats)
            raise
        self.finish_run(record.run_id, status=record.status, stats=record.stats)

    def last_runs(self, n: int = 5) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM runs ORDER BY run_id DESC LIMIT ?", (n,))

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

    # -- annotations ---------------------------------------------------------------------------------
    def pending(self, stage: str, version: str, *, doc_ids: Iterable[str] | None = None) -> list[str]:
        """Documents whose ``stage`` output is missing, from another version, or for an older text."""
        rows = self.query(
            "SELECT d.doc_id FROM documents d LEFT JOIN stage_runs s ON s.doc_id=d.doc_id AND s.stage=? "
            "WHERE s.doc_id IS NULL OR s.version!=? OR s.content_hash!=d.content_hash ORDER BY d.doc_id",
            (stage, version),
        )
        ids = [r["doc_id"] for r in rows]
        if doc_ids is not None:
            wanted = set(doc_ids)
            ids = [i for i in ids if i in wanted]
        return ids

    def write_stage(
        self,
        stage: str,
        version: str,
        results: dict[str, dict[str, list[dict[str, Any]]]],
    ) -> None:
        """Atomically replace ``stage``'s rows for each document: ``{doc_id: {table: [row, ...]}}``."""
        stamp = now_iso()
        with self.transaction() as cur:
            for doc_id, tables in results.items():
                hash_row = cur.execute("SELECT content_hash FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
                if hash_row is None:
                    continue
                for table, rows in tables.items():
                    cols = ANNOTATION_TABLES[table]
                    cur.execute(f"DELETE FROM {table} WHERE doc_id=?", (doc_id,))  # noqa: S608
                    cur.executemany(
                        f"INSERT INTO {table}(doc_id, {', '.join(cols)}) "  # noqa: S608
                        f"VALUES (?, {', '.join('?' * len(cols))})",
                        [(doc_id, *(_cell(r.get(c)) for c in cols)) for r in rows],
                    )
                cur.execute(
                    "INSERT INTO stage_runs(stage, doc_id, version, content_hash, done_at) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(stage, doc_id) DO UPDATE SET version=excluded.version, "
                    "content_hash=excluded.content_hash, done_at=excluded.done_at",
                    (stage, doc_id, version, hash_row["content_hash"], stamp),
                )

    def replace_topic_info(self, rows: Iterable[dict[str, Any]]) -> None:
        with self.transaction() as cur:
            cur.execute("DELETE FROM topic_info")
            cur.executemany(
                "INSERT INTO topic_info(topic_id, label, words, size) VALUES (?,?,?,?)",
                [(r["topic_id"], r["label"], _cell(r["words"]), r["size"]) for r in rows],
            )

    def set_chunk_topics(self, rows: Iterable[tuple[int | None, float | None, str, int]]) -> None:
        """``(topic_id, prob, doc_id, chunk_idx)`` rows."""
        with self.transaction() as cur:
            cur.executemany("UPDATE chunks SET topic_id=?, topic_prob=? WHERE doc_id=? AND chunk_idx=?", rows)

    def frame(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """A query's result as a pandas DataFrame (pandas imported lazily)."""
        import pandas as pd

        return pd.read_sql_query(sql, self.conn, params=list(params))


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _row_to_doc(row: sqlite3.Row) -> Document:
    values = {c: row[c] for c in _DOC_COLUMNS}
    extra = tuple(sorted(json.loads(row["extra"] or "{}").items()))
    return Document(**values, extra=extra)


def open_store(path: str | Path) -> Store:
    return Store(path)
