"""Metrics against scikit-learn and hand-computed cases; the overlap rule that gives units their gold codes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score, precision_recall_fscore_support

from pipeline.records import Excerpt
from pipeline.quality.gold import Gold, GoldSpan
from pipeline.quality.metrics import precision_recall_f1, reliability, score_units, top_k_hits
from pipeline.quality.units import gold_coding

CODES = ["a", "b", "c", "d"]


def _random_codings(seed: int, n: int = 60):
    rng = np.random.default_rng(seed)
    units = [f"u{i}" for i in range(n)]
    G = rng.random((n, len(CODES))) < 0.3
    P = np.where(rng.random((n, len(CODES))) < 0.75, G, ~G)
    P[:, 3] = False  # a code never predicted: precision is 0 by convention, not an error
    as_sets = lambda M: {u: frozenset(c for c, x in zip(CODES, row) if x) for u, row in zip(units, M)}  # noqa: E731
    return units, G.astype(int), P.astype(int), as_sets(G), as_sets(P)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_per_code_and_macro_figures_match_scikit_learn(seed):
    units, G, P, gold, predicted = _random_codings(seed)
    overall, per_code, _ = score_units(units, CODES, gold, predicted, None, bootstrap=0)
    p, r, f, support = precision_recall_fscore_support(G, P, average=None, zero_division=0)
    for j, row in enumerate(per_code):
        assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((p[j], r[j], f[j]), abs=1e-4)
        assert row["support"] == support[j]
        assert row["kappa"] == pytest.approx(cohen_kappa_score(G[:, j], P[:, j]), abs=1e-4)
    supported = [j for j in range(len(CODES)) if G[:, j].sum()]
    assert overall["macro_f1"] == pytest.approx(
        f1_score(G, P, average="macro", labels=supported, zero_division=0), abs=1e-4)
    assert overall["micro_f1"] == pytest.approx(f1_score(G, P, average="micro", zero_division=0), abs=1e-4)
    assert overall["kappa"] == pytest.approx(cohen_kappa_score(G.ravel(), P.ravel()), abs=1e-4)


def test_hand_computed_precision_recall_f1():
    gold = np.array([1, 1, 0, 0, 1])
    pred = np.array([1, 0, 1, 0, 1])
    assert precision_recall_f1(gold, pred) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert precision_recall_f1(np.zeros(3, int), np.zeros(3, int)) == (0.0, 0.0, 0.0)


def test_top_k_counts_only_units_with_gold_codes():
    confidence = np.array([[0.9, 0.5, 0.1], [0.2, 0.3, 0.8], [0.6, 0.5, 0.4], [0.9, 0.9, 0.9]])
    gold = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 0, 0]])
    assert top_k_hits(confidence, gold, 1).tolist() == [False, True, False]
    assert top_k_hits(confidence, gold, 2).tolist() == [True, True, False]
    assert top_k_hits(confidence, gold, 3).tolist() == [True, True, True]


def test_ece_of_a_hand_case():
    # bin 0.1-0.2: confidences 0.1, 0.1, observed 1 of 2 -> |0.5 - 0.1| = 0.4, weight 2/5
    # bin 0.9-1.0: confidences 0.9, 0.9, 1.0, observed 3 of 3 -> |1 - 0.9333| = 0.0667, weight 3/5
    table, ece = reliability(np.array([0.1, 0.1, 0.9, 0.9, 1.0]), np.array([1, 0, 1, 1, 1]))
    assert ece == pytest.approx(0.4 * 2 / 5 + (1 - 2.8 / 3) * 3 / 5, abs=1e-4)
    assert len(table) == 10 and table[1]["count"] == 2 and table[9]["count"] == 3 and table[5]["count"] == 0
    assert reliability(np.array([0.25, 0.75]), np.array([0, 1]))[1] == pytest.approx(0.25)
    assert reliability(np.array([]), np.array([])) == ([], None)


def _unit(uid, start, end):
    return Excerpt(uid, "t", start, end, "x" * (end - start), 0, "R", "en", None, None)


def _span(start, end, *codes):
    return GoldSpan("t", start, end, frozenset(codes), "x" * (end - start), "test")


def test_boundary_mismatch_uses_the_two_cover_thresholds():
    units = [_unit("long", 0, 100), _unit("short", 100, 120), _unit("other", 200, 300)]
    gold = Gold("g", (
        _span(10, 30, "inside"),        # 20 chars, all inside "long": gold cover 100% -> long
        _span(90, 125, "straddle"),     # 10 of "long" (10%, 29% of span); 20 of "short" (100% of it) -> short
        _span(195, 215, "edge"),        # 15 chars of "other": 15% of unit, 75% of span -> other
        _span(290, 400, "mostly_out"),  # 10 of "other": 10% of unit, 9% of span -> nothing
        _span(120, 130, "gap"),         # touches "short" only at its end: no overlap -> nothing
    ))
    coding, unmatched = gold_coding(units, gold)
    assert coding == {"long": {"inside"}, "short": {"straddle"}, "other": {"edge"}}
    assert unmatched == 2
    strict, _ = gold_coding(units, gold, unit_cover=0.9, gold_cover=0.9)
    assert strict == {"long": {"inside"}, "short": {"straddle"}, "other": frozenset()}


def test_multi_label_gold_reaches_one_unit_from_several_spans():
    coding, _ = gold_coding([_unit("u", 0, 50)], Gold("g", (_span(0, 30, "a", "b"), _span(25, 50, "c"))))
    assert coding["u"] == {"a", "b", "c"}


def test_alpha_interval_brackets_alpha():
    units, _, _, gold, predicted = _random_codings(7)
    overall, _, _ = score_units(units, CODES, gold, predicted, None, bootstrap=200)
    low, high = overall["alpha_ci"]
    assert low <= overall["alpha"] <= high
