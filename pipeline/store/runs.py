"""Rejected inputs and the runs of each command."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pipeline.store.base import StoreBase, now_iso


@dataclass(slots=True)
class RunRecord:
    """One row of ``runs`` while its command works: set ``status`` and ``stats`` before the block ends."""

    run_id: int
    status: str = "ok"
    stats: dict[str, Any] = field(default_factory=dict)


class RunTables(StoreBase):
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
