"""Fixtures for the collector: a real HTTP site on 127.0.0.1, a store on a tmp SQLite file, fast settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpsite import TestSite

from pipeline.store import Store


@pytest.fixture
def site() -> Iterator[TestSite]:
    s = TestSite().start()
    yield s
    s.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "corpus" / "opentide.sqlite") as s:
        yield s


@pytest.fixture
def fast_settings() -> dict[str, Any]:
    """The [collect] defaults with short timeouts, low caps and no politeness delay (tests only)."""
    return {
        "user_agent": "opentide-tests/0.1 (+https://example.invalid)",
        "timeout_connect": 1.0, "timeout_total": 1.5, "max_bytes": 2_000_000, "max_redirects": 5,
        "retries": 2, "backoff": 0.05, "max_retry_after": 2.0, "per_host_delay": 0.0,
        "per_host_concurrency": 4, "concurrency": 8, "obey_robots": True, "discover_links": False,
        "max_depth": 1, "max_pages": 50, "min_chars": 40, "near_duplicate_threshold": 0.8,
    }  # fmt: skip
