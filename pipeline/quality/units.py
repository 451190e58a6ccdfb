"""The units agreement is measured over, and their gold codes.

**Units.** Agreement needs units both sides coded. Two granularities:

* ``excerpt`` (the default and the headline): our own excerpts (respondent speech, 1-4
  sentences) of the documents the gold covers are the units, as the review app shows them;
  an excerpt nobody coded is a unit with no code. Most real speech carries no code, so this
  is where false positives count.
* ``segment`` (a secondary view): every located gold segment is a unit, the machine codes
  its text (with the question it follows as context). It answers only "given what a coder
  highlighted, does the machine pick the coder's code?", and flatters: there is no uncoded
  text to suggest a code for.

**Matching gold spans to units.** Excerpts and gold segments rarely share boundaries. A
unit gets a gold span's codes when the span covers at least ``unit_cover`` (X, default
50%) of the unit's characters, *or* at least ``gold_cover`` (Y, default 50%) of the span
lies inside the unit. X catches a long gold segment over a short excerpt; Y catches a
short gold phrase inside a long excerpt. Touching or barely overlapping spans give
nothing. Gold spans that reach no unit are counted (``gold_spans_unmatched``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.errors import InvalidInput
from pipeline.records import Codebook, Excerpt, Transcript
from pipeline.quality.gold import Gold, GoldSpan

UNIT_COVER = 0.5
"""X: a gold span that covers at least this share of a unit's characters codes the unit."""
GOLD_COVER = 0.5
"""Y: so does a gold span of which at least this share lies inside the unit."""
LEVELS = ("segment", "excerpt")


def _turn_at(transcript: Transcript, position: int) -> tuple[int, str, str | None]:
    """The index, speaker and language of the turn that ``position`` falls in (or follows)."""
    index, speaker, lang = 0, "", transcript.language
    for turn in transcript.turns:
        if turn.start > position:
            break
        index, speaker, lang = turn.index, turn.speaker, turn.lang or transcript.language
    return index, speaker, lang


def segment_units(gold: Gold, transcripts: Sequence[Transcript]) -> list[Excerpt]:
    """One unit per located gold span: its text, with the question it follows as context
    (the last real interviewer question, as for excerpts: ``pipeline.segment.questions``)."""
    from pipeline.segment import excerpt_id
    from pipeline.segment.questions import question_before

    by_id = {t.id: t for t in transcripts}
    units = []
    for span in gold.spans:
        t = by_id[span.transcript_id]
        index, speaker, lang = _turn_at(t, span.start)
        question = question_before(t.turns, span.start)
        units.append(Excerpt(excerpt_id(t.id, span.start, span.end, span.text), t.id, span.start, span.end,
                             span.text, index, speaker, lang, question, None))
    # one unit per distinct span (two gold files may repeat one)
    return list({u.id: u for u in units}.values())


def excerpt_units(transcripts: Sequence[Transcript], config=None) -> list[Excerpt]:
    from pipeline.config import SegmentConfig
    from pipeline.segment import segment_transcript

    return [e for t in transcripts for e in segment_transcript(t, config or SegmentConfig())]


def gold_coding(units: Sequence[Excerpt], gold: Gold, *, unit_cover: float = UNIT_COVER,
                gold_cover: float = GOLD_COVER) -> tuple[dict[str, frozenset[str]], int]:
    """Each unit's gold codes (see the module docstring), and how many spans reached no unit."""
    by_doc: dict[str, list[GoldSpan]] = {}
    for s in gold.spans:
        by_doc.setdefault(s.transcript_id, []).append(s)
    reached: set[int] = set()
    coding: dict[str, frozenset[str]] = {}
    for u in units:
        codes: set[str] = set()
        for s in by_doc.get(u.transcript_id, ()):
            if s.unit_id is not None:
                hit = s.unit_id == u.id
            else:
                overlap = min(u.end, s.end) - max(u.start, s.start)
                if overlap <= 0:
                    continue
                hit = (overlap >= unit_cover * max(u.end - u.start, 1)
                       or overlap >= gold_cover * max(s.end - s.start, 1))
            if hit:
                codes |= s.codes
                reached.add(id(s))
        coding[u.id] = frozenset(codes)
    unmatched = sum(1 for s in gold.spans if id(s) not in reached and s.codes)
    return coding, unmatched


def units_for(level: str, gold: Gold, transcripts: Sequence[Transcript], segment_config=None,
              documents: Sequence[str] | None = None) -> list[Excerpt]:
    """The units of ``level``; at the excerpt level, of ``documents`` (default: those with a gold span)."""
    if level == "segment":
        return segment_units(gold, transcripts)
    if level == "excerpt":
        covered = gold.transcript_ids if documents is None else set(documents)
        return excerpt_units([t for t in transcripts if t.id in covered], segment_config)
    raise InvalidInput("--level", f"unknown level {level!r}; use one of {', '.join(LEVELS)}")


def scored_codebook(codebook: Codebook, *golds: Gold | None) -> tuple[Codebook, list[str]]:
    """The codebook restricted to the code families (dimensions) the gold codes use, and a
    warning naming those left out.

    Families are coded independently, so leaving one out changes nothing in the others'
    suggestions; scoring one the gold never codes would count every suggestion of it as
    wrong (gold of barriers only, a codebook of barriers and conditions). A codebook with
    one family, or gold that uses every family, is returned as it is.
    """
    from pipeline.codebook.dimensions import dimensions, dimensions_used, restrict

    every = [d.name for d in dimensions(codebook)]
    if len(every) == 1:
        return codebook, []
    used = dimensions_used(codebook, {c for g in golds if g is not None for s in g.spans for c in s.codes})
    if not used or used == every:
        return codebook, []
    left_out = [d for d in every if d not in used]
    return restrict(codebook, used), [
        f"the gold codes no code of the dimension(s) {', '.join(left_out)}: scored on {', '.join(used)} only "
        f"(dimensions are coded independently, so this changes no other suggestion)"]


__all__ = ["GOLD_COVER", "LEVELS", "UNIT_COVER", "excerpt_units", "gold_coding", "scored_codebook", "segment_units",
           "units_for"]
