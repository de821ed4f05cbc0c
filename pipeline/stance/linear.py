"""A calibrated softmax-linear classifier: logistic regression + temperature/bias scaling fitted out-of-fold,
plus per-class decision offsets (chosen on the same out-of-fold predictions) for macro-F1."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from threadpoolctl import threadpool_limits


def _fit_lr(X: sp.csr_matrix, y: np.ndarray, *, C: float, class_weight: str | None, k: int) -> tuple:
    lr = LogisticRegression(C=C, class_weight=class_weight, max_iter=1000, tol=1e-4)
    with threadpool_limits(limits=1):  # BLAS threads make L-BFGS ~10x slower on small problems
        lr.fit(X, y)
    coef, intercept = np.zeros((k, X.shape[1])), np.zeros(k)
    if len(lr.classes_) == 2:  # binary LR: one row; expand to two softmax rows
        coef[lr.classes_[1]], intercept[lr.classes_[1]] = lr.coef_[0], lr.intercept_[0]
    else:
        coef[lr.classes_], intercept[lr.classes_] = lr.coef_, lr.intercept_
    return coef, intercept


def fit_scaling(logits: np.ndarray, y: np.ndarray, *, reg: float = 1e-3) -> tuple[float, np.ndarray]:
    """Temperature and per-class bias minimising the NLL of ``softmax(logits / T + b)``."""
    k = logits.shape[1]

    def nll(params: np.ndarray) -> float:
        t, b = np.exp(params[0]), params[1:]
        lp = log_softmax(logits / t + b, axis=1)
        return float(-lp[np.arange(len(y)), y].mean() + reg * np.sum(b**2))

    res = minimize(nll, np.zeros(k + 1), method="L-BFGS-B")
    return float(np.exp(res.x[0])), res.x[1:]


def _macro_f1(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    f1s = []
    for c in range(k):
        tp = np.sum((pred == c) & (y == c))
        denom = np.sum(pred == c) + np.sum(y == c)
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


def fit_offsets(logp: np.ndarray, y: np.ndarray, *, passes: int = 3) -> np.ndarray:
    """Per-class additive offsets on log-probabilities maximising macro-F1 (coordinate ascent, small grid).

    Calibrated probabilities favour frequent classes; macro-F1 rewards finding rare ones. The offsets move
    only the decision, never the reported probabilities.
    """
    k = logp.shape[1]
    off = np.zeros(k)
    best = _macro_f1(y, (logp + off).argmax(1), k)
    grid = np.linspace(-1.5, 1.5, 31)
    for _ in range(passes):
        for c in range(1, k):
            for v in grid:
                trial = off.copy()
                trial[c] = v
                f = _macro_f1(y, (logp + trial).argmax(1), k)
                if f > best + 1e-9:
                    best, off = f, trial
    return off


class CalibratedLinear:
    """Softmax over ``X @ coef_.T + intercept_`` scaled by ``temperature_`` and ``bias_`` (fitted out-of-fold)."""

    def __init__(
        self, *, C: float = 1.0, class_weight: str | None = "balanced", cv: int = 5, random_state: int | None = None
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.cv = cv
        self.random_state = random_state

    def fit(
        self, X: sp.csr_matrix, y_in: Sequence[int] | np.ndarray, n_classes: int, groups: Sequence[str] | None = None
    ) -> CalibratedLinear:
        """Fit on all rows; calibrate on out-of-fold logits (folds by ``groups`` when given, e.g. documents)."""
        y = np.asarray(y_in)
        self.coef_, self.intercept_ = _fit_lr(X, y, C=self.C, class_weight=self.class_weight, k=n_classes)
        oof = np.zeros((len(y), n_classes))
        n_splits = min(self.cv, int(np.bincount(y, minlength=n_classes)[np.bincount(y) > 0].min()))
        if groups is not None:
            n_splits = min(n_splits, len(set(groups)))
        if n_splits >= 2:
            folds = (StratifiedGroupKFold if groups is not None else StratifiedKFold)(
                n_splits=n_splits, shuffle=True, random_state=self.random_state
            )
            for tr, te in folds.split(np.zeros(len(y)), y, groups):
                coef, icpt = _fit_lr(X[tr], y[tr], C=self.C, class_weight=self.class_weight, k=n_classes)
                oof[te] = X[te] @ coef.T + icpt
            self.temperature_, self.bias_ = fit_scaling(oof, y)
            self.offset_ = fit_offsets(log_softmax(oof / self.temperature_ + self.bias_, axis=1), y)
        else:
            self.temperature_, self.bias_, self.offset_ = 1.0, np.zeros(n_classes), np.zeros(n_classes)
        self.oof_logits_ = oof
        return self

    def logits(self, X: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        return np.exp(log_softmax(self.logits(X) / self.temperature_ + self.bias_, axis=1))

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Class indices: argmax of log-probability plus the macro-F1 offsets."""
        return (np.log(np.clip(proba, 1e-12, 1)) + self.offset_).argmax(1)

    def to_dict(self, *, digits: int = 5) -> dict:
        def r(a: np.ndarray) -> list:
            return np.vectorize(lambda v: float(f"{v:.{digits}g}"))(a).tolist() if a.size else []

        return {
            "C": self.C,
            "class_weight": self.class_weight,
            "coef": r(self.coef_),
            "intercept": r(self.intercept_),
            "temperature": self.temperature_,
            "bias": r(self.bias_),
            "offset": r(self.offset_),
        }

    @classmethod
    def from_dict(cls, data: dict) -> CalibratedLinear:
        self = cls(C=data["C"], class_weight=data["class_weight"])
        self.coef_ = np.asarray(data["coef"], dtype=np.float64)
        self.intercept_ = np.asarray(data["intercept"], dtype=np.float64)
        self.temperature_ = float(data["temperature"])
        self.bias_ = np.asarray(data["bias"], dtype=np.float64)
        self.offset_ = np.asarray(data.get("offset", np.zeros(len(self.bias_))), dtype=np.float64)
        return self
