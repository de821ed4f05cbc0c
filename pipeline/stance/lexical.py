"""A small TF-IDF over word n-grams whose fitted state is plain data (vocabulary + idf), so it saves as JSON."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

TOKEN_PATTERN = r"(?u)\b\w[\w'-]*\b"


class NgramTfidf:
    """Sub-linear TF-IDF of word n-grams with L2-normalised rows; ``fit`` returns ``self``."""

    def __init__(self, *, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2, max_features: int = 20000) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def _analyzer(self):  # noqa: ANN202 - sklearn's callable
        cv = CountVectorizer(ngram_range=tuple(self.ngram_range), token_pattern=TOKEN_PATTERN, lowercase=True)
        return cv.build_analyzer()

    def fit(self, texts: Sequence[str]) -> NgramTfidf:
        analyze = self._analyzer()
        df: Counter[str] = Counter()
        for t in texts:
            df.update(set(analyze(t)))
        kept = sorted((t for t, c in df.items() if c >= self.min_df), key=lambda t: (-df[t], t))
        kept = sorted(kept[: self.max_features])
        n = len(texts)
        self.vocabulary_ = {t: i for i, t in enumerate(kept)}
        self.idf_ = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in kept], dtype=np.float64)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        analyze, vocab = self._analyzer(), self.vocabulary_
        rows, cols, vals = [], [], []
        for r, t in enumerate(texts):
            counts = Counter(vocab[g] for g in analyze(t) if g in vocab)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64)
            w = (1 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf_[idx]
            w /= np.linalg.norm(w)
            rows += [r] * len(idx)
            cols += idx.tolist()
            vals += w.tolist()
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float64)

    def to_dict(self) -> dict:
        terms = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        return {
            "ngram_range": list(self.ngram_range),
            "min_df": self.min_df,
            "max_features": self.max_features,
            "terms": terms,
            "idf": [round(float(x), 6) for x in self.idf_],
        }

    @classmethod
    def from_dict(cls, data: dict) -> NgramTfidf:
        self = cls(ngram_range=tuple(data["ngram_range"]), min_df=data["min_df"], max_features=data["max_features"])
        self.vocabulary_ = {t: i for i, t in enumerate(data["terms"])}
        self.idf_ = np.asarray(data["idf"], dtype=np.float64)
        return self
