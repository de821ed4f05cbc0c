"""``--engine dask``: the nlp stage spread over Dask workers; the driver alone writes to the store.

Each worker builds the spaCy pipeline once (cached per process) and returns plain rows, so the store gets
exactly what the local engine writes. ``scheduler`` is a scheduler address or ``local:N`` for a LocalCluster.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipeline.document import Document
from pipeline.errors import E_SCHEDULER, OpentideError
from pipeline.settings import Settings
from pipeline.stages import nlp as nlp_stage
from pipeline.store import Store

logger = logging.getLogger(__name__)
CONNECT_TIMEOUT = "10s"  # how long to wait for a scheduler that does not answer
_ANNOTATORS: dict[tuple[str, str], nlp_stage.Annotator] = {}


def annotate_batch(docs: list[Document], model: str, aliases: str | None) -> dict[str, Any]:
    key = (model, aliases or "")
    if key not in _ANNOTATORS:
        _ANNOTATORS[key] = nlp_stage.Annotator(model=model, aliases_file=Path(aliases) if aliases else None)
    return _ANNOTATORS[key].annotate(docs)


def client_for(scheduler: str) -> Any:
    from distributed import Client, LocalCluster

    if not logger.isEnabledFor(logging.DEBUG):  # distributed's own INFO lines only with -vv
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if scheduler.startswith("local:"):
        n = int(scheduler.split(":", 1)[1] or 2)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster)
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as err:
        raise OpentideError(E_SCHEDULER.format(address=scheduler, why=err)) from None


def run_nlp_dask(
    store: Store, settings: Settings, doc_ids: list[str], *, scheduler: str, progress: bool = True, batch: int = 16
) -> None:
    if not doc_ids:
        return
    from distributed import as_completed

    analysis, ent = settings.section("analysis"), settings.section("entities")
    aliases = str(settings.path("entities", "aliases_file")) if ent.get("aliases_file") else None
    version = nlp_stage.version(ent, settings.root)
    client = client_for(scheduler)
    try:
        from pipeline.runner import balanced_batches

        workers = max(1, len(client.nthreads()))
        futures = []
        for ids in balanced_batches(store.text_lengths(doc_ids), workers=workers, max_docs=batch):
            docs = [d for d in (store.get_document(x) for x in ids) if d is not None]
            futures.append(client.submit(annotate_batch, docs, analysis["spacy_model"], aliases, pure=False))
        bar = tqdm(total=len(doc_ids), desc="nlp (dask)", unit="doc", disable=not progress or None, leave=False)
        for future in as_completed(futures):
            result = future.result()
            store.write_stage("nlp", version, result)
            bar.update(len(result))
        bar.close()
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
