"""Respondent speech → excerpts of about 1-4 sentences.

An excerpt never crosses a turn (so never a speaker change). It carries the interviewer's
last real question before it as context (not a backchannel such as "mh mh" or "sì", nor a
two-word prompt: ``pipeline.segment.questions``) and that question's guide section. Its id is derived from
the transcript id, its offsets and its text, so an unchanged excerpt keeps its id (and the
coder decisions attached to it) across runs.
"""

from __future__ import annotations

import hashlib
from typing import Iterable

from pipeline.config import SegmentConfig
from pipeline.records import Excerpt, InterviewGuide, Transcript, Turn
from pipeline.segment.guide_link import GuideLinker
from pipeline.segment.questions import is_real_question, questions_by_turn
from pipeline.segment.sentences import split_sentences


SEGMENTER_VERSION = 1
"""Bump with any change to this package that can change the excerpts of an unchanged
transcript: stored segmentations under an older version are then redone."""


def segmentation_key(transcript: Transcript, config: SegmentConfig, guide: InterviewGuide | None) -> str:
    """The hash of everything ``segment_transcript`` reads: the transcript (text, turns and
    their roles and languages), the config's segmentation fields, the guide (its linker), the
    segmenter's version and spaCy's. An incremental run takes the excerpts of a transcript
    whose key is stored from the store instead of segmenting it again."""
    import dataclasses
    import importlib.metadata
    import json

    value = {
        "segmenter": SEGMENTER_VERSION,
        "spacy": importlib.metadata.version("spacy"),
        "config": config.model_dump(exclude={"task_batch"}),
        "guide": dataclasses.asdict(guide) if guide is not None else None,
        "id": transcript.id, "language": transcript.language, "source_type": transcript.source_type,
        "text": hashlib.sha256(transcript.text.encode("utf-8")).hexdigest(),
        "turns": [[u.index, u.speaker, u.role, u.start, u.end, u.lang, u.source_type, u.page] for u in transcript.turns],
    }
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def excerpt_id(transcript_id: str, start: int, end: int, text: str) -> str:
    digest = hashlib.sha256(f"{start}:{end}:{text}".encode("utf-8")).hexdigest()[:8]
    return f"{transcript_id}.{start}-{end}.{digest}"


def _group(spans: list[tuple[int, int]], config: SegmentConfig) -> list[tuple[int, int]]:
    """Greedily join sentences until ``target_chars`` or ``max_sentences``; fold a short tail back."""
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for span in spans:
        current.append(span)
        length = current[-1][1] - current[0][0]
        if length >= config.target_chars or len(current) >= config.max_sentences:
            groups.append(current)
            current = []
    if current:
        tail_length = current[-1][1] - current[0][0]
        if groups and tail_length < config.min_chars * 2 and len(groups[-1]) + len(current) <= config.max_sentences:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return [(g[0][0], g[-1][1]) for g in groups]


def segment_transcript(
    transcript: Transcript, config: SegmentConfig = SegmentConfig(), linker: GuideLinker | None = None
) -> list[Excerpt]:
    turns = transcript.turns
    questions = questions_by_turn(turns)
    sections = _sections(turns, linker)

    excerpts: list[Excerpt] = []
    for turn, question, section in zip(turns, questions, sections):
        if turn.role != "respondent" or len(turn.text.strip()) < config.min_chars:
            continue
        lang = turn.lang or transcript.language
        for rel_start, rel_end in _group(split_sentences(turn.text, lang), config):
            start, end = turn.start + rel_start, turn.start + rel_end
            text = transcript.text[start:end]
            if len(text) < config.min_chars:
                continue
            excerpts.append(
                Excerpt(
                    id=excerpt_id(transcript.id, start, end, text),
                    transcript_id=transcript.id,
                    start=start,
                    end=end,
                    text=text,
                    turn_index=turn.index,
                    speaker=turn.speaker,
                    language=lang,
                    question=question,
                    guide_section=section,
                    source_type=turn.source_type,
                    page=turn.page,
                )
            )
    return excerpts


def _sections(turns: Iterable[Turn], linker: GuideLinker | None) -> list[str | None]:
    turns = list(turns)
    if linker is None:
        return [None] * len(turns)
    # a backchannel moves to no section: the section is the last real question's
    asked = [i for i, t in enumerate(turns) if t.role == "interviewer" and is_real_question(t.text)]
    linked = dict(zip(asked, linker.sections_for([turns[i].text for i in asked])))
    out, current = [], None
    for i in range(len(turns)):
        current = linked.get(i, current)
        out.append(current)
    return out
