"""Source types and pages survive the store, and excerpt cards cite them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from pipeline.ingest.pseudonymise import PseudonymKey
from pipeline.records import InterviewMeta, RawTranscript, RawTurn
from pipeline.ingest.transcript import build_transcript
from pipeline.segment import segment_transcript
from pipeline.sources import citation, survey_item
from pipeline.store import models as m
from pipeline.store.db import Store
from pipeline.store.repository import Repository, excerpt_record


def document():
    raw = RawTranscript("r.pdf", "pdf", None, source_type="document", turns=(
        RawTurn("Small associations find the public calls for funding hard to answer.", "document", "respondent", page=1),
        RawTurn("Parents ask for clear rules and one contact person at the municipality.", "document", "respondent",
                page=2)))
    return build_transcript(raw, InterviewMeta("REP-1", "documents/r.pdf", city="Bologna"), key=PseudonymKey(),
                            source_sha256="0" * 64, languages=("en",))


def survey():
    raw = RawTranscript("survey.csv", "csv", None, source_type="survey", turns=(
        RawTurn("What would help you trust other parents?", "trust_open", "interviewer"),
        RawTurn("Meeting them first at a municipal afternoon would help a lot.", "R017", "respondent")))
    return build_transcript(raw, InterviewMeta("survey-R017", "survey.csv", city="Kortrijk"), key=PseudonymKey(),
                            source_sha256="1" * 64, languages=("en",))


def test_source_type_and_page_are_stored_and_read_back(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    repo = Repository(store)
    transcripts = [document(), survey()]
    repo.save_transcripts(transcripts)
    excerpts = [e for t in transcripts for e in segment_transcript(t)]
    assert [(e.source_type, e.page) for e in excerpts] == [("document", 1), ("document", 2), ("survey", None)]
    repo.save_excerpts(excerpts)
    with store.session() as s:
        back = [excerpt_record(r) for r in s.scalars(select(m.ExcerptRow).order_by(m.ExcerptRow.transcript_id,
                                                                                    m.ExcerptRow.start))]
        kinds = dict(s.execute(select(m.TranscriptRow.id, m.TranscriptRow.source_type)).all())
        pages = [t.page for t in s.scalars(select(m.TurnRow).where(m.TurnRow.transcript_id == "REP-1")
                                            .order_by(m.TurnRow.idx))]
    assert back == excerpts
    assert kinds == {"REP-1": "document", "survey-R017": "survey"} and pages == [1, 2]
    store.dispose()


def test_citations():
    t = survey()
    [answer] = segment_transcript(t)
    assert answer.question == "What would help you trust other parents?" and answer.speaker == "R017"
    assert survey_item(t.text, answer.start) == "trust_open"
    assert citation("survey", answer.speaker, None, "trust_open") == "survey answer, R017, item trust_open"
    assert citation("document", "document", 4) == "report p. 4"
    assert citation("interview", "Genitore") == ""
