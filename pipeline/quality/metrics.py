"""The figures of one set of units: gold codes against the machine's (or another coder's).

**Metrics.** Per code: precision, recall, F1 and Cohen's kappa of presence/absence,
support (units with the code in gold). Overall: macro-F1 (mean over codes with support),
micro-F1, Cohen's kappa and Krippendorff's alpha (nominal) pooled over unit × code
presence with a bootstrap 95% interval over units (``pipeline.quality.agreement``), top-1
accuracy and top-3 recall over units with at least one gold code (is the highest-ranked
code, or one of the three highest, among the gold codes), and calibration: a 10-bin
reliability table over every unit × code confidence and its expected calibration error
(ECE). Detection: micro precision and recall, suggestions per 100 units and the share of
suggested unit x code pairs a coder would reject, reported only where the gold has uncoded
text (``pipeline.quality.detection``). The same figures per document, language and manifest
attribute (city, role, ...). ``settings.measured_over`` names the level every figure is at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pipeline.quality.agreement import agreement, cohen_kappa, presence
from pipeline.quality.detection import detection

BINS = 10
"""Equal-width bins of the reliability table."""


def precision_recall_f1(gold: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """Of one 0/1 column; 0 where undefined (no predictions / no gold), as scikit-learn's ``zero_division=0``."""
    tp = int((gold & predicted).sum())
    fp = int(((1 - gold) & predicted).sum())
    fn = int((gold & (1 - predicted)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def top_k_hits(confidence: np.ndarray, gold: np.ndarray, k: int) -> np.ndarray:
    """Per unit with at least one gold code: is one of its ``k`` highest-ranked codes a gold code?"""
    has_gold = gold.sum(axis=1) > 0
    if not has_gold.any():
        return np.zeros(0, dtype=bool)
    order = np.argsort(-confidence[has_gold], axis=1, kind="stable")[:, :k]
    return np.take_along_axis(gold[has_gold], order, axis=1).any(axis=1)


def reliability(confidence: np.ndarray, truth: np.ndarray, bins: int = BINS) -> tuple[list[dict], float | None]:
    """Reliability table (equal-width bins over [0, 1]) and expected calibration error.

    ECE = sum over bins of (share of items in the bin) x |observed rate - mean confidence|.
    The last bin includes 1.0.
    """
    p = np.asarray(confidence, dtype=float).ravel()
    y = np.asarray(truth, dtype=float).ravel()
    if len(p) == 0:
        return [], None
    which = np.minimum((p * bins).astype(int), bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        m = which == b
        n = int(m.sum())
        row = {"bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}", "count": n,
               "mean_confidence": round(float(p[m].mean()), 4) if n else None,
               "observed": round(float(y[m].mean()), 4) if n else None}
        if n:
            ece += n / len(p) * abs(float(y[m].mean()) - float(p[m].mean()))
        table.append(row)
    return table, round(ece, 4)


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def score_units(
    unit_ids: Sequence[str],
    codes: Sequence[str],
    gold: Mapping[str, frozenset[str]],
    predicted: Mapping[str, frozenset[str]],
    confidence: np.ndarray | None,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
) -> tuple[dict, list[dict], dict]:
    """``(overall, per_code, calibration)`` for one set of units.

    ``confidence`` is ``(len(unit_ids), len(codes))``; without it (a human coder) there is
    no ranking or calibration.
    """
    G = presence(gold, unit_ids, codes)
    P = presence(predicted, unit_ids, codes)
    agree = agreement(gold, predicted, codes=list(codes), units=list(unit_ids), bootstrap=bootstrap, seed=seed)
    per_code = []
    f1s = []
    for j, code in enumerate(codes):
        p, r, f = precision_recall_f1(G[:, j], P[:, j])
        support = int(G[:, j].sum())
        if support:
            f1s.append(f)
        per_code.append({"code": code, "precision": _r(p), "recall": _r(r), "f1": _r(f),
                         "kappa": _r(cohen_kappa(G[:, j], P[:, j])), "support": support,
                         "predicted": int(P[:, j].sum())})
    tp = int((G & P).sum())
    micro_p = tp / int(P.sum()) if P.sum() else 0.0
    micro_r = tp / int(G.sum()) if G.sum() else 0.0
    overall = {
        "units": len(unit_ids),
        "units_with_gold": int((G.sum(axis=1) > 0).sum()),
        "kappa": agree.kappa,
        "alpha": agree.alpha,
        "alpha_ci": list(agree.alpha_ci) if agree.alpha_ci else None,
        "macro_f1": _r(np.mean(f1s)) if f1s else None,
        "micro_f1": _r(2 * micro_p * micro_r / (micro_p + micro_r)) if micro_p + micro_r else 0.0,
        "top1_accuracy": None, "top3_recall": None, "ece": None,
        "mean_codes_gold": _r(G.sum(axis=1).mean()) if len(G) else None,
        "mean_codes_predicted": _r(P.sum(axis=1).mean()) if len(P) else None,
        **detection(G, P),
    }
    calibration: dict = {}
    if confidence is not None and len(unit_ids):
        top1, top3 = top_k_hits(confidence, G, 1), top_k_hits(confidence, G, 3)
        overall["top1_accuracy"] = _r(top1.mean()) if len(top1) else None
        overall["top3_recall"] = _r(top3.mean()) if len(top3) else None
        table, ece = reliability(confidence, G)
        overall["ece"] = ece
        calibration = {"bins": table, "ece": ece, "over": "every unit x code confidence"}
    return overall, per_code, calibration


__all__ = ["BINS", "precision_recall_f1", "reliability", "score_units", "top_k_hits"]
