"""Validators' study pages: triangulation, narratives, pictures; the signature covers survey and reports too."""

from __future__ import annotations

import dataclasses
import re

from sqlalchemy.orm.attributes import flag_modified

from app import study, summaries
from pipeline.store import models as m
from tests.app import world
from tests.summaries.evidence import BOOK, SourcedExcerpt
from tests.summaries.evidence import study as evidence_study

SURVEY = {"item": "grant_hard", "label": "Applying for public grants is hard", "city": "Bologna", "kind": "likert",
          "n": 117, "mean": 3.9, "mean_low": 3.7, "mean_high": 4.1,
          "shares": {"1": 0.05, "2": 0.1, "3": 0.2, "4": 0.35, "5": 0.3}, "agree_share": 0.65,
          "agree_low": 0.56, "agree_high": 0.73, "links": ["funding_calls"]}




def _set_survey(store, items):
    with store.transaction() as s:
        run = s.get(m.Run, world.RUN)
        run.summary = {**(run.summary or {}), "survey": {"respondents": 385, "closed": items}}
        flag_modified(run, "summary")


def test_city_page_shows_triangulation_pictures_and_a_linked_draft(client_for, store):
    _set_survey(store, [SURVEY])
    world.accept(client_for("coder"), store, (0, "funding_calls"))
    page = client_for("validator").get("/cities/Bologna").text
    assert 'id="triangulation"' in page and "Applying for public grants is hard: 65% agree (n=117)" in page
    assert "Barrier \u00d7 condition, Bologna" in page and "Prevalence by role, Bologna" in page
    assert "Answers to Applying for public grants is hard by city" in page  # the diverging bars
    assert "In Bologna, funding calls came up in 1 of 2 interviews (1 of 4 excerpts)" in page
    assert "65% of 117 survey respondents in Bologna agreed with" in page
    first = world.excerpts()[0]
    assert re.search(r'href="/transcripts/BO-01\?run=' + re.escape(world.RUN) + r'&amp;excerpt='
                     + re.escape(first.id.replace(":", "%3A")), page)
    # the narrative starts from the draft
    assert re.search(r'<textarea name="text"[^>]*>Funding calls\nIn Bologna, funding calls came up', page)


def test_no_survey_draws_no_likert_bars(client_for, store):
    page = client_for("validator").get("/cities/Bologna").text
    assert "Survey: closed items" not in page and 'id="triangulation"' in page


def test_a_changed_survey_summary_reopens_city_and_comparison(client_for, store):
    _set_survey(store, [SURVEY])
    validator = client_for("validator")
    assert validator.post("/cities/Bologna/signoff", {"comment": "ok", "content_sha256": world.signed_sha(
        validator.get("/cities/Bologna").text)}).status_code == 303
    assert validator.post("/comparison/signoff", {"comment": "ok", "content_sha256": world.signed_sha(
        validator.get("/comparison").text)}).status_code == 303
    assert 'data-state="signed"' in validator.get("/cities/Bologna").text
    assert 'data-state="signed"' in validator.get("/comparison").text
    _set_survey(store, [dict(SURVEY, agree_share=0.55, agree_low=0.46, agree_high=0.64)])
    assert 'data-state="changed"' in validator.get("/cities/Bologna").text
    assert 'data-state="changed"' in validator.get("/comparison").text
    listing = validator.get("/cities").text
    assert "changed since sign-off" in listing.split('id="comparison-link"')[1]
    # Thessaloniki's survey did not change, so its summary would not move either
    with store.session() as s:
        run = s.get(m.Run, world.RUN)
        before = summaries.content_sha256(summaries.summary_content(s, run, "Thessaloniki", ""))
    _set_survey(store, [dict(SURVEY, agree_share=0.5)])
    with store.session() as s:
        assert summaries.content_sha256(summaries.summary_content(s, s.get(m.Run, world.RUN), "Thessaloniki", "")) \
            == before


def test_comparison_is_edited_and_signed_and_locks(client_for, store):
    validator = client_for("validator")
    page = validator.get("/comparison").text
    assert 'data-state="draft"' in page and "Difference: funding calls was most present" in page
    assert validator.post("/comparison/narrative", {"text": "Funding calls everywhere."}).status_code == 303
    page = validator.get("/comparison").text
    assert "Funding calls everywhere." in page
    assert validator.post("/comparison/signoff", {"comment": "", "content_sha256": world.signed_sha(page)}).status_code == 303
    assert validator.post("/comparison/narrative", {"text": "late edit"}).status_code == 409
    assert client_for("coder").get("/comparison").status_code == 403


def _hash_of(run, excerpts, codes, metas):
    return summaries.content_sha256(study.city_study(run, "Bologna", metas, excerpts, codes, BOOK))


def test_the_signed_study_content_covers_survey_summaries_and_report_passages():
    """The study's part of the signed content, with excerpts that carry a source type and page
    (as the survey and document readers make them): any change behind it changes the hash."""
    excerpts, codes, metas, closed = evidence_study()
    run = m.Run(id="r", summary={"survey": {"closed": closed}}, output_dir=None)
    signed = _hash_of(run, excerpts, codes, metas)
    assert _hash_of(run, excerpts, codes, metas) == signed
    moved = [dict(closed[0], agree_share=0.11)] + closed[1:]
    assert _hash_of(m.Run(id="r", summary={"survey": {"closed": moved}}, output_dir=None),
                    excerpts, codes, metas) != signed
    other_city = closed[:1] + [dict(closed[1], n=78)]  # Budapest's item: not Bologna's evidence
    assert _hash_of(m.Run(id="r", summary={"survey": {"closed": other_city}}, output_dir=None),
                    excerpts, codes, metas) == signed
    for change in ({"page": 3}, {"text": "Passage on page 2, revised."}):
        edited = [dataclasses.replace(e, **change) if e.id == "doc.2" else e for e in excerpts]
        assert _hash_of(run, edited, codes, metas) != signed, change
    # an uncoded report passage is evidence too: the validator signed that it says nothing
    edited = [dataclasses.replace(e, text="Now it speaks.") if e.id == "doc.1" else e for e in excerpts]
    assert _hash_of(run, edited, codes, metas) != signed
    assert isinstance(excerpts[-1], SourcedExcerpt)


def test_signed_pdfs_carry_the_triangulation_and_the_linked_narrative(client_for, store):
    import io

    from pdfminer.high_level import extract_text

    _set_survey(store, [SURVEY])
    validator = client_for("validator")
    world.accept(client_for("coder"), store, (0, "funding_calls"))
    assert validator.post("/cities/Bologna/signoff", {"comment": "ok", "content_sha256": world.signed_sha(
        validator.get("/cities/Bologna").text)}).status_code == 303
    assert validator.post("/comparison/signoff", {"comment": "ok", "content_sha256": world.signed_sha(
        validator.get("/comparison").text)}).status_code == 303
    with store.session() as s:
        city_row = s.query(m.SignOff).filter_by(city="Bologna").one()
        across_row = s.query(m.SignOff).filter_by(city=study.ACROSS_CITY).one()
    first = world.excerpts()[0]
    for url, title in [(f"/cities/Bologna/signoffs/{city_row.id}/export.pdf", "Bologna: barriers"),
                       (f"/comparison/signoffs/{across_row.id}/export.pdf", "Across cities")]:
        response = validator.get(url)
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        text = " ".join(extract_text(io.BytesIO(response.content)).split())
        assert title in text and "Triangulation: interviews, survey and official reports" in text
        assert "Applying for public grants is hard: 65% agree (n=117)" in text
        assert "Policy narrative" in text and "Evidence: " in text and first.id in text
    comparison = validator.get("/comparison").text
    assert f"/comparison/signoffs/{across_row.id}/export.pdf" in comparison
    assert validator.get("/comparison/signoffs/9999/export.pdf").status_code == 404
