"""The documents and the locations (files, URLs) they were read from."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

from pipeline.document import Document
from pipeline.ingest.language import analysed
from pipeline.store.base import StoreBase, drop_annotations, now_iso

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
    cur.execute(
        f"UPDATE documents SET {sets}, updated_at=:stamp WHERE doc_id=:doc_id",  # noqa: S608
        {**new, "stamp": stamp, "doc_id": row["doc_id"]},
    )
    cur.execute("DELETE FROM stage_runs WHERE doc_id=?", (row["doc_id"],))
    return True


def _retire_orphan(cur: sqlite3.Cursor, doc_id: str) -> bool:
    """Delete document ``doc_id`` and its annotations when no location holds it any more."""
    if cur.execute("SELECT 1 FROM locations WHERE doc_id=? LIMIT 1", (doc_id,)).fetchone() is not None:
        return False
    drop_annotations(cur, doc_id)
    cur.execute("UPDATE fetches SET doc_id=NULL WHERE doc_id=?", (doc_id,))
    cur.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
    return True


@dataclass(frozen=True, slots=True)
class AddResult:
    status: str  # new | updated | unchanged | duplicate
    doc_id: str


class DocumentTables(StoreBase):
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

    def outside_languages(self, languages: Sequence[str]) -> list[str]:
        """Documents whose language is not analysed (``languages``; empty: all are), by the rule collect and ingest
        apply: :func:`pipeline.ingest.language.analysed`."""
        if not languages:
            return []
        rows = self.conn.execute("SELECT doc_id, language FROM documents ORDER BY doc_id")
        return [row["doc_id"] for row in rows if not analysed(row["language"], languages)]

    def doc_for_location(self, location: str) -> str | None:
        row = self.conn.execute("SELECT doc_id FROM locations WHERE location=?", (location,)).fetchone()
        return row["doc_id"] if row else None

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608

    def set_story_ids(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Record near-duplicate groups: ``(doc_id, story_id)`` pairs."""
        with self.transaction() as cur:
            cur.executemany("UPDATE documents SET story_id=? WHERE doc_id=?", [(s, d) for d, s in pairs])


def _row_to_doc(row: sqlite3.Row) -> Document:
    values = {c: row[c] for c in _DOC_COLUMNS}
    extra = tuple(sorted(json.loads(row["extra"] or "{}").items()))
    return Document(**values, extra=extra)
