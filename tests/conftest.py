"""Shared fixtures: paths to ../shared, a fresh workspace, real models loaded once per session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pipeline.embed import Embedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OPENTIDE_SHARED", REPO.parent / "shared"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SHARED.is_dir():
        skip = pytest.mark.skip(reason=f"../shared not found at {SHARED}")
        for item in items:
            if "shared" in getattr(item, "fixturenames", ()):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def shared() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty workspace folder (the defaults apply: corpus/ and outputs/ inside it)."""
    (tmp_path / "corpus").mkdir()
    return tmp_path


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    from pipeline.embed import Embedder  # loaded here, not when the tests are collected

    return Embedder()
