"""Triangulation: interviews, survey and reports per city and barrier, and the disagreement flags."""

from __future__ import annotations

from pipeline.codebook.dimensions import DEFAULT_DIMENSION
from pipeline.records import Code, Codebook, Excerpt
from pipeline.summaries.triangulate import DisagreementRule, barriers_and_conditions, triangulate
from tests.summaries.evidence import BOOK, study


def evidence(city, barrier, **kw):
    excerpts, codes, metas, closed = study()
    tri = triangulate(excerpts, codes, metas, BOOK, closed, **kw)
    return next(ev for ev in tri.city(city).barriers if ev.barrier == barrier), tri


def test_barriers_and_conditions_come_from_the_families():
    assert barriers_and_conditions(BOOK) == (("trust", "funding_calls"), ("state_support", "facilitative_technology"))
    one = Codebook("x", "1", (Code("a", "A", "a"), Code("b", "B", "b")), "0" * 64, "x.csv")
    assert barriers_and_conditions(one) == (("a", "b"), ())


def test_interview_evidence_by_role_and_condition():
    ev, tri = evidence("Bologna", "trust")
    city = tri.city("Bologna")
    assert city.interviews == 4 and city.survey_answers == 25 and city.documents == 1
    # a sub-code counts for its barrier; survey and document excerpts are not interviews
    assert (ev.interviews.excerpts, ev.interviews.of_excerpts, ev.interviews.sources, ev.interviews.of_sources) == \
        (4, 6, 3, 4)
    roles = {r.key: (r.excerpts, r.of_excerpts) for r in ev.by_role}
    assert roles == {"company": (0, 1), "local_government": (1, 2), "parent": (3, 3)}
    state = next(c for c in ev.by_condition if c.key == "state_support")
    assert state.excerpt_ids == ("bo1.b", "bo3.b") and state.of_excerpts == 4 and state.sources == 2
    assert ev.condition_quotes["state_support"].excerpt_id == "bo3.b"
    assert [q.excerpt_id for q in ev.quotes] == ["bo1.a", "bo3.b", "bo1.b"]


def test_survey_and_document_evidence():
    ev, _ = evidence("Bologna", "funding_calls")
    assert (ev.survey_answers.excerpts, ev.survey_answers.of_excerpts) == (6, 25)
    assert [q.source_id for q in ev.survey_quotes] == ["SV-000", "SV-001", "SV-002"]
    assert (ev.documents.excerpts, ev.documents.of_excerpts, ev.documents.sources) == (2, 6, 1)
    assert [q.page for q in ev.document_quotes] == [2, 5]
    trust, _ = evidence("Bologna", "trust")
    # linked through its sub-code
    assert [i["item"] for i in trust.closed_items] == ["trust_others"] and trust.closed_items[0]["city"] == "Bologna"


def test_disagreement_flags_follow_the_rule():
    trust, _ = evidence("Bologna", "trust")
    # 3 of 4 interviews, while 10% agree (upper bound 17%) and no open answer speaks of it
    assert [f.rule for f in trust.flags] == ["interviews_not_survey", "interviews_not_documents"]
    assert "3 of 4 interviews" in trust.flags[0].message and "10% agree" in trust.flags[0].message
    funding, _ = evidence("Bologna", "funding_calls")
    assert funding.flags == ()  # 1 of 4 interviews: neither dense nor silent
    strict = DisagreementRule(silent_interviews=0.25)
    funding, _ = evidence("Bologna", "funding_calls", rule=strict)
    assert {f.rule for f in funding.flags} == {"survey_not_interviews", "documents_not_interviews"}
    budapest, _ = evidence("Budapest", "trust")
    assert budapest.flags == ()  # dense interviews, and the survey agrees (70%)


def test_no_survey_and_plain_excerpts_still_work():
    excerpts, codes, metas, _ = study()
    plain = [Excerpt(e.id, e.transcript_id, e.start, e.end, e.text, 0, "R", e.language, None, None)
             for e in excerpts if e.transcript_id.startswith("B")]
    tri = triangulate(plain, codes, metas, BOOK)
    ev = next(b for b in tri.city("Bologna").barriers if b.barrier == "trust")
    assert ev.closed_items == () and ev.survey_answers.of_excerpts == 0 and ev.flags == ()
    assert tri.closed_items == () and DEFAULT_DIMENSION.name == "code"


def test_a_triangulation_survives_json():
    import json

    from pipeline.summaries.triangulate import triangulation_from_dict, triangulation_to_dict

    excerpts, codes, metas, closed = study()
    tri = triangulate(excerpts, codes, metas, BOOK, closed)
    data = json.loads(json.dumps(triangulation_to_dict(tri)))
    assert triangulation_from_dict(data) == tri
