"""The store's schema as ordered migrations. ``PRAGMA user_version`` records how many have run.

Annotation tables are keyed by ``doc_id``; ``stage_runs`` records which stage version and content hash
produced them, so a changed stage or a changed document re-runs only what it must.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: documents, where they came from, rejected inputs, runs
    """
    CREATE TABLE documents (
        doc_id TEXT PRIMARY KEY,
        url TEXT, path TEXT, title TEXT, author TEXT, site TEXT,
        published TEXT, date_source TEXT NOT NULL DEFAULT 'unknown',
        language TEXT, kind TEXT, source TEXT,
        text TEXT NOT NULL, content_hash TEXT NOT NULL, raw_sha256 TEXT,
        story_id TEXT, extra TEXT NOT NULL DEFAULT '{}',
        ingested_at TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX documents_content_hash ON documents(content_hash);
    CREATE INDEX documents_published ON documents(published);
    CREATE TABLE locations (
        location TEXT PRIMARY KEY,          -- a canonical URL or an absolute file path (with #line for jsonl)
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        first_seen TEXT NOT NULL
    );
    CREATE INDEX locations_doc ON locations(doc_id);
    CREATE TABLE rejections (
        location TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL,
        run_id INTEGER, at TEXT NOT NULL,
        PRIMARY KEY (location, code)
    );
    CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY AUTOINCREMENT,
        command TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running', stats TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # 2: the collector's state: one row per fetched URL (validators for conditional requests) and a frontier
    """
    CREATE TABLE fetches (
        url TEXT PRIMARY KEY, final_url TEXT, status INTEGER, content_type TEXT,
        etag TEXT, last_modified TEXT, raw_sha256 TEXT, doc_id TEXT,
        fetched_at TEXT NOT NULL, error TEXT
    );
    CREATE TABLE frontier (
        url TEXT PRIMARY KEY, source TEXT, kind TEXT, depth INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'pending', added_at TEXT NOT NULL, done_at TEXT
    );
    CREATE INDEX frontier_state ON frontier(state);
    """,
    # 3: annotations, each keyed by document (and sentence), with the stage run that made them
    """
    CREATE TABLE stage_runs (
        stage TEXT NOT NULL, doc_id TEXT NOT NULL, version TEXT NOT NULL,
        content_hash TEXT NOT NULL, done_at TEXT NOT NULL,
        PRIMARY KEY (stage, doc_id)
    );
    CREATE TABLE sentences (
        doc_id TEXT NOT NULL, sent_idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        text TEXT NOT NULL, PRIMARY KEY (doc_id, sent_idx)
    );
    CREATE TABLE entities (
        doc_id TEXT NOT NULL, sent_idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
        text TEXT NOT NULL, entity_id TEXT NOT NULL, entity TEXT NOT NULL, label TEXT NOT NULL
    );
    CREATE INDEX entities_doc ON entities(doc_id);
    CREATE TABLE speakers (
        doc_id TEXT NOT NULL, sent_idx INTEGER NOT NULL, speaker_id TEXT, speaker TEXT, method TEXT NOT NULL,
        PRIMARY KEY (doc_id, sent_idx)
    );
    CREATE TABLE sentence_stance (
        doc_id TEXT NOT NULL, sent_idx INTEGER NOT NULL, relevance REAL NOT NULL,
        stance TEXT NOT NULL, stance_score REAL NOT NULL, frame TEXT NOT NULL,
        p_open REAL, p_closed REAL, p_neutral REAL,
        PRIMARY KEY (doc_id, sent_idx)
    );
    CREATE TABLE document_stance (
        doc_id TEXT PRIMARY KEY, stance TEXT NOT NULL, stance_score REAL NOT NULL,
        n_relevant INTEGER NOT NULL, evidence TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE chunks (
        doc_id TEXT NOT NULL, chunk_idx INTEGER NOT NULL, text TEXT NOT NULL,
        topic_id INTEGER, topic_prob REAL, PRIMARY KEY (doc_id, chunk_idx)
    );
    CREATE TABLE topic_info (
        topic_id INTEGER PRIMARY KEY, label TEXT NOT NULL, words TEXT NOT NULL, size INTEGER NOT NULL
    );
    """,
]

# Annotation tables a stage may write, with the columns it provides (doc_id is added by the store).
ANNOTATION_TABLES: dict[str, tuple[str, ...]] = {
    "sentences": ("sent_idx", "start", "end", "text"),
    "entities": ("sent_idx", "start", "end", "text", "entity_id", "entity", "label"),
    "speakers": ("sent_idx", "speaker_id", "speaker", "method"),
    "sentence_stance": (
        "sent_idx",
        "relevance",
        "stance",
        "stance_score",
        "frame",
        "p_open",
        "p_closed",
        "p_neutral",
    ),
    "document_stance": ("stance", "stance_score", "n_relevant", "evidence"),
    "chunks": ("chunk_idx", "text", "topic_id", "topic_prob"),
}
