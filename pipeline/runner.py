"""Run the analysis stages over the store: read what is pending, call the stage's plain function, write back.

Each stage declares a version; a document is re-processed only when its text or the stage changed
(``Store.pending``). Stages: ``nlp`` (sentences, entities, speakers; one spaCy pass), ``stance`` (sentence and
document stance), ``chunks`` + ``topics`` (BERTopic over paragraph chunks, sharing the embedding cache).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator, Sequence, Set
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from pipeline.document import Document
from pipeline.embed import Embedder, autocast, limit_threads
from pipeline.settings import Settings
from pipeline.stages import nlp as nlp_stage
from pipeline.store import Store

logger = logging.getLogger(__name__)
T = TypeVar("T")
BATCH_DOCS = 32
REFIT_SHARE = 0.2  # refit topics when more than this share of chunks is new


def batched(items: Sequence[T], n: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def make_embedder(settings: Settings) -> Embedder:
    a = settings.section("analysis")
    return Embedder(
        a["embedding_model"],
        cache_dir=settings.path("workspace", "cache_dir") / "embeddings",
        batch_size=int(a["batch_size"]),
        threads=int(a["model_threads"]),
        precision=str(a["precision"]),
    )


def analyze(
    store: Store,
    settings: Settings,
    *,
    engine: str | None = None,
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Bring every stage up to date; returns per-stage counts and seconds."""
    analysis = settings.section("analysis")
    engine = engine or analysis["engine"]
    stats: dict[str, Any] = {}
    if force:
        with store.transaction() as cur:
            cur.execute("DELETE FROM stage_runs")
    held = set(store.outside_languages(settings.section("ingest")["languages"]))
    if held:  # stored in a language the models do not read: no stage sees them, earlier results go
        stats["other_language_docs"] = len(held)
        store.drop_analysis(held)
    t0 = time.perf_counter()
    pending = store.pending("nlp", nlp_stage.version(settings.section("entities"), settings.root), skip=held)
    if engine == "dask":
        from pipeline.dask_engine import run_nlp_dask

        run_nlp_dask(store, settings, pending, scheduler=scheduler or analysis["dask_scheduler"], progress=progress)
    else:
        run_nlp(store, settings, pending, progress=progress)
    stats["nlp_docs"], stats["nlp_s"] = len(pending), round(time.perf_counter() - t0, 1)
    limit_threads(int(analysis["model_threads"]))
    embedder = make_embedder(settings)
    t0 = time.perf_counter()
    stats["stance_docs"] = run_stance(store, settings, embedder, held=held, progress=progress)
    stats["stance_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    stats.update(run_topics(store, settings, embedder, held=held, progress=progress))
    stats["topics_s"] = round(time.perf_counter() - t0, 1)
    return stats


def run_nlp(store: Store, settings: Settings, doc_ids: list[str], *, progress: bool = True) -> None:
    """One spaCy pass per pending document; with ``n_process`` > 1, batches go to persistent worker processes.

    Batches are cut by text length, longest documents first, so no worker is left with a long one at the end.
    """
    if not doc_ids:
        return
    analysis, ent_settings = settings.section("analysis"), settings.section("entities")
    aliases = _aliases(settings, ent_settings)
    version = nlp_stage.version(ent_settings, settings.root)
    n_process = max(1, int(analysis["n_process"]))
    bar = tqdm(total=len(doc_ids), desc="nlp", unit="doc", disable=not progress or None, leave=False)
    batches = balanced_batches(store.text_lengths(doc_ids), workers=n_process, max_docs=BATCH_DOCS)
    if n_process > 1 and len(batches) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from pipeline.dask_engine import annotate_batch

        ctx = multiprocessing.get_context("spawn")  # no fork of a parent that may hold threads
        with ProcessPoolExecutor(max_workers=n_process, mp_context=ctx) as pool:
            futures = [
                pool.submit(annotate_batch, _load(store, b), analysis["spacy_model"], str(aliases or ""))
                for b in batches
            ]
            for future in as_completed(futures):
                result = future.result()
                store.write_stage("nlp", version, result)
                bar.update(len(result))
    else:
        annotator = nlp_stage.Annotator(
            model=analysis["spacy_model"], aliases_file=aliases, batch_size=int(analysis["batch_size"])
        )
        for batch in batches:
            store.write_stage("nlp", version, annotator.annotate(_load(store, batch)))
            bar.update(len(batch))
    bar.close()


def balanced_batches(lengths: dict[str, int], *, workers: int, max_docs: int) -> list[list[str]]:
    """Document ids, longest text first, in batches of at most ``max_docs`` documents and about an eighth of
    one worker's share of the text (a longer document is a batch of its own): taken in order, the batches
    keep every worker busy to the end."""
    order = sorted(lengths, key=lambda d: (-lengths[d], d))
    budget = max(1, sum(lengths.values()) // (8 * max(1, workers)))
    batches: list[list[str]] = []
    size = 0
    for doc_id in order:
        if not batches or size + lengths[doc_id] > budget or len(batches[-1]) >= max_docs:
            batches.append([])
            size = 0
        batches[-1].append(doc_id)
        size += lengths[doc_id]
    return batches


def _load(store: Store, doc_ids: Sequence[str]) -> list[Document]:
    return [d for d in (store.get_document(i) for i in doc_ids) if d is not None]


def _aliases(settings: Settings, ent: dict[str, Any]) -> Path | None:
    return settings.path("entities", "aliases_file") if ent.get("aliases_file") else None


def run_stance(
    store: Store, settings: Settings, embedder: Embedder, *, held: Set[str] = frozenset(), progress: bool = True
) -> int:
    from pipeline.stages import stance as stance_stage

    section = settings.section("stance")
    model = stance_stage.StanceStage(
        target=section["target"],
        embedder=embedder,
        workspace=settings.root,
        relevance_threshold=float(section["relevance_threshold"]),
        prefilter_window=int(section.get("prefilter_window", 0)),
    )
    nlp_version = nlp_stage.version(settings.section("entities"), settings.root)
    version = f"{model.version}+{nlp_version}"
    doc_ids = store.pending("stance", version, skip=held)
    bar = tqdm(total=len(doc_ids), desc="stance", unit="doc", disable=not progress or None, leave=False)
    for batch in batched(doc_ids, BATCH_DOCS * 4):
        sentences = _sentences(store, batch)
        store.write_stage("stance", version, model.run(sentences))
        bar.update(len(batch))
    bar.close()
    return len(doc_ids)


def _sentences(store: Store, doc_ids: Sequence[str]) -> dict[str, list[tuple[int, str]]]:
    marks = ",".join("?" * len(doc_ids))
    out: dict[str, list[tuple[int, str]]] = {d: [] for d in doc_ids}
    for row in store.query(
        f"SELECT doc_id, sent_idx, text FROM sentences WHERE doc_id IN ({marks}) ORDER BY doc_id, sent_idx",
        list(doc_ids),
    ):
        out[row["doc_id"]].append((row["sent_idx"], row["text"]))
    return out


def run_topics(
    store: Store, settings: Settings, embedder: Embedder, *, held: Set[str] = frozenset(), progress: bool = True
) -> dict[str, Any]:
    from pipeline.stages import topics as topic_stage
    from pipeline.stages.chunks import chunk_document

    section = settings.section("topics")
    version = f"{topic_stage.STAGE_VERSION}-w{section['chunk_words']}"
    new_docs = store.pending("chunks", version, skip=held)
    for batch in batched(new_docs, BATCH_DOCS * 4):
        results = {}
        for doc in _load(store, batch):
            chunks = chunk_document(doc.text, words=int(section["chunk_words"]))
            results[doc.doc_id] = {"chunks": [{"chunk_idx": i, "text": c} for i, c in enumerate(chunks)]}
        store.write_stage("chunks", version, results)
    rows = store.query("SELECT doc_id, chunk_idx, text, topic_id FROM chunks ORDER BY doc_id, chunk_idx")
    todo = [r for r in rows if r["topic_id"] is None]
    if not todo:
        return {"topic_chunks": 0}
    model_dir = settings.path("workspace", "cache_dir") / "topics"
    if (model_dir / "topics.json").is_file() and len(todo) <= REFIT_SHARE * len(rows):
        # a few new documents: assign their chunks with the saved model, no refit
        model = topic_stage.load_topic_model(model_dir, embedding_model=embedder.model_path)
        ids, probs = topic_stage.assign_topics(
            model, [r["text"] for r in todo], embedder.encode([r["text"] for r in todo])
        )
        store.set_chunk_topics((int(t), float(p), r["doc_id"], r["chunk_idx"]) for t, p, r in zip(ids, probs, todo))
        return {"topic_chunks": len(todo), "topic_method": "assigned"}
    texts = [r["text"] for r in rows]
    limit_threads(int(settings.section("analysis")["model_threads"]))
    with autocast(embedder.precision):  # BERTopic's own pass over the topic words too
        result = topic_stage.fit_and_assign(
            texts,
            embedder.encode,
            seed=int(section["seed"]),
            min_docs=int(section["min_docs"]),
            sample_size=int(section["sample_size"]),
            embedding_model=embedder.model_path,
        )
    shutil.rmtree(model_dir, ignore_errors=True)  # a fallback fit saves no model: never keep a stale one
    result.save(model_dir, embedding_model=embedder.model_path)
    store.set_chunk_topics(
        (int(t), float(p), r["doc_id"], r["chunk_idx"]) for t, p, r in zip(result.topic_ids, result.probs, rows)
    )
    store.replace_topic_info(result.info.to_dict(orient="records"))
    return {"topic_chunks": len(rows), "topics": int((result.info.topic_id >= 0).sum()), "topic_method": result.method}
