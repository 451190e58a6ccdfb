"""Per-code thresholds from coders' decisions: calibrated, chosen by cross-validation, and
optionally guaranteed.

A classifier's raw output is not a probability (class weighting alone moves it), and a
threshold fixed at 0.6 either floods the queue or silences it. So, per code:

1. ``out_of_fold``: every decided excerpt is scored by a classifier that did not see it
   (folds by interview when there are enough interviews, since excerpts of one interview
   resemble each other; stratified folds otherwise);
2. ``Platt``: a logistic fitted on those held-out scores turns a score into the probability
   that a coder would give the code;
3. ``best_f1_threshold``: the probability at which the held-out decisions give the best F1
   (what the suggestions are judged on);
4. ``precision_threshold``: for ``[mapping] min_precision``, the lowest threshold whose
   held-out precision is at least the target with the stated confidence (one-sided
   Clopper-Pearson bound on the binomial count of accepted suggestions). None when no
   threshold gets there: the code then abstains.

The decisions coders made are what is measured, so the promise is about excerpts like the
ones they decided on; a queue that shows only likely excerpts makes that set easier than
the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np


@dataclass(frozen=True)
class Platt:
    """``p = 1 / (1 + exp(-(a * score + b)))``."""

    a: float
    b: float

    @classmethod
    def fit(cls, scores: np.ndarray, labels: np.ndarray) -> "Platt":
        from sklearn.linear_model import LogisticRegression

        scores = np.asarray(scores, dtype=float).reshape(-1, 1)
        labels = np.asarray(labels, dtype=int)
        if labels.min() == labels.max():
            return cls(0.0, 10.0 if labels[0] else -10.0)
        lr = LogisticRegression(C=100.0, max_iter=1000).fit(scores, labels)
        return cls(float(lr.coef_[0, 0]), float(lr.intercept_[0]))

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.a * np.asarray(scores, dtype=float) + self.b)))


def out_of_fold(features: np.ndarray, labels: np.ndarray, groups: Sequence[str], make: Callable[[], object],
                *, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Held-out decision values for every row (see the module docstring)."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    labels = np.asarray(labels, dtype=int)
    minority = int(min(labels.sum(), len(labels) - labels.sum()))
    k = max(2, min(folds, minority))
    groups = np.asarray(groups)
    by_group = len(set(groups[labels == 1])) >= k and len(set(groups)) >= k
    splitter = (StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed) if by_group
                else StratifiedKFold(n_splits=k, shuffle=True, random_state=seed))
    out = np.zeros(len(labels))
    for train, test in splitter.split(features, labels, groups if by_group else None):
        if labels[train].min() == labels[train].max():
            out[test] = 0.0
            continue
        out[test] = make().fit(features[train], labels[train]).decision_function(features[test])
    return out


def best_f1_threshold(probability: np.ndarray, labels: np.ndarray, *, floor: float = 0.05) -> float:
    """The probability threshold with the best F1 on these labelled rows (ties: the higher)."""
    p = np.asarray(probability, dtype=float)
    y = np.asarray(labels, dtype=int)
    best, best_f1 = 0.5, -1.0
    for t in np.unique(np.clip(p, floor, 1.0)):
        chosen = p >= t
        tp = int((chosen & (y == 1)).sum())
        if tp == 0:
            continue
        precision, recall = tp / int(chosen.sum()), tp / int(y.sum())
        f1 = 2 * precision * recall / (precision + recall)
        if f1 >= best_f1:
            best, best_f1 = float(t), f1
    return best


def precision_lower_bound(accepted: int, shown: int, level: float) -> float:
    """One-sided Clopper-Pearson lower bound on a precision of ``accepted / shown``."""
    from scipy.stats import beta

    if shown == 0 or accepted == 0:
        return 0.0
    return float(beta.ppf(1.0 - level, accepted, shown - accepted + 1))


def precision_threshold(probability: np.ndarray, labels: np.ndarray, target: float, level: float) -> float | None:
    """The lowest threshold whose precision is at least ``target`` with confidence ``level``, or None."""
    p = np.asarray(probability, dtype=float)
    y = np.asarray(labels, dtype=int)
    order = np.argsort(-p, kind="stable")
    accepted = np.cumsum(y[order])
    found = None
    for k in range(len(order)):
        if k + 1 < len(order) and p[order[k + 1]] == p[order[k]]:
            continue  # a threshold takes every row of equal probability
        if precision_lower_bound(int(accepted[k]), k + 1, level) >= target:
            found = float(p[order[k]])
    return found


__all__ = ["Platt", "best_f1_threshold", "out_of_fold", "precision_lower_bound", "precision_threshold"]
