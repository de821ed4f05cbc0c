from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from pipeline.document import Document
from pipeline.errors import StoreError
from pipeline.schema import MIGRATIONS
from pipeline.store import Store

TEXT = "Open-weight models let researchers audit what they run. " * 10


def test_store_creates_schema_with_wal(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.query("PRAGMA journal_mode")[0][0] == "wal"


def test_store_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="Upgrade opentide"):
        Store(path)


def test_store_readd_is_unchanged_and_exact_duplicate_is_linked(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        a = Document.create(TEXT, url="https://a.example/x", title="A")
        assert store.add_document(a).status == "new"
        assert store.add_document(a).status == "unchanged"
        copy = Document.create(TEXT.upper(), url="https://b.example/y")  # same normalised text
        result = store.add_document(copy)
        assert result.status == "duplicate" and result.doc_id == a.doc_id
        assert store.count("documents") == 1
        assert store.doc_for_location("https://b.example/y") == a.doc_id


def test_store_update_changes_text_and_invalidates_stage(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        a = Document.create(TEXT, url="https://a.example/x")
        store.add_document(a)
        store.write_stage(
            "nlp", "1", {a.doc_id: {"sentences": [{"sent_idx": 0, "start": 0, "end": 4, "text": "Open"}]}}
        )
        assert store.pending("nlp", "1") == []
        assert store.pending("nlp", "2") == [a.doc_id]
        changed = Document.create(TEXT + " A correction was added.", url="https://a.example/x")
        assert store.add_document(changed).status == "updated"
        assert store.pending("nlp", "1") == [a.doc_id]
        got = store.get_document(a.doc_id)
        assert got is not None and got.text.endswith("correction was added.")


def test_store_write_stage_replaces_rows(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        a = Document.create(TEXT, path="/x.txt")
        store.add_document(a)
        rows = [{"sent_idx": i, "start": i, "end": i + 1, "text": "x"} for i in range(3)]
        store.write_stage("nlp", "1", {a.doc_id: {"sentences": rows}})
        store.write_stage("nlp", "1", {a.doc_id: {"sentences": rows[:1]}})
        assert store.count("sentences") == 1


def test_store_frontier_and_fetch_state(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        assert store.enqueue(["https://a/1", "https://a/2"], source="s", kind="news") == 2
        assert store.enqueue(["https://a/1"], source="s", kind="news") == 0
        store.mark_url("https://a/1", "done")
        assert [r["url"] for r in store.pending_urls()] == ["https://a/2"]
        store.record_fetch("https://a/1", status=200, etag='"abc"')
        store.record_fetch("https://a/1", status=304)
        rec = store.fetch_record("https://a/1")
        assert rec is not None and rec["status"] == 304 and rec["etag"] == '"abc"'


def test_processes_opening_a_new_store_at_once_migrate_it_once(tmp_path: Path) -> None:
    """The collector's crash test opens the file while a child creates it; neither may trip on the other."""
    for round_ in range(8):
        path = tmp_path / f"race{round_}.sqlite"
        start = threading.Barrier(4)
        errors: list[BaseException] = []

        def open_store(path: Path = path, start: threading.Barrier = start, errors: list = errors) -> None:
            start.wait()
            try:
                Store(path).close()
            except BaseException as err:  # noqa: BLE001 - collected and asserted below
                errors.append(err)

        threads = [threading.Thread(target=open_store) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with Store(path) as store:
            assert store.schema_version == len(MIGRATIONS)


def test_a_run_that_raises_is_recorded_as_failed_or_interrupted(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        with store.recorded_run("ingest") as run:
            run.status, run.stats = "partial", {"new": 1}
        for err in (ValueError("bad model path"), KeyboardInterrupt()):
            with pytest.raises(type(err)), store.recorded_run("analyze") as run:
                run.stats = {"documents": 2}
                raise err
        runs = [(r["command"], r["status"], json.loads(r["stats"])) for r in reversed(store.last_runs())]
    assert runs == [
        ("ingest", "partial", {"new": 1}),
        ("analyze", "failed", {"documents": 2, "error": "ValueError: bad model path"}),
        ("analyze", "interrupted", {"documents": 2, "error": "KeyboardInterrupt: "}),
    ]
