"""A run as a REFI-QDA project (``.qdpx``) for review in NVivo, ATLAS.ti, MAXQDA or QualCoder.

The archive holds ``project.qde`` and, in ``sources/``, every transcript of the run as a
UTF-8 plain-text file with exactly the text the store keeps (``transcripts.text``: NFC,
pseudonymised, ``\\n`` line ends). Selection positions are therefore our own offsets,
unchanged: Unicode code points into that text. Exporting twice from an unchanged store
gives byte-identical files (stable GUIDs, fixed timestamps, sorted elements).
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree
from sqlalchemy.orm import Session

from pipeline.exchange.qdaxml import (
    MACHINE_GUID,
    MACHINE_USER,
    REVIEWER_USER,
    PROJECT_NS,
    PROJECT_SCHEMA_LOCATION,
    XSI_NS,
    guid,
    q,
    snippet,
    user_guid,
    xml_datetime,
    xml_text,
)
from pipeline.exchange.qdc import code_guid, write_codes
from pipeline.records import Code
from pipeline.store.codebooks import codebook_for
from pipeline.store.db import Store
from pipeline.store.runs import document_pages, run_contents
from pipeline.store.studies import resolve_run

if TYPE_CHECKING:  # the rows the store hands back
    from pipeline.store.models import Run, TranscriptRow

CASE_COLUMNS = ("city", "country", "role", "language", "date")
"""Transcript columns that become case variables, before the manifest's own extra columns."""


@dataclass(frozen=True)
class ExportReport:
    path: str
    run_id: str
    codebook_id: str | None
    sources: int
    cases: int
    codes: int
    users: tuple[str, ...]
    codings: int
    """Coder codings (``Coding`` elements by people)."""
    suggestions: int
    """Open machine suggestions, as codings by the user ``qualflow``."""
    memos: int
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """(what, why) for anything left out, e.g. a decision on an excerpt whose transcript changed."""
    extra_codes: tuple[str, ...] = ()
    """Codes that codings use but no codebook of the run lists; exported as top-level codes."""
    superseded: int = 0
    """Coders' own codings left out because an admin reconciled their excerpt (the agreed codes go out)."""

    def lines(self) -> list[str]:
        out = [f"{self.path}: {self.sources} sources, {self.cases} cases, {self.codes} codes, "
               f"{self.codings} codings by {len(self.users) - 1} coders, {self.suggestions} open suggestions, "
               f"{self.memos} memos"]
        if self.extra_codes:
            out.append(f"codes in no codebook of the run, exported at the top level: {', '.join(self.extra_codes)}")
        if self.superseded:
            out.append(f"left out {self.superseded} coders' codings of reconciled excerpts: the agreed codes "
                       "are exported instead")
        out += [f"left out {what}: {why}" for what, why in self.skipped]
        return out


def export_qdpx(store: Store, run_id: str, out_path: str | Path, *, include_suggestions: bool = True) -> ExportReport:
    """Write run ``run_id`` (or ``"latest"``) as a REFI-QDA project to ``out_path``.

    Coders' current codes (their latest decision per excerpt or hand-coded span) become
    selections by those coders, except on an excerpt an admin reconciled: there the agreed
    codes alone go out, as the admin's selection (``codings.prevailing``). With
    ``include_suggestions`` every still-open suggestion becomes a selection by the user
    ``qualflow`` whose description gives its confidence and reason. Memos become notes on their selection or source; every interview becomes a
    case with its city, country, role, language, date and manifest variables.
    """
    with store.session() as session:
        run = resolve_run(session, run_id)
        project, files, report = _build(session, run, include_suggestions)
    out_path = Path(out_path)
    _write_archive(out_path, project, files, run.started_at)
    return ExportReport(path=str(out_path), **report)


# -- building the project ------------------------------------------------------------------------


class _Selections:
    """The selections of one source, gathered first and written sorted by position."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple, etree._Element]] = []

    def add(self, start: int, end: int, who: str, key: str, element: etree._Element) -> None:
        self.items.append(((start, end, who, key), element))

    def sorted(self) -> list[etree._Element]:
        return [e for _, e in sorted(self.items, key=lambda item: item[0])]


def _build(session: Session, run: Run, include_suggestions: bool):
    skipped: list[tuple[str, str]] = []
    codebook = codebook_for(session, run) if run.codebook_id else None
    codes: list[Code] = list(codebook.codes) if codebook else []

    held = run_contents(session, run, open_suggestions=include_suggestions)
    transcripts, excerpts, codings = held.transcripts, held.excerpts, held.codings
    suggestions, memos, people = held.suggestions, held.memos, held.people
    superseded = held.superseded
    text_of = {t.id: t.text for t in transcripts}
    source_memos: dict[str, list[str]] = {}  # transcript id -> its memos, for the source's Description
    project_memos: list[str] = []
    users = sorted((people[i] for i in held.authors), key=lambda u: u.username)

    # Codes a coding refers to that no codebook lists (e.g. written by hand in the review app)
    # still need a Code element, or the CodeRef would point at nothing.
    named = {c.name for c in codes}
    used = {code for c in codings for code in c.codes} | {s.code for s in suggestions}
    extra_codes = sorted(used - named)
    codes += [Code(name=name, label=name, description="", parent=None) for name in extra_codes]

    # -- the document, in the element order the schema prescribes
    root = etree.Element(q("Project"), nsmap={None: PROJECT_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", PROJECT_SCHEMA_LOCATION)
    from pipeline import __version__

    root.set("name", xml_text(f"qualflow run {run.id}"))
    root.set("origin", f"qualflow {__version__}")
    root.set("creatingUserGUID", MACHINE_GUID)
    root.set("creationDateTime", xml_datetime(run.started_at))

    users_el = etree.SubElement(root, q("Users"))  # a neutral user first: see REVIEWER_USER
    if REVIEWER_USER not in {u.username for u in users}:
        etree.SubElement(users_el, q("User"), guid=user_guid(REVIEWER_USER), name=REVIEWER_USER)
    for u in users:
        etree.SubElement(users_el, q("User"), guid=user_guid(u.username), name=xml_text(u.username))
    etree.SubElement(users_el, q("User"), guid=MACHINE_GUID, name=MACHINE_USER)

    if codes:
        write_codes(etree.SubElement(root, q("CodeBook")), codes, PROJECT_NS)

    n_cases = _write_cases(root, transcripts)

    # -- selections, per source
    selections: dict[str, _Selections] = {t.id: _Selections() for t in transcripts}
    note_refs: dict[str, list[str]] = {}  # selection or source guid -> note guids
    excerpt_selection: dict[tuple[str, str], etree._Element] = {}  # (username, excerpt id) -> selection
    n_codings = 0
    for c in sorted(codings, key=lambda c: (c.excerpt_id, c.username, c.start or -1, c.end or -1)):
        excerpt = excerpts[c.excerpt_id]
        text = text_of[excerpt.transcript_id]
        if text[excerpt.start:excerpt.end] != excerpt.text:
            skipped.append((f"{c.username}'s coding of excerpt {excerpt.id}",
                            "the excerpt no longer matches its transcript's text (the transcript changed)"))
            continue
        start, end = (c.start, c.end) if c.start is not None else (excerpt.start, excerpt.end)
        if end is None or not 0 <= start <= end <= len(text):
            skipped.append((f"{c.username}'s span {c.start}-{c.end} on excerpt {excerpt.id}",
                            f"lies outside its transcript ({len(text)} characters)"))
            continue
        key = f"{c.username}|{c.excerpt_id}|{c.start}|{c.end}"
        selection = _selection(guid("selection", key), text[start:end], start, end, user_guid(c.username),
                               c.decided_at)
        for code in c.codes:
            coding = etree.SubElement(selection, q("Coding"), guid=guid("coding", f"{key}|{code}"),
                                      creatingUser=user_guid(c.username), creationDateTime=xml_datetime(c.decided_at))
            etree.SubElement(coding, q("CodeRef"), targetGUID=code_guid(code))
            n_codings += 1
        if c.start is None:
            excerpt_selection[(c.username, c.excerpt_id)] = selection
        selections[excerpt.transcript_id].add(start, end, c.username, key, selection)

    n_suggestions = 0
    for s in sorted(suggestions, key=lambda s: (s.excerpt_id, s.rank, s.code)):
        excerpt = excerpts.get(s.excerpt_id)
        if excerpt is None or text_of[excerpt.transcript_id][excerpt.start:excerpt.end] != excerpt.text:
            skipped.append((f"suggestion {s.code!r} on excerpt {s.excerpt_id}", "its excerpt no longer matches"))
            continue
        key = f"{run.id}|{s.excerpt_id}|{s.code}"
        selection = _selection(guid("suggestion", key), excerpt.text, excerpt.start, excerpt.end, MACHINE_GUID,
                               s.updated_at)
        description = f"qualflow suggests {s.code} (confidence {s.confidence:.2f}, rank {s.rank})"
        if s.reason:
            description += f": {s.reason}"
        etree.SubElement(selection, q("Description")).text = xml_text(description)
        coding = etree.SubElement(selection, q("Coding"), guid=guid("suggestion-coding", key),
                                  creatingUser=MACHINE_GUID, creationDateTime=xml_datetime(s.updated_at))
        etree.SubElement(coding, q("CodeRef"), targetGUID=code_guid(s.code))
        selections[excerpt.transcript_id].add(excerpt.start, excerpt.end, f"~{MACHINE_USER}", key, selection)
        n_suggestions += 1

    # -- memos: on the author's own selection of the excerpt (made for the purpose if there
    # is none), else on the source
    notes_el = etree.Element(q("Notes"))
    for memo in memos:
        author = people[memo.user_id].username
        note_guid = guid("memo", str(memo.id))
        note = etree.SubElement(notes_el, q("Note"), guid=note_guid, name=snippet(memo.text, 40),
                                creatingUser=user_guid(author), creationDateTime=xml_datetime(memo.created_at))
        etree.SubElement(note, q("PlainTextContent")).text = xml_text(memo.text)
        excerpt = excerpts.get(memo.excerpt_id)
        if excerpt is not None and text_of[excerpt.transcript_id][excerpt.start:excerpt.end] != excerpt.text:
            skipped.append((f"the place of memo {memo.id}", "its excerpt no longer matches the transcript's text; "
                                                            "the memo is attached to the source instead"))
            excerpt = None
        if excerpt is not None:
            selection = excerpt_selection.get((author, excerpt.id))
            if selection is None:
                # not coded by its author: an annotation, as QualCoder writes and reads one (the
                # note holds the position, the source refers to the note); a selection without
                # codes would arrive there with an empty memo
                etree.SubElement(note, q("PlainTextSelection"), guid=guid("annotation", str(memo.id)),
                                 startPosition=str(excerpt.start), endPosition=str(excerpt.end))
                note_refs.setdefault(guid("source", excerpt.transcript_id), []).append(note_guid)
                continue
            note_refs.setdefault(selection.get("guid"), []).append(note_guid)
        elif memo.excerpt_id is None and memo.transcript_id is None:
            # a project memo: a note nothing refers to (ATLAS.ti, qualflow), and the project's
            # Description, which QualCoder reads as its project memo
            project_memos.append(f"{author}: {memo.text}")
        else:
            transcript_id = memo.transcript_id or excerpts[memo.excerpt_id].transcript_id
            note_refs.setdefault(guid("source", transcript_id), []).append(note_guid)
            if memo.excerpt_id is None:  # QualCoder keeps a source's memo in its Description
                source_memos.setdefault(transcript_id, []).append(f"{author}: {memo.text}")

    pages = document_pages(session, [t.id for t in transcripts if t.source_type == "document"])
    files: dict[str, bytes] = {}
    if transcripts:
        sources_el = etree.SubElement(root, q("Sources"))
        for t in transcripts:
            source_guid = guid("source", t.id)
            source = etree.SubElement(
                sources_el, q("TextSource"), guid=source_guid, name=xml_text(t.id),
                plainTextPath=f"internal://{source_guid}.txt", creatingUser=MACHINE_GUID,
                creationDateTime=xml_datetime(run.started_at),
            )
            about = _source_description(t, pages.get(t.id, []))
            if t.id in source_memos:
                about += "\n\nMemos:\n" + "\n".join(source_memos[t.id])
            etree.SubElement(source, q("Description")).text = xml_text(about)
            for selection in selections[t.id].sorted():
                for note_guid in note_refs.get(selection.get("guid"), ()):
                    etree.SubElement(selection, q("NoteRef"), targetGUID=note_guid)
                source.append(selection)
            for note_guid in note_refs.get(source_guid, ()):
                etree.SubElement(source, q("NoteRef"), targetGUID=note_guid)
            files[f"sources/{source_guid}.txt"] = t.text.encode("utf-8")
    if len(notes_el):
        root.append(notes_el)
    description = (f"Exported by qualflow {__version__} from run {run.id}"
                   + (f" (codebook {codebook.id})" if codebook else "")
                   + ". Selection positions count Unicode code points of the plain-text sources.")
    if project_memos:
        description += "\n\nProject memos:\n" + "\n".join(project_memos)
    etree.SubElement(root, q("Description")).text = xml_text(description)

    report = dict(
        run_id=run.id, codebook_id=codebook.id if codebook else None, sources=len(transcripts),
        cases=n_cases, codes=len(codes), users=(MACHINE_USER, *(u.username for u in users)),
        codings=n_codings, suggestions=n_suggestions,
        memos=len(memos), skipped=tuple(skipped), extra_codes=tuple(extra_codes), superseded=superseded,
    )
    return root, files, report


def _selection(selection_guid: str, text: str, start: int, end: int, user: str, when: datetime | None) -> etree._Element:
    return etree.Element(q("PlainTextSelection"), guid=selection_guid, name=snippet(text), startPosition=str(start),
                         endPosition=str(end), creatingUser=user, creationDateTime=xml_datetime(when))


def _write_cases(root: etree._Element, transcripts: list[TranscriptRow]) -> int:
    """``Variables`` (all ``Text``) and one ``Case`` per interview with its values and source."""
    case_rows = [(t, _case_variables(t)) for t in transcripts]
    variable_names = sorted({name for _, values in case_rows for name in values},
                            key=lambda n: (CASE_COLUMNS.index(n) if n in CASE_COLUMNS else len(CASE_COLUMNS), n))
    if variable_names:
        variables_el = etree.SubElement(root, q("Variables"))
        for name in variable_names:
            etree.SubElement(variables_el, q("Variable"), guid=guid("variable", name), name=xml_text(name),
                             typeOfVariable="Text")
    if case_rows:
        cases_el = etree.SubElement(root, q("Cases"))
        for t, values in case_rows:
            case = etree.SubElement(cases_el, q("Case"), guid=guid("case", t.id), name=xml_text(t.id))
            for name in variable_names:
                if name not in values:
                    continue
                value = etree.SubElement(case, q("VariableValue"))
                etree.SubElement(value, q("VariableRef"), targetGUID=guid("variable", name))
                etree.SubElement(value, q("TextValue")).text = xml_text(values[name])
            etree.SubElement(case, q("SourceRef"), targetGUID=guid("source", t.id))
    return len(case_rows)


def _source_description(t: TranscriptRow, pages: list[tuple[int, int, int]]) -> str:
    """What the source is. A document's pages are given as code-point spans, so a selection
    can be cited by page in any QDA tool (a plain-text source has no pages of its own)."""
    about = f"{t.file} ({t.format}), language {t.language or 'unknown'}"
    if t.source_type == "document":
        spans = "; ".join(f"p. {page}: {start}-{end}" for page, start, end in pages)
        return f"Official document {about}" + (f". Pages by position: {spans}" if spans else "")
    if t.source_type == "survey":
        respondent = (t.variables or {}).get("respondent", t.id)
        return f"Survey respondent {respondent}: open answers from {about}, each after its item's text"
    return about


def _case_variables(t: TranscriptRow) -> dict[str, str]:
    values = {name: getattr(t, name) for name in CASE_COLUMNS}
    if t.source_type != "interview":  # interviews keep the variables they always had
        values["source_type"] = t.source_type
    for name, value in (t.variables or {}).items():
        values[str(name)] = value  # the manifest's own language beats the detected one
    return {k: str(v) for k, v in values.items() if v is not None and str(v) != ""}


def _write_archive(out_path: Path, project: etree._Element, files: dict[str, bytes], when: datetime | None) -> None:
    """The zip, written beside ``out_path`` and renamed into place (complete or absent)."""
    stamp = (when or datetime(1980, 1, 1, tzinfo=timezone.utc))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    stamp = max(stamp.astimezone(timezone.utc), datetime(1980, 1, 1, tzinfo=timezone.utc))
    date_time = stamp.timetuple()[:6]
    members = {"project.qde": etree.tostring(project, xml_declaration=True, encoding="utf-8", pretty_print=True)}
    members.update(sorted(files.items()))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                info = zipfile.ZipInfo(name, date_time=date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        os.replace(partial, out_path)
    finally:
        if partial.exists():
            partial.unlink()
