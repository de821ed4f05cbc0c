"""The Dask engine on a LocalCluster of 2 workers writes the same annotations as the local engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.ingest.readers import ReadOptions
from pipeline.ingest.run import ingest_paths
from pipeline.runner import run_nlp
from pipeline.settings import load_settings
from pipeline.stages import nlp as nlp_stage
from pipeline.store import Store

pytestmark = pytest.mark.slow
TABLES = {
    "sentences": "doc_id, sent_idx, start, end, text",
    "entities": "doc_id, sent_idx, start, end, text, entity_id, entity, label",
    "speakers": "doc_id, sent_idx, speaker_id, speaker, method",
}


def _annotations(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return {t: [tuple(r) for r in store.query(f"SELECT {cols} FROM {t} ORDER BY {cols}")] for t, cols in TABLES.items()}


def test_dask_engine_matches_local_engine(repo: Path, tmp_path: Path) -> None:
    results = []
    for engine in ("local", "dask"):
        ws = tmp_path / engine
        shutil.copytree(repo / "corpus" / "seed", ws / "corpus" / "seed")
        settings = load_settings(ws)
        with Store(settings.store_path) as store:
            ingest_paths(store, [ws / "corpus" / "seed"], options=ReadOptions(), progress=False)
            pending = store.pending("nlp", nlp_stage.version(settings.section("entities"), settings.root))
            if engine == "local":
                run_nlp(store, settings, pending, progress=False)
            else:
                from pipeline.dask_engine import run_nlp_dask

                run_nlp_dask(store, settings, pending, scheduler="local:2", progress=False, batch=1)
            results.append(_annotations(store))
    local, dask = results
    assert local["sentences"] and local["entities"]
    assert local == dask
