"""Stand-in sentence embeddings from words, for chunks the topic model does not embed.

:class:`TextProjection` is a ridge regression (linear kernel, solved in its dual) from TF-IDF vectors to the
sentence model's space, fitted on the topic sample whose real embeddings are known. Projecting a chunk costs
a sparse dot product instead of a transformer pass; the projected vector is close enough to place the chunk
in its nearest topic (about 6 in 10 chunks land where their real embedding would, many of the rest in a
neighbouring topic with similar words), which is what the topic timelines count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class TextProjection:
    """``fit(texts, embeddings)`` learns the map; ``transform(texts)`` gives L2-normalised float32 rows."""

    def __init__(
        self, *, alpha: float = 0.3, min_df: int = 2, preprocessor: Callable[[str], str] | None = None
    ) -> None:
        self.alpha = alpha
        self.min_df = min_df
        self.preprocessor = preprocessor

    def fit(self, texts: Sequence[str], embeddings: np.ndarray) -> TextProjection:
        from sklearn.feature_extraction.text import TfidfVectorizer

        targets = np.asarray(embeddings, dtype=np.float64)
        self.mean_ = targets.mean(axis=0) if len(targets) else np.zeros(targets.shape[1])
        self.vectorizer_: Any = TfidfVectorizer(
            sublinear_tf=True,
            ngram_range=(1, 2),
            stop_words="english",
            preprocessor=self.preprocessor,
            min_df=self.min_df if len(texts) >= 10 * self.min_df else 1,
        )
        try:
            self.train_ = self.vectorizer_.fit_transform(list(texts))
        except ValueError:  # no words at all: every projection is the mean embedding
            self.vectorizer_ = None
            return self
        gram = (self.train_ @ self.train_.T).toarray()
        self.dual_ = np.linalg.solve(gram + self.alpha * np.eye(len(gram)), targets - self.mean_)
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        if self.vectorizer_ is None:
            out = np.tile(self.mean_, (len(texts), 1))
        else:
            kernel = (self.vectorizer_.transform(list(texts)) @ self.train_.T).toarray()
            out = kernel @ self.dual_ + self.mean_
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
        return out.astype(np.float32)
