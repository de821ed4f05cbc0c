"""The Dask engine (LocalCluster of 2 workers) and the local process pool write what one process writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import runner
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


def test_dask_engine_and_process_pool_match_one_process(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "BATCH_DOCS", 1)  # one batch per document, so the pool has work to spread
    results = []
    for engine in ("local", "pool", "dask"):
        ws = tmp_path / engine
        shutil.copytree(repo / "corpus" / "seed", ws / "corpus" / "seed")
        settings = load_settings(ws, overrides={"analysis": {"n_process": 2 if engine == "pool" else 1}})
        with Store(settings.store_path) as store:
            ingest_paths(store, [ws / "corpus" / "seed"], options=ReadOptions(), progress=False)
            pending = store.pending("nlp", nlp_stage.version(settings.section("entities"), settings.root))
            if engine in ("local", "pool"):
                run_nlp(store, settings, pending, progress=False)
            else:
                from pipeline.dask_engine import run_nlp_dask

                run_nlp_dask(store, settings, pending, scheduler="local:2", progress=False, batch=1)
            results.append(_annotations(store))
    local, pool, dask = results
    assert local["sentences"] and local["entities"]
    assert local == pool == dask


def test_an_unreachable_scheduler_is_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import dask_engine
    from pipeline.errors import OpentideError

    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", "2s")
    with pytest.raises(OpentideError, match=r"Cannot reach the Dask scheduler at tcp://127.0.0.1:1 .*local:N"):
        dask_engine.client_for("tcp://127.0.0.1:1")
