"""Policy narratives: every figure and quote resolves to its evidence."""

from __future__ import annotations

import copy

from pipeline.summaries.narrative import ACROSS, check_links, city_narrative, comparison_narrative
from pipeline.summaries.triangulate import closed_item, triangulate
from tests.summaries.evidence import BOOK, study, with_parents


def built():
    excerpts, codes, metas, closed = study()
    tri = triangulate(excerpts, codes, metas, BOOK, closed)
    return excerpts, with_parents(codes), metas, [closed_item(c) for c in closed], tri


def claims(narrative):
    return {c["key"]: c for s in narrative["sections"] for c in s["claims"]}


def test_city_narrative_claims_resolve_to_their_evidence():
    excerpts, codes, metas, closed, tri = built()
    story = city_narrative(tri, "Bologna", excerpts)
    assert check_links(story, excerpts, codes, metas, closed) == []
    by_key = claims(story)
    first = by_key["Bologna/trust/interviews"]
    assert first["text"].startswith("In Bologna, trust came up in 3 of 4 interviews (4 of 6 excerpts)")
    assert "most often among parent respondents (3 of 3" in first["text"]
    assert by_key["Bologna/trust/state_support"]["figures"] == {"excerpts": 2, "of_excerpts": 4, "sources": 2}
    assert "10% of 117 survey respondents in Bologna agreed" in by_key["Bologna/trust/closed/trust_others"]["text"]
    docs = by_key["Bologna/funding_calls/documents"]
    assert "(pages 2, 5)" in docs["text"] and {link["page"] for link in docs["links"]} == {2, 5}
    assert "Bologna/trust/flag/interviews_not_survey" in by_key
    titles = [s["title"] for s in story["sections"]]
    assert "Trust \u00d7 State support and capacity" in titles


def test_tampered_claims_are_caught():
    excerpts, codes, metas, closed, tri = built()
    story = city_narrative(tri, "Bologna", excerpts)
    for key, change in [
        ("Bologna/trust/interviews", lambda c: c["figures"].update(excerpts=5)),
        ("Bologna/trust/quote", lambda c: c.update(quote="Words nobody said.")),
        ("Bologna/funding_calls/documents", lambda c: c["links"][0].update(page=9)),
        ("Bologna/trust/closed/trust_others", lambda c: c["figures"].update(agree_share=0.7)),
        ("Bologna/trust/state_support", lambda c: c["links"].append(
            {"kind": "excerpt", "id": "bo2.a", "source": "BO-02", "page": None})),
        ("Bologna/trust/interviews", lambda c: c["links"].append(
            {"kind": "excerpt", "id": "nowhere", "source": "BO-09", "page": None})),
    ]:
        broken = copy.deepcopy(story)
        change(claims(broken)[key])
        assert check_links(broken, excerpts, codes, metas, closed), key


def test_comparison_names_trends_and_differences_with_links():
    excerpts, codes, metas, closed, tri = built()
    story = comparison_narrative(tri, excerpts)
    assert story["scope"] == ACROSS
    assert check_links(story, excerpts, codes, metas, closed) == []
    by_key = claims(story)
    trust = by_key[f"{ACROSS}/trust"]
    assert trust["kind"] == "trend" and trust["figures"] == {"Bologna": 3, "Budapest": 1}
    funding = by_key[f"{ACROSS}/funding_calls"]
    assert funding["kind"] == "difference" and "most present in Budapest (1 of 2" in funding["text"]
    survey = by_key[f"{ACROSS}/trust/closed/trust_others"]
    assert "from 10% in Bologna to 70% in Budapest" in survey["text"]
    tech = by_key[f"{ACROSS}/trust/facilitative_technology"]
    assert tech["kind"] == "difference" and tech["figures"] == {"Bologna": 0, "Budapest": 1}
    broken = copy.deepcopy(story)
    claims(broken)[f"{ACROSS}/trust"]["figures"]["Bologna"] = 4
    assert check_links(broken, excerpts, codes, metas, closed)


def test_the_run_folder_markdown_carries_triangulation_and_drafts():
    from pipeline.summaries.study import city_markdown, comparison_markdown, study_analysis

    excerpts, codes, metas, closed = study()
    analysis = study_analysis(excerpts, codes, metas, BOOK, closed)
    bologna = city_markdown(analysis, "Bologna")
    assert "| Trust | 3/4 interviews, 4/6 excerpts | 0/25 | Difficulty trusting other people with childcare: " \
           "10% agree (n=117) | 0/6 passages | Trust: dense in the interviews" in bologna
    assert "| Funding calls | 1/4 interviews, 1/1 excerpts" not in bologna  # of all interview excerpts, not of hits
    assert "| Funding calls | 1/4 interviews, 1/6 excerpts | 6/25 |" in bologna and "(pp. 2, 5)" in bologna
    assert "### Trust \u00d7 State support and capacity" in bologna and "`bo3.b`" in bologna
    across = comparison_markdown(analysis, "r1")
    assert "Common trend: trust came up in every city (interviews: Bologna 3/4, Budapest 1/2)." in across


def test_yes_no_items_are_reported_as_yes_answers_and_survey_quotes_name_the_respondent():
    from pipeline.summaries.study import closed_item_text

    excerpts, codes, metas, closed, tri = built()
    story = claims(city_narrative(tri, "Bologna", excerpts))
    survey_quote = story["Bologna/funding_calls/survey_quote"]["text"]
    assert "survey respondent)" in survey_quote and "unknown role" not in survey_quote
    yes_no = dict(closed[0], kind="yes_no", label="Would you use an online booking calendar?")
    likert = closed[0]
    assert closed_item_text(yes_no) == "Would you use an online booking calendar?: 10% yes (n=117)"
    assert closed_item_text(likert) == "Difficulty trusting other people with childcare: 10% agree (n=117)"
    excerpts2, codes2, metas2, raw = study()
    raw = [dict(r, kind="yes_no") for r in raw]
    tri2 = triangulate(excerpts2, codes2, metas2, BOOK, raw)
    text = claims(city_narrative(tri2, "Bologna", excerpts2))["Bologna/trust/closed/trust_others"]["text"]
    assert "10% of 117 survey respondents in Bologna answered yes to" in text
    across = claims(comparison_narrative(tri2, excerpts2))
    assert any(c["text"].startswith("Yes answers to") for c in across.values())
