"""Closed survey items summarised per city (and across all cities, ``city="all"``).

For each closed item and city, over the respondents who answered it (``n``; missing
answers are left out):

- ``mean`` of a likert item's points with a 95% confidence interval from Student's t,
  ``mean ± t(0.975, n-1) · s/√n`` (``s`` the sample standard deviation); ``None`` for other
  kinds, and the interval ``None`` when ``n < 2``;
- ``shares``: the share of each answer (likert labels in scale order, ``yes``/``no``, or the
  options), summing to 1;
- ``agree_share``: the share agreeing (likert: the item's ``agree`` points, by default the top
  two; yes/no: ``yes``; choice: its ``agree`` options, else ``None``) with a 95% Wilson score
  interval, which unlike the normal approximation stays inside [0, 1] and behaves at
  shares near 0 or 1 and for small n.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import mean as _mean, stdev

from pipeline.survey.reader import Survey
from pipeline.survey.schema import SurveyItem

Z_95 = 1.959963984540054
"""The standard normal's 0.975 quantile."""
ALL_CITIES = "all"


@dataclass(frozen=True)
class ClosedItemSummary:
    item: str
    """The item's column."""
    label: str
    """The item's text."""
    city: str
    kind: str
    n: int
    mean: float | None
    mean_low: float | None
    mean_high: float | None
    shares: dict[str, float]
    agree_share: float | None
    agree_low: float | None
    agree_high: float | None
    links: tuple[str, ...]
    """Codebook codes the item is linked to (``survey.yaml`` ``links``)."""


def t_quantile(p: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(p, df))


def mean_interval(values: list[float], level: float = 0.95) -> tuple[float, float | None, float | None]:
    """Mean and its t interval (bounds ``None`` for fewer than two values)."""
    m = _mean(values)
    if len(values) < 2:
        return m, None, None
    half = t_quantile(0.5 + level / 2, len(values) - 1) * stdev(values) / math.sqrt(len(values))
    return m, m - half, m + half


def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (``n > 0``)."""
    if n <= 0:
        raise ValueError("n must be positive")
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def summarise_item(item: SurveyItem, city: str, answers: list[int | str]) -> ClosedItemSummary:
    n = len(answers)
    counts = Counter(answers)
    if item.kind == "likert":
        order = [(point, label) for point, label in sorted(item.scale.items())]
    elif item.kind == "yes_no":
        order = [("yes", "yes"), ("no", "no")]
    else:
        order = [(option, option) for option in item.options]
    shares = {label: (counts[key] / n if n else 0.0) for key, label in order}
    m = low = high = None
    if item.kind == "likert" and n:
        m, low, high = mean_interval([float(a) for a in answers])
    agree = a_low = a_high = None
    points = item.agree_points
    if points and n:
        k = sum(counts[p] for p in points)
        agree = k / n
        a_low, a_high = wilson_interval(k, n)
    return ClosedItemSummary(item=item.column, label=item.question, city=city, kind=item.kind, n=n, mean=m,
                             mean_low=low, mean_high=high, shares=shares, agree_share=agree, agree_low=a_low,
                             agree_high=a_high, links=tuple(item.links))


def summarise(survey: Survey) -> list[ClosedItemSummary]:
    """Every closed item: each city (sorted; ``unknown`` for respondents without one), then ``all``."""
    city_of = survey.city_of
    cities = sorted(set(city_of.values()))
    out = []
    for item in survey.config.closed_items:
        for city in [*cities, ALL_CITIES]:
            answers = [r.closed[item.column] for r in survey.respondents
                       if item.column in r.closed and (city == ALL_CITIES or city_of[r.id] == city)]
            out.append(summarise_item(item, city, answers))
    return out


SUMMARY_COLUMNS = ("item", "label", "city", "kind", "n", "mean", "mean_low", "mean_high", "agree_share",
                   "agree_low", "agree_high", "shares", "links")


def summary_rows(summaries: list[ClosedItemSummary]) -> list[dict[str, str]]:
    """Rows of ``survey_summary.csv``: figures to 4 decimals, ``shares`` as ``answer=share;...``."""
    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}"

    return [{
        "item": s.item, "label": s.label, "city": s.city, "kind": s.kind, "n": str(s.n), "mean": number(s.mean),
        "mean_low": number(s.mean_low), "mean_high": number(s.mean_high), "agree_share": number(s.agree_share),
        "agree_low": number(s.agree_low), "agree_high": number(s.agree_high),
        "shares": ";".join(f"{k}={v:.4f}" for k, v in s.shares.items()), "links": ";".join(s.links),
    } for s in summaries]


def write_summary_csv(path: Path, summaries: list[ClosedItemSummary]) -> None:
    """``survey_summary.csv``; item texts come from the user's survey.yaml, so cells are made formula-safe."""
    from pipeline.spreadsheet import safe_cell

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS)
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in summary_rows(summaries))
