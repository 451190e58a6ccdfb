"""A REFI-QDA project as gold codes for ``qualflow eval`` (``pipeline.quality.gold.load_gold``).

A source whose text is a transcript's (as in a project qualflow exported) gives exact spans:
its selection positions are our offsets. Any other plain-text source is the coder's own copy
of an interview: its selections' text is located in the transcripts by the gold module,
as for a CSV of coded segments, with the source's name as the document name. Codings by
the user ``qualflow`` (open machine suggestions) are not gold and are left out.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Sequence

from pipeline.exchange.sources import normalise_source
from pipeline.exchange.project import read_project
from pipeline.exchange.qdaxml import MACHINE_GUID, MACHINE_USER
from pipeline.records import Transcript


def load_gold_qdpx(path: Path, transcripts: Sequence[Transcript]):
    from pipeline.quality.gold import Gold, GoldSpan, Unlocated, gold_from_texts

    project = read_project(path)
    machine = {u.guid for u in project.users if u.name == MACHINE_USER} | {MACHINE_GUID}
    names = {c.guid: c.path for c in project.codes}
    by_text = {t.text: t for t in transcripts}
    spans: dict[tuple[str, int, int], GoldSpan] = {}
    elsewhere: list[tuple[str, list[str], str]] = []
    unlocated: list[Unlocated] = []
    coders: set[str] = set()
    read = 0
    for source in project.sources:
        human = [(sel, [names[c.code] for c in sel.codings if (c.user or sel.user) not in machine])
                 for sel in source.selections]
        human = [(sel, codes) for sel, codes in human if codes]
        coders |= {c.user or sel.user or "" for sel, _ in human for c in sel.codings
                   if (c.user or sel.user) not in machine}
        read += len(human)
        if not human:
            continue
        if source.text is None:
            unlocated += [Unlocated(source.name, tuple(codes), "", f"{path.name} {sel.where}", source.why or "")
                          for sel, codes in human]
            continue
        try:
            text, where = normalise_source(source.text)
        except ValueError:
            text, where = None, None
        transcript = by_text.get(text) if text is not None else None
        if transcript is None:
            elsewhere += [(source.name, codes, source.text[sel.start:sel.end]) for sel, codes in human]
            continue
        for sel, codes in human:
            start, end = (where[sel.start], where[sel.end]) if where else (sel.start, sel.end)
            key = (transcript.id, start, end)
            old = spans.get(key)
            spans[key] = (replace(old, codes=old.codes | frozenset(codes)) if old else
                          GoldSpan(transcript.id, start, end, frozenset(codes), transcript.text[start:end],
                                   f"{path.name} {sel.where}"))
    located = gold_from_texts(path.name, elsewhere, transcripts) if elsewhere else None
    if located is not None:
        for span in located.spans:
            key = (span.transcript_id, span.start, span.end)
            old = spans.get(key)
            spans[key] = replace(old, codes=old.codes | span.codes) if old else span
        unlocated += located.unlocated
    notes = []
    if len(coders - {""}) > 1:
        notes.append(f"{len(coders - {''})} coders' codings are merged; export one coder's project to compare coders")
    ordered = tuple(sorted(spans.values(), key=lambda s: (s.transcript_id, s.start, s.end)))
    return Gold(path.name, ordered, tuple(unlocated), read, notes=tuple(notes))
