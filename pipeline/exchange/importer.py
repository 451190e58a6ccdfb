"""Coding done in another QDA program, back into the store as decisions and memos.

The import is one transaction: the file is read and checked completely first
(``project.read_project``), then matched against the store, then written; a bad file
writes nothing.

One module per job, following the notes below: ``sources`` (matching sources, placing
selections), ``authors``, ``codes``, ``recording`` (decisions and memos) and
``import_report``; here, the import in order.

**Sources.** A source is matched to a stored transcript by its text: the file's plain
text with a byte-order mark removed, ``\\r\\n`` and ``\\r`` turned into ``\\n`` and NFC
applied must equal ``transcripts.text`` (compared by sha256). A source qualflow exported
carries the transcript's GUID; if that GUID's transcript now has a different text, the
source is *not* matched, since its positions would point at the wrong words. Positions
count Unicode code points of the source's text as the archive holds it; when that text
differed only in line ends or normalisation, they are carried over to the transcript's
text. Sources that match nothing (other interviews, the ATLAS.ti samples' empty projects,
PDFs, audio) are listed in ``ImportReport.sources_unmatched`` with the reason; they do
not stop the import.

**Placement.** A selection becomes a decision on an excerpt of its transcript (the run's
excerpts when ``run_id`` is given, else every stored excerpt still matching the text):

- a selection with exactly an excerpt's offsets is a decision on that excerpt;
- otherwise, the excerpt it overlaps most (ties: the shorter excerpt, then the earlier)
  gets a decision that also records the coder's own span (``start``/``end``);
- a selection overlapping no excerpt (an interviewer's question, a speaker label) is a
  hand-coded span too, attached to the nearest excerpt of that transcript.

So every decision names an excerpt (excerpt-level evaluation can use them all), and
``start``/``end`` are set exactly when the coder's span is not the excerpt. A transcript
without excerpts cannot hold decisions; its selections are reported in ``unplaced``.

**Who.** A file's ``creatingUser`` is a claim anyone can write (qualflow's own user GUIDs are
derived from names), so it never picks an account by itself. Every coding and note is
recorded for ``coder`` (created as a ``coder`` without a password if missing), except:

- a file user the operator maps explicitly (``users={"Name in the file": "account"}``,
  ``--user``) is recorded for that account (created ``external``, without a password, if
  missing); this is how the codings of alice and bob that went out in an export come back
  as theirs;
- with ``keep_users``, unmapped file users are recorded under their own names as
  ``external`` accounts; a name that belongs to an account that can sign in is refused
  rather than written into that person's work (map it explicitly instead).

Neither ``coder`` nor a mapped account may be an admin or a validator: imported work is
coding, and must not appear as a validator's judgement. The audit entry of the import
records which file user's work went to which account (``authors``). Codings by the user
``qualflow`` that match a suggestion qualflow made (same excerpt, same code) are its own
open suggestions from an export, not anyone's judgement: they are skipped and counted. One
that matches none (a new span or a new code) is a person's work that a program recorded as
``qualflow`` (QualCoder makes a file's first user its current coder): it is recorded for
``coder`` and listed in ``machine_codings_as_human``. A note that holds a
``PlainTextSelection`` and is referred to from its source (how QualCoder writes an
annotation) becomes a memo on the excerpt at that position.

**Decisions.** All codings of one person on one unit (excerpt, or span) make one decision
with action ``code``, ``codes`` = that code set and ``source="qdpx"``. A unit whose
current code set (the person's latest decision) already equals it is left alone, so
importing the same file twice adds nothing. A selection deleted in the other program
leaves no trace in the file, so it is not turned into a removal.

**Codes** are matched by GUID (those qualflow exported), then by name. Codes in no
codebook of the run are listed in ``unknown_codes``; with ``add_missing_codes`` they are
added to the ``codes`` table (origin ``imported``) of the run's codebook (or, in a store
without one, of a codebook named after the project) and their codings are kept. Without
it their codings are dropped and counted (``codings_dropped``).

**Memos.** Notes come back as memos of their author: a note on a selection or coding
becomes a memo on the excerpt the selection was placed on, a note on a source a memo on
the transcript, a project note a memo on neither. A selection's own description (how
MAXQDA and QualCoder keep a coding comment) becomes a memo on its excerpt. Notes on codes
have no place in the store and are reported. Identical memos are not added twice.

**Cases** are read and reported (``ImportReport.cases``); they are written only for the
transcripts an import creates (see below): otherwise the manifest is where qualflow keeps
interview metadata.

**Studies.** With ``study``, the import belongs to that study: codes and excerpts are
matched against its latest completed run. A study the store does not know is created
(origin ``qdpx``) with the project's codes as its codebook (hierarchy kept), and text
sources that match no stored transcript become its transcripts (``newstudy``): speaker
turns from ``Speaker: text`` lines, case variables as interview metadata, excerpts cut by
the default segmenter; the codings then land on them like any other. Every matched or
created transcript becomes part of the study.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from sqlalchemy.orm import Session

from pipeline.errors import InvalidInput, NotFound
from pipeline.exchange.authors import Authors
from pipeline.exchange.codes import CodeMatching
from pipeline.exchange.import_report import ImportReport
from pipeline.exchange.project import QdaProject, QdaSelection, QdaSource, read_project
from pipeline.exchange.qdaxml import guid
from pipeline.exchange.recording import Recording
from pipeline.exchange.sources import NO_TRANSCRIPT, MatchedSource, SourceMatching, normalise_source
from pipeline.store import audit
from pipeline.store import imports
from pipeline.store.db import Store
from pipeline.store.studies import add_transcripts, ensure_study, has_study, latest_run, resolve_run

if TYPE_CHECKING:  # the rows the store hands back
    from pipeline.store.models import Run, User


def import_qdpx(
    store: Store,
    path: str | Path,
    *,
    coder: str,
    run_id: str | None = None,
    add_missing_codes: bool = False,
    keep_users: bool = False,
    users: Mapping[str, str] | None = None,
    xsd_path: str | Path | None = None,
    study: str | None = None,
) -> ImportReport:
    """Import the codings and notes of the REFI-QDA project at ``path``; see the module notes.

    ``run_id`` names the run whose codebook and excerpts the codings are matched against
    (``"latest"`` or ``None``: the newest completed run, if any). ``users`` maps user names
    of the file to accounts. ``xsd_path`` validates the project against the REFI-QDA schema
    first. ``study`` names the study the project belongs to (created if new; module notes).
    """
    from pipeline.store.studies import check_study_name

    shown = Path(path).name
    study = check_study_name(study) if study is not None else None
    coder = coder.strip()
    if not coder:
        raise InvalidInput(shown, "name the coder whose codings these are (--coder NAME)")
    users = {k.strip(): v.strip() for k, v in (users or {}).items()}
    if any(not k or not v for k, v in users.items()):
        raise InvalidInput(shown, "a user mapping needs both names: --user 'NAME IN THE FILE=ACCOUNT'")
    project = read_project(path, xsd_path=xsd_path)
    missing = sorted(set(users) - {u.name for u in project.users})
    if missing:
        raise InvalidInput(shown, f"the file has no user {', '.join(map(repr, missing))}; its users are "
                                  f"{', '.join(repr(u.name) for u in project.users) or 'none'}")
    with store.transaction() as session:
        return _Import(session, project, shown, coder, run_id, add_missing_codes, keep_users, users,
                       study).execute()


class _Import(SourceMatching, Authors, CodeMatching, Recording):
    """One import in one session: the jobs are one base class each (sources, authors, codes,
    recording); here, the state they share and the whole import in order."""

    def __init__(self, session: Session, project: QdaProject, shown: str, coder: str, run_id: str | None,
                 add_missing_codes: bool, keep_users: bool, users: dict[str, str], study: str | None = None) -> None:
        self.s, self.p, self.shown, self.coder = session, project, shown, coder
        self.study = study
        self.new_study = study is not None and not has_study(session, study)
        self.add_missing_codes, self.keep_users, self.mapped = add_missing_codes, keep_users, users
        self.run = self._run(run_id)
        self.users_by_guid = {u.guid: u for u in project.users}
        self.people: dict[str, User] = imports.people(session)
        self.created: list[str] = []
        self.authors: dict[str, str] = {}
        for account, how in [(coder, "--coder"), *((v, f"--user {k}={v}") for k, v in users.items())]:
            self._may_hold_imports(account, how)

    def _run(self, run_id: str | None) -> Run | None:
        if self.new_study:
            if run_id is not None:
                raise InvalidInput("--run", f"study {self.study!r} is new: it has no runs yet")
            return None
        if self.study is not None:
            if run_id is not None and run_id != "latest":
                return resolve_run(self.s, run_id, self.study)
            return latest_run(self.s, self.study)  # None: a study imported before, not yet run
        if run_id is not None and run_id != "latest":
            return resolve_run(self.s, run_id)
        try:
            return resolve_run(self.s, "latest")
        except NotFound:  # a store without runs can still take users, codes and memos
            if run_id == "latest":
                raise
            return None

    # -- the whole import
    def execute(self) -> ImportReport:
        p = self.p
        self.notes_by_guid = {n.guid: n for n in p.notes}
        transcripts = imports.transcript_ids(self.s)
        self.guid_to_transcript = {guid("source", tid): tid for tid in transcripts}
        code_names, unknown, added, codebook_id = self.codes()
        coder = self.person(self.coder, "coder")

        matched: dict[str, MatchedSource] = {}
        unmatched: list[tuple[str, str]] = []
        fresh: list[tuple[QdaSource, str, list[int] | None]] = []
        for source in p.sources:
            found = self.match(source)
            if isinstance(found, str):
                if self.study is not None and found == NO_TRANSCRIPT:
                    fresh.append((source, *normalise_source(source.text)))
                else:
                    unmatched.append((source.name, found))
            else:
                matched[source.guid] = found
        created, remapped = self.create_transcripts(fresh, matched, unmatched)
        if self.study is not None:
            ensure_study(self.s, self.study, origin="qdpx" if self.new_study else "run")
            add_transcripts(self.s, self.study, {src.transcript_id for src in matched.values()})

        units: dict[tuple[int, str, int | None, int | None], set[str]] = {}
        placements: Counter[str] = Counter({"excerpt": 0, "overlap": 0, "nearest": 0})
        unplaced: list[tuple[str, str]] = []
        memo_targets: list[tuple[str | None, User | None, str | None, str | None, str]] = []
        # (note guid or None, author, excerpt id, transcript id, text of a selection description)
        skipped_machine = dropped = 0
        machine_as_human: list[str] = []
        notes_skipped: list[tuple[str, str]] = []  # (note guid, why)
        for source in p.sources:
            here = matched.get(source.guid)
            if source.whole_source_codings:
                unplaced.append((f"source {source.name}", f"{source.whole_source_codings} codings of the whole "
                                                          "source (not of a selection) are not imported"))
            for selection in source.selections:
                if here is None:
                    for ref in selection.note_refs + tuple(r for c in selection.codings for r in c.note_refs):
                        notes_skipped.append((ref, f"its source {source.name!r} was not matched"))
                    continue
                placed = self.place(selection, here)
                if placed is None:
                    unplaced.append((selection.where, f"transcript {here.transcript_id} has no excerpts"))
                    continue
                excerpt, start, end, how = placed
                counted = False
                for coding in selection.codings:
                    person = self.author(coding.user or selection.user)
                    name = code_names.get(coding.code)
                    if person is None:
                        exported = selection.description.startswith(f"qualflow suggests {name} (")
                        if exported or (how == "excerpt" and (excerpt.id, name) in self.suggested(matched)):
                            skipped_machine += 1
                            continue
                        # QualCoder records its current coder's work as the file's first user,
                        # which used to be "qualflow": a span or code qualflow never suggested
                        # is a person's coding
                        person = self.person(self.coder, "coder")
                        machine_as_human.append(f"{source.name} {selection.start}-{selection.end}: "
                                                f"{name or coding.code}")
                    if name is None:
                        dropped += 1
                        continue
                    units.setdefault((person.id, excerpt.id, start, end), set()).add(name)
                    counted = True
                    for ref in coding.note_refs:
                        memo_targets.append((ref, None, excerpt.id, here.transcript_id, ""))
                if counted:
                    placements[how] += 1
                selection_author = self.author(selection.user)
                if selection.description and selection_author is not None:
                    memo_targets.append((None, selection_author, excerpt.id, here.transcript_id,
                                         selection.description))
                for ref in selection.note_refs:
                    memo_targets.append((ref, None, excerpt.id, here.transcript_id, ""))
            for ref in source.note_refs:
                if here is None:
                    notes_skipped.append((ref, f"its source {source.name!r} was not matched"))
                    continue
                span = self.notes_by_guid[ref].span
                placed = None
                if span is not None and span[1] <= len(source.text or ""):  # an annotation: onto its excerpt
                    placed = self.place(QdaSelection("", span[0], span[1], None, "", (), (), ""), here)
                memo_targets.append((ref, None, placed[0].id if placed else None, here.transcript_id, ""))
        referenced = {t[0] for t in memo_targets} | {ref for ref, _ in notes_skipped}
        for ref in p.code_note_refs:
            notes_skipped.append((ref, "notes on codes have no place in the store"))
            referenced.add(ref)
        for note in p.notes:
            if note.guid in p.project_note_refs or note.guid not in referenced:
                memo_targets.append((note.guid, None, None, None, ""))

        written, unchanged = self.write_decisions(units)
        memos, memos_unchanged = self.write_memos(memo_targets, notes_skipped)
        run_id = self.run.id if self.run is not None else None
        self.report_extra = dict(study=self.study, transcripts_created=tuple(created),
                                 positions_remapped=tuple(remapped), machine_codings_as_human=tuple(machine_as_human))

        cases = {c.name: dict(c.variables) for c in p.cases}
        case_transcripts = {c.name: tuple(matched[g].transcript_id for g in c.sources if g in matched) for c in p.cases}
        for source in p.sources:  # MAXQDA keeps variables on the source itself
            if source.variables:
                cases.setdefault(source.name, {}).update(source.variables)
                if source.guid in matched:
                    case_transcripts.setdefault(source.name, (matched[source.guid].transcript_id,))

        report = ImportReport(
            path=self.shown, project=p.name, origin=p.origin, coder=self.coder, run_id=run_id,
            codebook_id=codebook_id, users=tuple(u.name for u in p.users), users_created=tuple(self.created),
            codes=tuple(c.path for c in p.codes), unknown_codes=tuple(unknown), codes_added=tuple(added),
            sources_matched={s.name: matched[s.guid].transcript_id for s in p.sources if s.guid in matched},
            sources_unmatched=tuple(unmatched), decisions=written, unchanged=unchanged, placements=dict(placements),
            unplaced=tuple(unplaced), suggestions_skipped=skipped_machine, codings_dropped=dropped, memos=memos,
            memos_unchanged=memos_unchanged,
            notes_skipped=tuple((f"note {self._note_name(ref)}", why) for ref, why in notes_skipped),
            authors=dict(sorted(self.authors.items())), cases=cases,
            case_transcripts=case_transcripts, **self.report_extra,
        )
        audit.record(self.s, coder.id, "import_qdpx", "qdpx", self.shown,
                     study=self.study or (self.run.study if self.run is not None else None),
                     details={"project": p.name, "origin": p.origin, "decisions": written,
                              "unchanged": unchanged, "memos": memos, "codes_added": list(added),
                              "unknown_codes": list(unknown), "run_id": run_id,
                              "sources_matched": len(matched), "sources_unmatched": len(unmatched),
                              "study": self.study, "transcripts_created": list(created),
                              "authors": dict(sorted(self.authors.items()))})
        return report

    def _note_name(self, ref: str) -> str:
        note = next((n for n in self.p.notes if n.guid == ref), None)
        return (note.name or note.guid) if note else ref


__all__ = ["ImportReport", "import_qdpx"]
