"""The study's pictures: barrier × condition heatmaps, diverging Likert bars, prevalence by role."""

from __future__ import annotations

import dataclasses
import re

from pipeline.summaries.pictures import likert_svg, matrix_svg, roles_svg
from pipeline.summaries.study import report_sections, study_analysis
from pipeline.summaries.triangulate import closed_item, triangulate
from tests.summaries.evidence import BOOK, study

XSS = "<script>alert(1)</script>"


def built(closed=None):
    excerpts, codes, metas, items = study()
    return triangulate(excerpts, codes, metas, BOOK, items if closed is None else closed)


def test_heatmap_cells_count_excerpts_carrying_both():
    tri = built()
    bologna = matrix_svg(tri, "Bologna")
    assert ">2 (50%)<" in bologna  # trust × state support: 2 of the 4 trust excerpts
    assert ">1 (100%)<" in bologna  # funding × state support: its one interview excerpt
    across = matrix_svg(tri)
    assert ">1 (20%)<" in across  # trust × technology: Budapest's one of 5 trust excerpts in all
    assert "Barrier \u00d7 condition, all cities" in across


def test_likert_bars_diverge_from_the_centre_and_vanish_without_a_survey():
    assert likert_svg([]) == "" and likert_svg([{"item": "x", "kind": "yesno", "shares": {"yes": 1.0}}]) == ""
    tri = built()
    svg = likert_svg(tri.closed_items)
    assert svg.count("<svg") == 1 and "Budapest (n=77)" in svg and "Bologna (n=117)" in svg
    rects = re.findall(r'<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"', svg)
    centre = 130 + 220
    # Budapest (second bar): its two lower answers and half the middle one lie left of the centre
    budapest = [(float(x), float(w)) for x, y, w in rects if y == "66"]
    assert abs(budapest[0][0] - (centre - (0.05 + 0.10 + 0.15 / 2) * 220)) < 0.2
    assert abs(sum(w for _, w in budapest) - 220) < 0.5


def test_role_bars_and_every_label_escaped():
    excerpts, codes, metas, items = study()
    metas = {k: dataclasses.replace(v, role=XSS) if k == "BO-04" else v for k, v in metas.items()}
    items = [dict(items[0], label=XSS)] + items[1:]
    analysis = study_analysis(excerpts, codes, metas, BOOK, items)
    svg = roles_svg(analysis.triangulation, "Bologna")
    assert "parent" in svg and "100%" in svg
    html = report_sections(analysis) + likert_svg([closed_item(i) for i in items])
    assert XSS not in html and "&lt;script&gt;" in html
    assert "Where the sources disagree" in html and "dense in the interviews" in html
