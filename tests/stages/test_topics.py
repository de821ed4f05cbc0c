"""Topics on real chunks from ../shared/corpus with the packaged embedder (slow), and the small-corpus paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.stages.chunks import chunk_document
from pipeline.stages.topic_words import DOMAIN_STOP_WORDS
from pipeline.stages.topics import (
    STAGE_VERSION,
    TopicResult,
    _cache_umap_jit,
    assign_topics,
    fit_and_assign,
    fit_topics,
    load_topic_model,
    sample_indices,
    warm_jit,
)


def corpus_chunks(shared: Path, *, per_doc: int = 5, limit: int = 165) -> list[str]:
    """Paragraph chunks from White House texts and op-eds (a few per document, so topics vary)."""
    corpus = shared / "corpus"
    files = sorted((corpus / "whitehouse_briefing_room").rglob("*.md"))[:28]
    files += sorted((corpus / "interconnects_op_eds").glob("*.md")) + sorted(
        (corpus / "astral_codex_ten_op_eds").glob("*.md")
    )
    chunks: list[str] = []
    for path in files:
        chunks += chunk_document(path.read_text(encoding="utf-8"))[1 : per_doc + 1]  # skip the front matter
    return chunks[:limit]


@pytest.fixture(scope="module")
def real(shared: Path, embedder: Any) -> tuple[list[str], np.ndarray, TopicResult]:
    chunks = corpus_chunks(shared)
    embeddings = embedder.encode(chunks)
    return chunks, embeddings, fit_topics(chunks, embeddings, seed=42)


def test_chunks_are_paragraph_sized_and_keep_every_word(shared: Path) -> None:
    text = (shared / "seeds" / "003_20b34d133ca93e8d.txt").read_text(encoding="utf-8")
    chunks = chunk_document(text, words=120)
    sizes = [len(c.split()) for c in chunks]
    assert len(chunks) >= 8
    assert max(sizes) <= 2 * 120 + 60 and sum(s >= 40 for s in sizes) >= len(sizes) - 1
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_chunk_document_edge_cases() -> None:
    assert chunk_document("") == []
    assert chunk_document("One short line.") == ["One short line."]
    long_para = " ".join(f"Sentence number {i} is here." for i in range(100))
    assert len(chunk_document(long_para, words=50)) >= 7


def test_fewer_chunks_than_min_docs_give_one_topic_with_message() -> None:
    chunks = ["Open-weight models help researchers.", "Closed models keep weights private."]
    result = fit_topics(chunks, np.eye(2, 384, dtype=np.float32), min_docs=8)
    assert result.method == "single" and "no topic model" in result.message
    assert list(result.topic_ids) == [0, 0] and list(result.info.columns) == ["topic_id", "label", "words", "size"]
    assert result.save("unused") is False
    assert STAGE_VERSION


def test_mismatched_embeddings_are_an_error() -> None:
    with pytest.raises(ValueError, match="embedding rows"):
        fit_topics(["a", "b"], np.zeros((3, 384), dtype=np.float32))


@pytest.mark.slow
def test_four_seed_documents_give_topics_not_a_crash(shared: Path, embedder: Any) -> None:
    chunks = [c for p in sorted((shared / "seeds").glob("*.txt")) for c in chunk_document(p.read_text("utf-8"))]
    result = fit_topics(chunks, embedder.encode(chunks))
    assert result.method == "bertopic-kmeans" and "Small corpus" in result.message
    assert len(result.topic_ids) == len(chunks) and (result.topic_ids >= 0).all()
    assert 2 <= len(result.info) <= 8 and int(result.info["size"].sum()) == len(chunks)


@pytest.mark.slow
def test_real_chunks_give_readable_seeded_topics(real: tuple[list[str], np.ndarray, TopicResult]) -> None:
    chunks, embeddings, result = real
    assert result.method == "bertopic-hdbscan"
    topics = result.info[result.info.topic_id >= 0]
    assert len(topics) >= 5
    assert (result.topic_ids >= 0).all(), "outliers are reduced"
    assert ((result.probs >= 0) & (result.probs <= 1)).all()
    for label in topics.label:
        words = {w for part in label.split(", ") for w in part.split()}
        assert words and not words & DOMAIN_STOP_WORDS and "/" not in label
    again = fit_topics(chunks, embeddings, seed=42)
    assert (again.topic_ids == result.topic_ids).all() and list(again.info.label) == list(result.info.label)


@pytest.mark.slow
def test_fit_on_sample_assigns_the_rest(real: tuple[list[str], np.ndarray, TopicResult]) -> None:
    chunks, embeddings, _ = real
    result = fit_topics(chunks, embeddings, sample_size=60)
    assert len(result.topic_ids) == len(chunks) and (result.topic_ids >= 0).all()
    assert int(result.info["size"].sum()) == len(chunks)


@pytest.mark.slow
def test_fit_and_assign_runs_the_sentence_model_on_the_sample_only(
    real: tuple[list[str], np.ndarray, TopicResult], embedder: Any
) -> None:
    chunks, embeddings, _ = real
    calls: list[int] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return embedder.encode(texts)

    result = fit_and_assign(chunks, encode, sample_size=100, seed=42)
    assert calls == [100]
    assert len(result.topic_ids) == len(chunks) and (result.topic_ids >= 0).all()
    assert int(result.info["size"].sum()) == len(chunks)
    assert ((result.probs >= 0) & (result.probs <= 1)).all()
    rest = np.setdiff1d(np.arange(len(chunks)), sample_indices(len(chunks), 100, 42))
    by_real_embedding, _ = assign_topics(result.model, [], embeddings[rest])
    assert (by_real_embedding == result.topic_ids[rest]).mean() >= 0.4  # projected chunks mostly land alike


@pytest.mark.slow
def test_fit_and_assign_on_a_corpus_within_the_sample_is_fit_topics(
    real: tuple[list[str], np.ndarray, TopicResult], embedder: Any
) -> None:
    chunks, _, result = real
    again = fit_and_assign(chunks, embedder.encode, sample_size=len(chunks), seed=42)
    assert (again.topic_ids == result.topic_ids).all() and list(again.info.label) == list(result.info.label)


@pytest.mark.slow
def test_safetensors_round_trip(real: tuple[list[str], np.ndarray, TopicResult], tmp_path: Path) -> None:
    chunks, embeddings, result = real
    assert result.save(tmp_path / "topics")
    files = {p.name for p in (tmp_path / "topics").iterdir()}
    assert {"topic_embeddings.safetensors", "ctfidf.safetensors", "topics.json"} <= files
    assert not any(name.endswith((".pkl", ".pickle", ".bin")) for name in files)
    loaded = load_topic_model(tmp_path / "topics")
    for topic_id, words in result.model.get_topics().items():
        assert [w for w, _ in loaded.get_topic(topic_id)] == [w for w, _ in words]
    ids, probs = assign_topics(loaded, chunks, embeddings)
    assert len(ids) == len(chunks) and (ids >= 0).all() and ((probs >= 0) & (probs <= 1)).all()
    assert (ids == result.topic_ids).mean() >= 0.75


def test_umap_functions_compile_into_numba_cache() -> None:
    """The layout epoch (renamed `_nb_...` in umap-learn 0.5.8) and friends are cached, and warm_jit runs."""
    from numba.core.caching import NullCache
    from umap import layouts, umap_

    _cache_umap_jit()
    epoch = getattr(layouts, "_nb_optimize_layout_euclidean_single_epoch", None)
    epoch = epoch if epoch is not None else layouts._optimize_layout_euclidean_single_epoch
    for fn in (epoch, umap_.smooth_knn_dist, umap_.compute_membership_strengths):
        assert not isinstance(fn._cache, NullCache), fn
    assert warm_jit() >= 0.0
