"""How an excerpt of each source type is cited: "survey answer, R017, item trust_open",
"report p. 4", or nothing for an interview (its city, role and speaker already say it).

Shared by the review app's excerpt cards and the REFI-QDA export.
"""

from __future__ import annotations


def survey_item(transcript_text: str, start: int) -> str | None:
    """The item a survey answer at ``start`` answers: the label of the line before the
    answer's (a respondent's transcript is "item: question" then "R017: answer", see
    ``pipeline.survey.transcripts``)."""
    lines = transcript_text[:start].split("\n")
    if len(lines) < 2 or ": " not in lines[-2]:
        return None
    return lines[-2].split(": ", 1)[0]


def citation(source_type: str | None, speaker: str, page: int | None = None, item: str | None = None) -> str:
    if source_type == "survey":
        return f"survey answer, {speaker}" + (f", item {item}" if item else "")
    if source_type == "document":
        return "report" + (f" p. {page}" if page is not None else "")
    return ""
