"""Topics over paragraph-sized chunks with BERTopic, from embeddings computed once by ``pipeline.embed``.

Pure functions over the chunks of :mod:`pipeline.stages.chunks`: ``fit_topics`` fits a seeded BERTopic model
(UMAP + HDBSCAN, English and domain stop words from :mod:`pipeline.stages.topic_words`, KeyBERTInspired labels,
outliers reduced) on at most ``sample_size`` chunks and assigns the rest with ``transform``. ``fit_and_assign``
embeds only a bounded sample (the sentence model is the costly part of the stage), fits on it and places every
other chunk by a TF-IDF projection into the same space (:class:`~pipeline.stages.projection.TextProjection`).
Corpora too small for density clustering fall back to KMeans on the raw embeddings, and fewer than ``min_docs``
chunks give one topic, each with a logged message; never a crash. ``topic_prob`` is the cosine similarity of a
chunk (or its projection) to its topic's embedding.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.stages.topic_words import clean_for_words, label_for, vectorizer

logger = logging.getLogger(__name__)

STAGE_VERSION = "topics-1"
KMEANS_BELOW = 150  # fewer chunks than this: KMeans on raw embeddings (HDBSCAN needs density to work with)


@dataclass
class TopicResult:
    """Per-chunk ``topic_ids`` / ``probs`` (aligned with the input chunks) and ``info`` rows
    (``topic_id, label, words, size``). ``model`` is the fitted BERTopic (None for the single-topic fallback)."""

    topic_ids: np.ndarray
    probs: np.ndarray
    info: pd.DataFrame
    method: str
    message: str = ""
    model: Any = field(default=None, repr=False)

    def save(self, path: str | Path, *, embedding_model: str = "") -> bool:
        """Save the model as safetensors (+ c-TF-IDF); returns False when there is no model to save."""
        if self.model is None:
            logger.info("No topic model to save (%s).", self.method)
            return False
        Path(path).mkdir(parents=True, exist_ok=True)
        self.model.save(
            str(path),
            serialization="safetensors",
            save_ctfidf=True,
            save_embedding_model=embedding_model or _default_model(),
        )
        return True


def _default_model() -> str:
    from pipeline.embed import default_model_path

    return default_model_path()


def _build_model(n: int, *, seed: int, kmeans: bool, embedding_model: str) -> Any:
    from bertopic import BERTopic
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.representation import KeyBERTInspired

    if kmeans:
        from sklearn.cluster import KMeans

        k = int(np.clip(round(np.sqrt(n / 3)), 2, 8))
        reducer: Any = BaseDimensionalityReduction()
        cluster: Any = KMeans(n_clusters=k, random_state=seed, n_init=10)
    else:
        from hdbscan import HDBSCAN
        from umap import UMAP

        _cache_umap_jit()

        reducer = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed, n_jobs=1)
        size = int(np.clip(n // 80, 5, 50))
        cluster = HDBSCAN(
            min_cluster_size=size,
            min_samples=max(2, size // 3),
            metric="euclidean",
            cluster_selection_method="eom",
            prediction_data=True,
        )
    return BERTopic(
        embedding_model=embedding_model,
        umap_model=reducer,
        hdbscan_model=cluster,
        vectorizer_model=vectorizer(n),
        representation_model=KeyBERTInspired(random_state=seed),
        top_n_words=10,
        calculate_probabilities=False,
        verbose=False,
    )


def _info(model: Any, topic_ids: np.ndarray) -> pd.DataFrame:
    rows = []
    sizes = pd.Series(topic_ids).value_counts()
    for topic_id in sorted(int(t) for t in model.get_topics()):
        if topic_id == -1 and not sizes.get(-1, 0):
            continue
        words = [w for w, _ in (model.get_topic(topic_id) or []) if w]
        label = "outliers" if topic_id == -1 else label_for(words)
        rows.append(
            {"topic_id": topic_id, "label": label, "words": " ".join(words), "size": int(sizes.get(topic_id, 0))}
        )
    return pd.DataFrame(rows, columns=["topic_id", "label", "words", "size"])


def _similarity(model: Any, topic_ids: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    topic_emb = np.asarray(model.topic_embeddings_, dtype=np.float32)
    topic_emb /= np.linalg.norm(topic_emb, axis=1, keepdims=True) + 1e-12
    rows = topic_ids + int(model._outliers)
    sims = np.einsum("ij,ij->i", embeddings, topic_emb[rows])
    return np.clip(sims, 0.0, 1.0).astype(np.float32)


def _single_topic(chunks: list[str], reason: str) -> TopicResult:
    words: list[str] = []
    try:
        vec = vectorizer(len(chunks))
        counts = np.asarray(vec.fit_transform(chunks).sum(axis=0)).ravel()
        vocab = vec.get_feature_names_out()
        words = [str(vocab[i]) for i in np.argsort(-counts)[:10]]
    except ValueError:  # empty vocabulary
        pass
    row = {"topic_id": 0, "label": label_for(words), "words": " ".join(words), "size": len(chunks)}
    info = pd.DataFrame([row] if chunks else [], columns=list(row))
    logger.warning(reason)
    n = len(chunks)
    return TopicResult(np.zeros(n, dtype=int), np.ones(n, dtype=np.float32), info, "single", reason)


def fit_topics(
    chunks: list[str],
    embeddings: np.ndarray,
    *,
    seed: int = 42,
    min_docs: int = 8,
    sample_size: int = 20000,
    embedding_model: str = "",
) -> TopicResult:
    """Fit topics on ``chunks`` (rows of ``embeddings`` aligned, L2-normalised) and assign every chunk.

    ``embedding_model`` is a local sentence-transformers path (default: the packaged MiniLM); BERTopic uses it
    only to embed candidate label words. Re-running with the same inputs and seed gives the same topics.
    """
    n = len(chunks)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if embeddings.shape[0] != n:
        raise ValueError(f"{n} chunks but {embeddings.shape[0]} embedding rows")
    if n < max(min_docs, 2):
        return _single_topic(chunks, f"Only {n} chunks (< {min_docs}): no topic model, one topic for all.")
    model_path = embedding_model or _default_model()
    rng = np.random.default_rng(seed)
    fit_idx = np.sort(rng.choice(n, size=sample_size, replace=False)) if n > sample_size else np.arange(n)
    method, message = "bertopic-hdbscan", ""
    if len(fit_idx) < KMEANS_BELOW:
        method = "bertopic-kmeans"
        message = f"Small corpus ({n} chunks): KMeans topics instead of HDBSCAN; treat them as rough groups."
    model = _fit(chunks, embeddings, fit_idx, seed=seed, kmeans=method.endswith("kmeans"), path=model_path)
    if method == "bertopic-hdbscan" and len(set(model.topics_) - {-1}) < 2:
        method = "bertopic-kmeans"
        message = f"HDBSCAN found fewer than 2 topics in {len(fit_idx)} chunks: KMeans topics instead."
        model = _fit(chunks, embeddings, fit_idx, seed=seed, kmeans=True, path=model_path)
    if message:
        logger.warning(message)
    topic_ids = np.full(n, -1, dtype=int)
    topic_ids[fit_idx] = model.topics_
    rest = np.setdiff1d(np.arange(n), fit_idx)
    if len(rest):
        predicted, _ = model.transform([chunks[i] for i in rest], embeddings=embeddings[rest])
        topic_ids[rest] = predicted
    if (topic_ids == -1).any():
        before = int((topic_ids == -1).sum())
        topic_ids = _reduce_outliers(model, chunks, topic_ids, embeddings)
        logger.info("Reduced outliers from %d to %d chunks.", before, int((topic_ids == -1).sum()))
    info = _info(model, topic_ids)
    logger.info("Topics: %d (%s) over %d chunks.", int((info.topic_id >= 0).sum()), method, n)
    return TopicResult(topic_ids, _similarity(model, topic_ids, embeddings), info, method, message, model)


def sample_indices(n: int, size: int, seed: int) -> np.ndarray:
    """The sorted, seeded sample of ``size`` out of ``n`` chunk positions (all of them when ``n <= size``)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def fit_and_assign(
    chunks: list[str],
    encode: Callable[[list[str]], np.ndarray],
    *,
    seed: int = 42,
    min_docs: int = 8,
    sample_size: int = 400,
    embedding_model: str = "",
) -> TopicResult:
    """Topics for every chunk, running the sentence model (``encode``) on at most ``sample_size`` of them.

    The model is fitted on the seeded sample; every other chunk gets a stand-in embedding from a TF-IDF
    projection fitted on the sample and joins the topic with the most similar embedding.
    """
    from pipeline.stages.projection import TextProjection

    n = len(chunks)
    fit_idx = sample_indices(n, max(sample_size, min_docs), seed)
    sample = [chunks[i] for i in fit_idx]
    vectors = np.asarray(encode(sample), dtype=np.float32)
    result = fit_topics(
        sample, vectors, seed=seed, min_docs=min_docs, sample_size=len(sample), embedding_model=embedding_model
    )
    if len(fit_idx) == n:
        return result
    rest = np.setdiff1d(np.arange(n), fit_idx)
    topic_ids = np.zeros(n, dtype=int)
    probs = np.ones(n, dtype=np.float32)
    topic_ids[fit_idx], probs[fit_idx] = result.topic_ids, result.probs
    if result.model is not None:
        projected = (
            TextProjection(preprocessor=clean_for_words).fit(sample, vectors).transform([chunks[i] for i in rest])
        )
        ids, sims = assign_topics(result.model, [], projected)
        topic_ids[rest], probs[rest] = ids, sims
        info = _info(result.model, topic_ids)
    else:
        info = result.info.assign(size=n)
    logger.info("Topics fitted on %d of %d chunks; the rest placed by TF-IDF projection.", len(fit_idx), n)
    return TopicResult(topic_ids, probs, info, result.method, result.message, result.model)


def _cache_umap_jit() -> None:
    """Let numba cache the UMAP functions it would otherwise compile again in every process (~10 s a fit)."""
    from numba.core.caching import NullCache
    from umap import distances, layouts, umap_, utils

    # umap-learn >= 0.5.8 compiles the layout epoch as `_nb_...`; older releases jit the function itself
    epoch = getattr(layouts, "_nb_optimize_layout_euclidean_single_epoch", None)
    for fn in (
        utils.fast_knn_indices,
        umap_.smooth_knn_dist,
        umap_.compute_membership_strengths,
        layouts._optimize_layout_euclidean_single_epoch,
        epoch,
        distances.cosine,
    ):
        if isinstance(getattr(fn, "_cache", None), NullCache):
            fn.enable_caching()  # type: ignore[union-attr]


def warm_jit(seed: int = 0) -> float:
    """Compile and cache once what a first topic fit would (pynndescent's import, UMAP's functions): ~20 s that
    every later process then skips. ``scripts/setup.sh`` calls it after installing; returns the seconds taken."""
    import time

    t0 = time.perf_counter()
    from umap import UMAP  # pynndescent compiles (and caches) its functions on import

    _cache_umap_jit()
    points = np.random.default_rng(seed).normal(size=(200, 16)).astype(np.float32)
    UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed, n_jobs=1, n_epochs=20
    ).fit_transform(points)
    return time.perf_counter() - t0


def _reduce_outliers(model: Any, chunks: list[str], topic_ids: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    if model._outliers:
        new = model.reduce_outliers(chunks, topic_ids.tolist(), strategy="embeddings", embeddings=embeddings)
        return np.asarray(new, dtype=int)
    return _nearest_topic(model, topic_ids, embeddings)


def _nearest_topic(model: Any, topic_ids: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    """Outliers (-1) moved to the topic whose embedding is most similar (a loaded model has no HDBSCAN)."""
    out = np.asarray(topic_ids, dtype=int).copy()
    mask = out == -1
    if mask.any():
        topic_emb = np.asarray(model.topic_embeddings_, dtype=np.float32)[int(model._outliers) :]
        out[mask] = np.argmax(embeddings[mask] @ topic_emb.T, axis=1)
    return out


def _fit(chunks: list[str], embeddings: np.ndarray, idx: np.ndarray, *, seed: int, kmeans: bool, path: str) -> Any:
    import random

    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - hdbscan/umap internals read the global state
    model = _build_model(len(idx), seed=seed, kmeans=kmeans, embedding_model=path)
    model.fit([chunks[i] for i in idx], embeddings=embeddings[idx])
    return model


def load_topic_model(path: str | Path, *, embedding_model: str = "") -> Any:
    """Load a model saved by ``TopicResult.save`` (safetensors; nothing pickled)."""
    from bertopic import BERTopic

    return BERTopic.load(str(path), embedding_model=embedding_model or _default_model())


def assign_topics(model: Any, chunks: list[str], embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Topic ids (outliers moved to the nearest topic) and similarities for new chunks, no refit.

    Without ``chunks`` (only embeddings, e.g. projected ones) each row joins its nearest topic directly.
    """
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if not len(embeddings):
        return np.zeros(0, dtype=int), np.zeros(0, dtype=np.float32)
    if chunks:
        predicted = np.asarray(model.transform(list(chunks), embeddings=embeddings)[0], dtype=int)
    else:
        predicted = np.full(len(embeddings), -1, dtype=int)
    ids = _nearest_topic(model, predicted, embeddings)
    return ids, _similarity(model, ids, embeddings)
