from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from pipeline.quality.agreement import agreement, cohen_kappa, krippendorff_alpha


def test_kappa_matches_scikit_learn_on_random_codings():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, 200)
    b = np.where(rng.random(200) < 0.8, a, 1 - a)
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_alpha_of_a_textbook_example():
    # Krippendorff (2011), nominal, two coders, 10 units: alpha = 0.095
    a = np.array([0, 1, 0, 0, 0, 0, 0, 0, 1, 0])
    b = np.array([1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
    assert krippendorff_alpha(a, b) == pytest.approx(0.095, abs=0.001)


def test_multi_label_agreement_per_code_and_pooled():
    a = {"u1": {"trust"}, "u2": {"trust", "funding"}, "u3": set(), "u4": {"funding"}, "u5": set()}
    b = {"u1": {"trust"}, "u2": {"trust"}, "u3": set(), "u4": {"funding"}, "u5": {"trust"}}
    result = agreement(a, b, bootstrap=200)
    assert result.units == 5 and result.codes == ("funding", "trust")
    funding = next(c for c in result.per_code if c.code == "funding")
    assert (funding.support_a, funding.support_b, funding.both) == (2, 1, 1)
    assert -1 <= result.kappa <= 1 and result.alpha_ci[0] <= result.alpha <= result.alpha_ci[1]


def test_perfect_agreement_is_one_and_no_variation_is_undefined():
    a = {"u1": {"x"}, "u2": set(), "u3": {"x"}}
    assert agreement(a, dict(a), bootstrap=0).kappa == 1.0
    empty = {"u1": set(), "u2": set()}
    assert agreement(empty, dict(empty), codes=["x"], bootstrap=0).kappa is None
