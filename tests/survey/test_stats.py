"""Closed-item statistics against reference computations: scipy's own Wilson and t intervals,
and values printed in the literature (Newcombe 1998, Table I; Student's t tables)."""

from __future__ import annotations

import math

import pytest

from pipeline.survey.reader import Respondent, Survey
from pipeline.survey.schema import SurveyConfig
from pipeline.survey.stats import ALL_CITIES, mean_interval, summarise, t_quantile, wilson_interval


@pytest.mark.parametrize("k, n, low, high", [
    (81, 263, 0.2553, 0.3662),   # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_matches_published_values(k, n, low, high):
    assert wilson_interval(k, n) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize("k, n", [(0, 1), (3, 7), (50, 107), (270, 385), (385, 385)])
def test_wilson_interval_matches_scipy(k, n):
    from scipy.stats import binomtest

    reference = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((reference.low, reference.high), abs=1e-9)


def test_t_quantiles_match_printed_tables():
    assert t_quantile(0.975, 9) == pytest.approx(2.262, abs=5e-4)
    assert t_quantile(0.975, 29) == pytest.approx(2.045, abs=5e-4)


@pytest.mark.parametrize("values", [[2, 4, 4, 4, 5, 5, 7, 9], [5, 4, 4, 5, 3, 5, 1, 4, 4, 5, 2], [3, 4]])
def test_mean_interval_matches_scipy(values):
    from scipy import stats

    m, low, high = mean_interval([float(v) for v in values])
    reference = stats.t.interval(0.95, len(values) - 1, loc=sum(values) / len(values), scale=stats.sem(values))
    assert m == pytest.approx(sum(values) / len(values))
    assert (low, high) == pytest.approx(reference, abs=1e-9)


def test_mean_interval_by_hand():
    # mean 5, s = sqrt(32/7), t(0.975, 7) = 2.3646: 5 -+ 2.3646 * 2.1381 / sqrt(8)
    _, low, high = mean_interval([2.0, 4, 4, 4, 5, 5, 7, 9])
    assert (low, high) == pytest.approx((3.2126, 6.7874), abs=2e-4)


def survey_of(answers: dict[str, list]) -> Survey:
    config = SurveyConfig.model_validate({"file": "x.csv", "id": "id", "items": [
        {"column": "trust", "kind": "likert", "scale": {1: "no", 2: "rather no", 3: "so-so", 4: "rather yes", 5: "yes"},
         "links": ["trust"]},
        {"column": "app", "kind": "yes_no"},
        {"column": "pet", "kind": "choice", "options": ["cat", "dog"]},
    ]})
    respondents = []
    for city, rows in answers.items():
        for trust, app, pet in rows:
            closed = {k: v for k, v in (("trust", trust), ("app", app), ("pet", pet)) if v is not None}
            respondents.append(Respondent(f"R{len(respondents)}", len(respondents) + 2, {"city": city}, closed, {}))
    return Survey(path=None, data_path=None, config=config, respondents=tuple(respondents))


def test_summaries_per_city_and_overall():
    survey = survey_of({"A": [(5, "yes", "cat"), (4, "no", "dog"), (2, "yes", None), (None, "no", "cat")],
                        "B": [(1, "no", "dog"), (5, None, "dog")]})
    by = {(s.item, s.city): s for s in summarise(survey)}
    assert [s.city for s in summarise(survey)][:3] == ["A", "B", ALL_CITIES]
    a = by["trust", "A"]
    assert a.n == 3 and a.mean == pytest.approx(11 / 3) and a.kind == "likert" and a.links == ("trust",)
    assert a.shares == pytest.approx({"no": 0, "rather no": 1 / 3, "so-so": 0, "rather yes": 1 / 3, "yes": 1 / 3})
    assert list(a.shares) == ["no", "rather no", "so-so", "rather yes", "yes"]  # scale order
    assert a.agree_share == pytest.approx(2 / 3) and (a.agree_low, a.agree_high) == pytest.approx(wilson_interval(2, 3))
    assert by["trust", ALL_CITIES].n == 5 and by["trust", ALL_CITIES].agree_share == pytest.approx(3 / 5)
    app = by["app", ALL_CITIES]
    assert app.n == 5 and app.mean is None and app.shares == pytest.approx({"yes": 0.4, "no": 0.6})
    assert app.agree_share == pytest.approx(0.4)
    pet = by["pet", "B"]
    assert pet.shares == {"cat": 0.0, "dog": 1.0} and pet.agree_share is None
    assert math.isclose(sum(by["pet", ALL_CITIES].shares.values()), 1.0)


def test_one_answer_has_a_mean_but_no_interval():
    s = {(x.item, x.city): x for x in summarise(survey_of({"A": [(4, "yes", "cat")]}))}["trust", "A"]
    assert s.n == 1 and s.mean == 4 and s.mean_low is None and s.mean_high is None
