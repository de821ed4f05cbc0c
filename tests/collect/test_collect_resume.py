"""A collect killed with SIGKILL mid-crawl resumes: nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from httpsite import TestSite, pages_from_shared, urlset

from pipeline.collect import collect
from pipeline.store import Store

REPO = Path(__file__).resolve().parents[2]
CHILD = """
import json, sys
from pathlib import Path
from pipeline.collect import collect
from pipeline.store import Store
db, raw, url, settings = sys.argv[1:5]
collect(Store(db), urls=[url], settings=json.loads(settings), raw_dir=Path(raw), progress=False)
"""


def test_killed_collect_resumes_without_loss_or_duplicates(
    site: TestSite, shared: Path, tmp_path: Path, fast_settings: dict[str, Any]
) -> None:
    paths = []
    for slug, _, page in pages_from_shared(shared, 16):
        paths.append(f"/news/{slug}")
        site.add(paths[-1], page, delay=0.15)
    sitemap = site.add("/sitemap.xml", urlset(site.base, paths), content_type="application/xml")
    db, raw = tmp_path / "c.sqlite", tmp_path / "raw"
    settings = {**fast_settings, "concurrency": 2, "per_host_concurrency": 2}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(raw), sitemap, json.dumps(settings)], env=env)
    deadline = time.monotonic() + 30
    stored = 0
    while time.monotonic() < deadline and stored < 5:
        time.sleep(0.1)
        if db.exists():
            with Store(db) as peek:
                stored = peek.count("documents")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert 5 <= stored < len(paths), "the child should be killed mid-crawl"
    with Store(db) as store:
        before = store.count("documents")
        report = collect(store, urls=[sitemap], settings=settings, raw_dir=raw, progress=False)
        assert report.failed == 0
        assert store.count("documents") == len(paths)
        assert report.new == len(paths) - before
        assert store.count("locations") == len(paths)
        assert {r["state"] for r in store.query("SELECT state FROM frontier")} == {"done"}
        assert [r["status"] for r in store.last_runs(2)] == ["done", "interrupted"]
