"""A run killed with SIGKILL leaves the store consistent; the next run finishes without duplicates."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _corpus(shared: Path, dest: Path, n: int = 120) -> int:
    dest.mkdir()
    sources = sorted((shared / "corpus/smol_ai_ainews_digests").glob("*.md"))[:6]
    sources += sorted((shared / "corpus/whitehouse_briefing_room").rglob("*.md"))
    for i, src in enumerate(sources[:n]):
        (dest / f"{i:03d}.md").write_bytes(src.read_bytes())
    return min(n, len(sources))


def _ingest(ws: Path, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "-w", str(ws), "--no-progress", "ingest", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_ingest_killed_midway_resumes_without_duplicates(shared: Path, workspace: Path) -> None:
    folder = workspace / "in"
    n = _corpus(shared, folder)
    store = workspace / "corpus" / "opentide.sqlite"
    proc = _ingest(workspace, folder)
    deadline = time.time() + 60
    while time.time() < deadline:  # kill once some, not all, documents are in
        if store.exists():
            try:
                with sqlite3.connect(store, timeout=1) as conn:
                    done = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
            if done >= 5:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        partial = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert partial < n, "the run finished before it could be killed; the test needs a bigger corpus"
    second = _ingest(workspace, folder)
    out, err = second.communicate(timeout=300)
    assert second.returncode in (0, 3), err.decode()
    with sqlite3.connect(store) as conn:
        docs = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        dup_hashes = conn.execute(
            "SELECT COUNT(*) FROM (SELECT content_hash FROM documents GROUP BY content_hash HAVING COUNT(*) > 1)"
        ).fetchone()[0]
        locations = conn.execute("SELECT COUNT(*) FROM locations").fetchone()[0]
        rejected = conn.execute("SELECT COUNT(*) FROM rejections").fetchone()[0]
    assert dup_hashes == 0
    assert locations + rejected == n and docs <= n
