"""What the analysis stages wrote: their rows per document and which version made them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.schema import ANNOTATION_TABLES
from pipeline.store.base import StoreBase, _cell, drop_annotations, now_iso


class StageTables(StoreBase):
    def stage_versions(self, stage: str) -> list[str]:
        """The versions of ``stage``'s output that documents hold."""
        return [r["version"] for r in self.query("SELECT DISTINCT version FROM stage_runs WHERE stage=?", (stage,))]

    def count_without(self, stage: str, *, skip: Iterable[str] = ()) -> int:
        """Documents with no ``stage`` output for their current text, those in ``skip`` aside."""
        rows = self.query(
            "SELECT d.doc_id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM stage_runs s "
            "WHERE s.doc_id=d.doc_id AND s.stage=? AND s.content_hash=d.content_hash)",
            (stage,),
        )
        return len({r["doc_id"] for r in rows} - set(skip))

    def drop_analysis(self, doc_ids: Iterable[str]) -> int:
        """Forget every stage's output for ``doc_ids`` (documents now left out of analysis); returns how many had
        some."""
        analysed = {r["doc_id"] for r in self.query("SELECT DISTINCT doc_id FROM stage_runs")} & set(doc_ids)
        with self.transaction() as cur:
            for doc_id in analysed:
                drop_annotations(cur, doc_id)
        return len(analysed)

    # -- annotations ---------------------------------------------------------------------------------
    def pending(
        self, stage: str, version: str, *, doc_ids: Iterable[str] | None = None, skip: Iterable[str] = ()
    ) -> list[str]:
        """Documents whose ``stage`` output is missing, from another version, or for an older text; of ``doc_ids``
        when given, never those in ``skip``."""
        rows = self.query(
            "SELECT d.doc_id FROM documents d LEFT JOIN stage_runs s ON s.doc_id=d.doc_id AND s.stage=? "
            "WHERE s.doc_id IS NULL OR s.version!=? OR s.content_hash!=d.content_hash ORDER BY d.doc_id",
            (stage, version),
        )
        skipped = set(skip)
        ids = [r["doc_id"] for r in rows if r["doc_id"] not in skipped]
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
