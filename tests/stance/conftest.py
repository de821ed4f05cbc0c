"""Stance fixtures: the real embedder and packaged heads, loaded once per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from pipeline.embed import Embedder

    return Embedder(cache_dir=tmp_path_factory.mktemp("embeddings"))


@pytest.fixture(scope="session")
def openness_head():  # noqa: ANN201
    from pipeline.stance import load_head

    return load_head("openness")


@pytest.fixture(scope="session")
def shared_dir():  # noqa: ANN201
    from pipeline.stance.data import shared_root

    root = shared_root()
    if not (root / "labels").is_dir():
        pytest.skip(f"shared folder {root} not available")
    return root
