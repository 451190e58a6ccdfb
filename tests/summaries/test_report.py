"""City summaries and the report render user text as text."""

from __future__ import annotations

import numpy as np

from pipeline.records import Code, Codebook, Quarantined, Topic, TopicAssignment
from pipeline.segment import segment_transcript
from pipeline.summaries.city import build_city_summaries, render_markdown
from pipeline.summaries.report import render_report
from tests.factories import make_transcript

EVIL = "<script>alert(1)</script> & <b>bold</b>"
BOOK = Codebook("b", "1", (Code("trust", "Trust", "d"), Code("funding_calls", "Funding calls", "d")), "0" * 64, "b.yaml")


def world():
    a = make_transcript("A", [("I", "interviewer", "Do you trust them?"), ("R", "respondent", f"Not at all, {EVIL} really.")],
                        city="Kortrijk", role="parent", lang="en")
    b = make_transcript("B", [("I", "interviewer", "And the grants?"),
                              ("R", "respondent", "The municipal grant needs too much reporting for us.")],
                        city="Kortrijk", role="local_organisation", lang="en")
    excerpts = segment_transcript(a) + segment_transcript(b)
    return [a, b], excerpts


def test_prevalence_by_role_counts_excerpts_and_interviews():
    transcripts, excerpts = world()
    codes_of = {excerpts[0].id: {"trust": 0.9}, excerpts[1].id: {"funding_calls": 0.8}}
    (kortrijk,) = build_city_summaries(transcripts, excerpts, codes_of, BOOK)
    by = {(p.code, p.role): p for p in kortrijk.prevalence}
    assert (by["trust", "parent"].excerpts, by["trust", "parent"].of_excerpts) == (1, 1)
    assert by["trust", "local_organisation"].excerpts == 0
    assert (by["funding_calls", "all"].interviews, by["funding_calls", "all"].of_interviews) == (1, 2)
    assert kortrijk.quotes["trust"][0].excerpt_id == excerpts[0].id
    assert "Prevalence by role" in render_markdown(kortrijk, BOOK, run_id="r")


def test_report_escapes_every_piece_of_user_text():
    transcripts, excerpts = world()
    (summary,) = build_city_summaries(transcripts, excerpts, {excerpts[0].id: {"trust": 0.9}}, BOOK)
    topic = Topic(0, EVIL, (EVIL,), 2, (excerpts[0].id,), ("trust",))
    html = render_report(run_id="r", summaries=[summary], codebook=BOOK, topics=[topic],
                         vectors=np.eye(3, 8, dtype=np.float32), topic_ids=[0, 0, 0],
                         texts=[EVIL, "x", "y"], quarantined=[Quarantined(f"{EVIL}.txt", EVIL)],
                         counts={"excerpts": 2}, timings={"embed": 1.0})
    assert "<script" not in html and "<b>bold" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4
