"""The stance head: a scikit-learn-style estimator over precomputed sentence embeddings + lexical + cue features.

Two calibrated softmax heads share one set of features (the frame head weights the cue columns apart): stance
(positive / negative / neutral labels of the target) and frame (the target's frame labels).
Everything fitted is plain data, saved as JSON (see ``io``).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from pipeline.stance.features import CueFeatures
from pipeline.stance.lexical import NgramTfidf
from pipeline.stance.linear import CalibratedLinear

FORMAT = "opentide-stance-head/1"


class StanceHead:
    """``fit(texts, embeddings, stance, frame)`` then ``predict_proba(texts, embeddings) -> (p_stance, p_frame)``.

    ``labels`` orders the stance classes as (positive, negative, neutral); ``stance_score = p[0] - p[1]``.
    """

    def __init__(
        self,
        *,
        labels: Sequence[str] = ("open", "closed", "neutral"),
        frame_labels: Sequence[str] = ("endorse", "rebut", "report", "none"),
        patterns: dict | None = None,
        C: float = 1.0,
        frame_C: float = 1.0,
        emb_weight: float = 1.0,
        lex_weight: float = 1.0,
        cue_weight: float = 1.0,
        frame_cue_weight: float = 0.0,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 2,
        max_features: int = 20000,
        class_weight: str | None = "balanced",
        cv: int = 5,
        random_state: int | None = None,
    ) -> None:
        self.labels = labels
        self.frame_labels = frame_labels
        self.patterns = patterns
        self.C = C
        self.frame_C = frame_C
        self.emb_weight = emb_weight
        self.lex_weight = lex_weight
        self.cue_weight = cue_weight
        self.frame_cue_weight = frame_cue_weight
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.class_weight = class_weight
        self.cv = cv
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict:
        names = inspect.signature(type(self).__init__).parameters
        return {k: getattr(self, k) for k in names if k != "self"}

    def set_params(self, **params: object) -> StanceHead:
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def _features(self, texts: Sequence[str], embeddings: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Feature matrices of the stance and the frame head (they weight the cue columns differently)."""
        emb = sp.csr_matrix(np.asarray(embeddings, dtype=np.float64) * self.emb_weight)
        lex = self.lexical_.transform(texts) * self.lex_weight
        cues = self.cues_.transform(texts)
        stance = sp.hstack([emb, lex, sp.csr_matrix(cues * self.cue_weight)], format="csr")
        frame = sp.hstack([emb, lex, sp.csr_matrix(cues * self.frame_cue_weight)], format="csr")
        return stance, frame

    def fit(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        stance: Sequence[str],
        frame: Sequence[str],
        *,
        groups: Sequence[str] | None = None,
    ) -> StanceHead:
        """Fit both heads; ``groups`` (source document per text) make calibration folds leave documents out."""
        texts = list(texts)
        if len(texts) != len(embeddings):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.classes_, self.frame_classes_ = list(self.labels), list(self.frame_labels)
        y = np.array([self.classes_.index(s) for s in stance])
        yf = np.array([self.frame_classes_.index(f) for f in frame])
        self.patterns_ = dict(self.patterns or {})
        self.cues_ = CueFeatures(self.patterns_)
        self.lexical_ = NgramTfidf(
            ngram_range=self.ngram_range, min_df=self.min_df, max_features=self.max_features
        ).fit(texts)
        self.n_features_in_ = int(np.asarray(embeddings).shape[1])
        X, Xf = self._features(texts, embeddings)
        self.stance_ = CalibratedLinear(C=self.C, class_weight=self.class_weight, cv=self.cv, random_state=seed)
        self.stance_.fit(X, y, len(self.classes_), groups)
        self.frame_ = CalibratedLinear(C=self.frame_C, class_weight=self.class_weight, cv=self.cv, random_state=seed)
        self.frame_.fit(Xf, yf, len(self.frame_classes_), groups)
        # Keep in memory exactly what is saved, so a reloaded head predicts the same.
        self.stance_ = CalibratedLinear.from_dict(self.stance_.to_dict())
        self.frame_ = CalibratedLinear.from_dict(self.frame_.to_dict())
        self.lexical_ = NgramTfidf.from_dict(self.lexical_.to_dict())
        return self

    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.classes_))), np.zeros((0, len(self.frame_classes_)))
        X, Xf = self._features(texts, embeddings)
        return self.stance_.predict_proba(X), self.frame_.predict_proba(Xf)

    def predict(self, texts: Sequence[str], embeddings: np.ndarray) -> tuple[list[str], list[str]]:
        ps, pf = self.predict_proba(texts, embeddings)
        stance = [self.classes_[i] for i in self.stance_.decide(ps)]
        return stance, [self.frame_classes_[i] for i in self.frame_.decide(pf)]

    def keyword_relevance(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.cues_.keyword_relevance(t) for t in texts], dtype=np.float64)

    # ---- plain-data state -------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        params = self.get_params()
        params["labels"], params["frame_labels"] = list(self.labels), list(self.frame_labels)
        params["ngram_range"] = list(self.ngram_range)
        return {
            "format": FORMAT,
            "params": params,
            "classes": self.classes_,
            "frame_classes": self.frame_classes_,
            "patterns": self.patterns_,
            "n_features_in": self.n_features_in_,
            "lexical": self.lexical_.to_dict(),
            "stance": self.stance_.to_dict(),
            "frame": self.frame_.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> StanceHead:
        params = dict(data["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        params["labels"], params["frame_labels"] = tuple(params["labels"]), tuple(params["frame_labels"])
        self = cls(**params)
        self.classes_, self.frame_classes_ = list(data["classes"]), list(data["frame_classes"])
        self.patterns_ = data["patterns"]
        self.cues_ = CueFeatures(self.patterns_)
        self.n_features_in_ = int(data["n_features_in"])
        self.lexical_ = NgramTfidf.from_dict(data["lexical"])
        self.stance_ = CalibratedLinear.from_dict(data["stance"])
        self.frame_ = CalibratedLinear.from_dict(data["frame"])
        return self
