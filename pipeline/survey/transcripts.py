"""A respondent's open answers as a ``Transcript`` of source type ``survey``.

Each respondent with at least one open answer becomes one transcript (id
``{transcript_prefix}{respondent id}``, e.g. ``survey-R017``): for each answered open item, a
turn by the item (speaker = the item's column, role ``interviewer``, text = the question)
and then the answer (speaker = the respondent id, role ``respondent``). Segmentation then
gives every answer the item's text as its question, as it does for an interview, and the
answers are pseudonymised, coded, reviewed and exported like speech. The respondent's
attributes (city, country, role, language, date, others) are the transcript's case
variables. An item with a fixed ``language`` sets its answers' language; otherwise the
respondent's ``language`` attribute, else detection, decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from pipeline.ingest.pseudonymise import PseudonymKey
from pipeline.ingest.transcript import build_transcript
from pipeline.records import InterviewMeta, RawTranscript, RawTurn, Transcript
from pipeline.survey.reader import Respondent, Survey

_META_FIELDS = ("city", "country", "role", "date")


def respondent_meta(survey: Survey, respondent: Respondent, languages: Sequence[str]) -> InterviewMeta:
    attributes = dict(respondent.attributes)
    language = attributes.pop("language", "").lower() or None
    extra = {name: value for name, value in attributes.items() if name not in _META_FIELDS}
    extra["respondent"] = respondent.id
    return InterviewMeta(
        interview_id=f"{survey.config.transcript_prefix}{respondent.id}",
        file=survey.config.file,
        language=language if language in languages else None,
        extra=extra,
        **{name: attributes.get(name) or None for name in _META_FIELDS},
    )


def survey_transcripts(survey: Survey, *, key: PseudonymKey, languages: Sequence[str]) -> list[Transcript]:
    """One transcript per respondent who answered an open item, in the export's order."""
    sha = hashlib.sha256(survey.data_path.read_bytes()).hexdigest()
    items = survey.config.open_items
    out: list[Transcript] = []
    for respondent in survey.respondents:
        turns: list[RawTurn] = []
        fixed: dict[int, str] = {}
        for item in items:
            answer = respondent.open.get(item.column)
            if not answer:
                continue
            turns.append(RawTurn(text=item.question, speaker=item.column, role="interviewer"))
            if item.language != "detect":
                fixed[len(turns)] = item.language
            turns.append(RawTurn(text=answer, speaker=respondent.id, role="respondent"))
        if not turns:
            continue
        raw = RawTranscript(path=str(survey.data_path), format=survey.data_path.suffix.lstrip(".").lower(),
                            encoding=None, turns=tuple(turns), source_type="survey")
        transcript = build_transcript(raw, respondent_meta(survey, respondent, languages), key=key,
                                      source_sha256=sha, languages=languages)
        if fixed:
            # an empty answer is dropped by build_transcript, but answers here are never empty,
            # so raw turn i is transcript turn i
            transcript = replace(transcript, turns=tuple(
                replace(t, lang=fixed.get(t.index, t.lang)) for t in transcript.turns))
        out.append(transcript)
    return out
