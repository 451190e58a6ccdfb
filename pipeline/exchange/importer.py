"""Coding done in another QDA program, back into the store as decisions and memos.

The import is one transaction: the file is read and checked completely first
(``project.read_project``), then matched against the store, then written; a bad file
writes nothing.

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

import dataclasses
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from sqlalchemy.orm import Session

from pipeline.errors import InvalidInput, NotFound
from pipeline.exchange.newstudy import machine_path
from pipeline.exchange.project import QdaProject, QdaSelection, QdaSource, read_project
from pipeline.exchange.qdaxml import MACHINE_GUID, MACHINE_USER, guid
from pipeline.exchange.qdc import code_guid, codebook_from_codes
from pipeline.records import Code
from pipeline.store import audit
from pipeline.store import imports
from pipeline.store.codebooks import codebook_for, stored_codebook
from pipeline.store.codings import current_codes
from pipeline.store.db import Store
from pipeline.store.studies import add_transcripts, ensure_study, has_study, latest_run, resolve_run

if TYPE_CHECKING:  # the rows the store hands back
    from pipeline.store.models import ExcerptRow, Run, User

NO_TRANSCRIPT = "no stored transcript has this text"
NEVER_IMPORTED_AS = ("admin", "validator")
"""Roles whose judgement an imported file must never speak for."""


@dataclass(frozen=True)
class ImportReport:
    path: str
    project: str
    origin: str
    coder: str
    run_id: str | None
    codebook_id: str | None
    users: tuple[str, ...]
    """Every user the file lists."""
    users_created: tuple[str, ...]
    codes: tuple[str, ...]
    """Every code of the file, by the qualflow name it maps to."""
    unknown_codes: tuple[str, ...]
    codes_added: tuple[str, ...]
    sources_matched: dict[str, str]
    """source name -> transcript id"""
    sources_unmatched: tuple[tuple[str, str], ...]
    """(source name, why)"""
    decisions: int
    unchanged: int
    placements: dict[str, int]
    """How selections were placed: ``excerpt`` (exactly), ``overlap`` and ``nearest`` (hand-coded spans)."""
    unplaced: tuple[tuple[str, str], ...]
    suggestions_skipped: int
    codings_dropped: int
    memos: int
    memos_unchanged: int
    notes_skipped: tuple[tuple[str, str], ...]
    study: str | None = None
    transcripts_created: tuple[str, ...] = ()
    """Transcripts made from the project's sources (a new study)."""
    positions_remapped: tuple[str, ...] = ()
    machine_codings_as_human: tuple[str, ...] = ()
    """Codings owned by "qualflow" that match no suggestion qualflow made (new span or code):
    a person's work in a program that recorded it as qualflow; recorded for the coder."""
    """Created transcripts whose text differs from the source's (pseudonymised names): positions carried over."""
    authors: dict[str, str] = field(default_factory=dict)
    """file user name -> the account their codings and notes were recorded for"""
    cases: dict[str, dict[str, str]] = field(default_factory=dict)
    """case name -> variable -> value"""
    case_transcripts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"{self.path}: project {self.project!r} from {self.origin or 'unknown software'}"
            + (f", study {self.study!r}" if self.study else ""),
            f"users in the file: {', '.join(self.users) or 'none'}"
            + (f"; created {', '.join(self.users_created)}" if self.users_created else ""),
            "recorded for: " + (", ".join(f"{a} -> {b}" for a, b in self.authors.items()) or self.coder),
            f"{len(self.codes)} codes, {len(self.unknown_codes)} not in the codebook"
            + (f" ({', '.join(self.unknown_codes[:8])}{', ...' if len(self.unknown_codes) > 8 else ''})"
               if self.unknown_codes else "")
            + (f"; added {len(self.codes_added)}" if self.codes_added else ""),
            f"sources: {len(self.sources_matched)} matched, {len(self.sources_unmatched)} not",
        ]
        out += [f"  not matched: {name}: {why}" for name, why in self.sources_unmatched]
        if self.transcripts_created:
            out.append(f"{len(self.transcripts_created)} transcripts created from the project's sources"
                       + (f" ({len(self.positions_remapped)} with pseudonymised or changed text, positions "
                          f"carried over)" if self.positions_remapped else ""))
        placed = ", ".join(f"{n} {kind}" for kind, n in self.placements.items() if n)
        out.append(f"{self.decisions} decisions written, {self.unchanged} unchanged"
                   + (f" (placed: {placed})" if placed else ""))
        out += [f"  not placed: {what}: {why}" for what, why in self.unplaced]
        if self.machine_codings_as_human:
            out.append(f"{len(self.machine_codings_as_human)} codings owned by 'qualflow' match no qualflow "
                       f"suggestion (a new span or code): recorded as {self.coder}'s")
            out += [f"  {what}" for what in self.machine_codings_as_human[:20]]
        if self.suggestions_skipped:
            out.append(f"{self.suggestions_skipped} qualflow suggestions skipped (not a coder's judgement)")
        if self.codings_dropped:
            out.append(f"{self.codings_dropped} codings of unknown codes dropped (use --add-missing-codes to keep them)")
        out.append(f"{self.memos} memos written, {self.memos_unchanged} already there")
        out += [f"  note skipped: {what}: {why}" for what, why in self.notes_skipped]
        return out


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


def normalise_source(raw: str) -> tuple[str, list[int] | None]:
    """The transcript form of a source's text (``\\n`` line ends, NFC) and, when it differs
    from ``raw``, the position in it of every position of ``raw`` (``len(raw) + 1`` entries).

    Positions inside a line end or a combining sequence land at its start. ``None`` as map:
    identical texts. Raises ``ValueError`` when the two cannot be aligned (NFC joining
    characters across sequences, e.g. Hangul jamo), which leaves the source unmatched.
    """
    if "\r" not in raw and unicodedata.is_normalized("NFC", raw):
        return raw, None
    pieces, where, n, i = [], [0] * (len(raw) + 1), 0, 0
    while i < len(raw):
        if raw[i] == "\r":
            j = i + 2 if raw[i + 1 : i + 2] == "\n" else i + 1
            piece = "\n"
        else:
            j = i + 1
            while j < len(raw) and raw[j] != "\r" and unicodedata.combining(raw[j]):
                j += 1
            piece = unicodedata.normalize("NFC", raw[i:j])
        for k in range(i, j):
            where[k] = n
        pieces.append(piece)
        n += len(piece)
        i = j
    where[len(raw)] = n
    text = "".join(pieces)
    if text != unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")):
        raise ValueError("its normalisation joins characters across sequences")
    return text, where


@dataclass
class _Source:
    transcript_id: str
    text: str
    where: list[int] | None
    excerpts: list[ExcerptRow]


class _Import:
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

    # -- people
    def person(self, name: str, role: str) -> User:
        user = self.people.get(name)
        if user is None:
            user = imports.add_person(self.s, name, role)
            self.people[name] = user
            self.created.append(name)
        return user

    def _may_hold_imports(self, account: str, how: str) -> None:
        user = self.people.get(account)
        if user is not None and user.role in NEVER_IMPORTED_AS:
            raise InvalidInput(self.shown, f"{how}: {account!r} is a{'n' if user.role == 'admin' else ''} "
                                           f"{user.role} account; imported work is recorded only for coders")

    def author(self, file_user: str | None) -> User | None:
        """Who a coding or note is recorded for (see the module notes); ``None`` for
        qualflow's own suggestions."""
        named = self.users_by_guid.get(file_user) if file_user else None
        if file_user == MACHINE_GUID or (named is not None and named.name == MACHINE_USER):
            return None
        claimed = named.name if named is not None and named.name else None
        if claimed in self.mapped:
            user = self.person(self.mapped[claimed], "external")
        elif claimed is not None and self.keep_users:
            existing = self.people.get(claimed[:80])
            if existing is not None and existing.role != "external":
                raise InvalidInput(self.shown, f"the file's user {claimed!r} has the name of a {existing.role} "
                                               f"account; map it explicitly (--user '{claimed}=ACCOUNT')")
            user = self.person(claimed[:80], "external")
        else:
            user = self.person(self.coder, "coder")
        if claimed is not None:
            self.authors[claimed] = user.username
        return user

    # -- codes
    def codes(self) -> tuple[dict[str, str | None], list[str], list[str], str | None]:
        """(code guid -> qualflow name, or None when dropped; unknown names; added names; codebook id)."""
        book = codebook_for(self.s, self.run) if self.run is not None and self.run.codebook_id else None
        if book is None and self.study is not None:  # a study without runs: its own codebook
            book_id = imports.study_codebook_id(self.s, self.study)
            book = stored_codebook(self.s, book_id or self._project_codebook())
        known = {c.name for c in book.codes} if book else set()
        by_guid = {code_guid(name): name for name in known}
        mapped: dict[str, str | None] = {}
        unknown: list[str] = []
        for code in self.p.codes:
            name = by_guid.get(code.guid) or (code.path if code.path in known else None) or (
                code.name if code.name in known else None) or (
                machine_path(code.path) if machine_path(code.path) in known else None)
            if name is None:
                unknown.append(code.path)
            mapped[code.guid] = name or code.path
        codebook_id = book.id if book else None
        added: list[str] = []
        if unknown and self.add_missing_codes:
            codebook_id = codebook_id or self._project_codebook()
            present = imports.code_names(self.s, codebook_id)
            by_path = {c.path: c for c in self.p.codes}
            new = []
            for name in unknown:
                if name in present:
                    continue
                code = by_path[name]
                new.append(Code(name=name, label=code.name, description=code.description, parent=code.parent,
                                colour=code.colour))
                added.append(name)
            imports.add_imported_codes(self.s, codebook_id, new)
        elif unknown:
            for code in self.p.codes:
                if code.path in unknown:
                    mapped[code.guid] = None
        return mapped, unknown, added, codebook_id

    def _project_codebook(self) -> str:
        """A codebook for the file's codes in a store that has none to add them to."""
        from pipeline.codebook import codebook_to_dict

        slug = re.sub(r"[^\w-]+", "_", self.p.name).strip("_")[:100] or "project"
        codes = self.p.codes
        if self.study is not None:  # a codebook qualflow runs with: machine names, the file's names as labels
            # a codebook needs descriptions; the code's own name is what its coders went by
            codes = [dataclasses.replace(c, path=machine_path(c.path), parent=c.parent and machine_path(c.parent),
                                         description=c.description.strip() or c.name)
                     for c in codes]
        book = codebook_from_codes(codes, name=slug, version=f"qdpx-{self.p.qde_sha256[:8]}",
                                   sha256=self.p.qde_sha256, source=self.shown)
        if self.study is not None:  # the study's codebook: every code of the project, hierarchy kept
            from pipeline.store.repository import write_codebook

            write_codebook(self.s, book, codebook_to_dict(book))
            ensure_study(self.s, self.study, origin="qdpx", codebook_id=book.id)
        else:
            imports.add_codebook_unless_stored(self.s, book, codebook_to_dict(book))
        return book.id

    # -- sources
    def match(self, source: QdaSource) -> _Source | str:
        """The transcript a source is, or why none is."""
        if source.text is None:
            return source.why or "no plain text"
        try:
            text, where = normalise_source(source.text)
        except ValueError as exc:
            return f"its text cannot be aligned with a transcript: {exc}"
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        candidates = imports.transcripts_with_text_hash(self.s, sha)
        exported_as = self.guid_to_transcript.get(source.guid)
        if exported_as is not None and all(tid != exported_as for tid, _ in candidates):
            return (f"it was exported from transcript {exported_as}, whose text has changed since "
                    "(or it was edited in the other program); its positions would be wrong")
        candidates = [(tid, stored) for tid, stored in candidates if stored == text]
        if not candidates:
            return NO_TRANSCRIPT
        tid, stored = next((c for c in candidates if c[0] == exported_as), min(candidates))
        return _Source(tid, stored, where, self.excerpts_of(tid, stored))

    def suggested(self, matched: dict) -> set[tuple[str, str]]:
        """(excerpt id, code) of every suggestion qualflow made on the matched transcripts."""
        if not hasattr(self, "_suggested"):
            self._suggested = imports.suggested_pairs(self.s, {src.transcript_id for src in matched.values()})
        return self._suggested

    def create_transcripts(self, fresh, matched: dict, unmatched: list) -> tuple[list[str], list[str]]:
        """Transcripts of a study made from sources no stored transcript has (``newstudy``)."""
        if not fresh:
            return [], []
        from pipeline.exchange.newstudy import ingest_sources

        taken = set(imports.transcript_ids(self.s))
        made, not_made, _ = ingest_sources(self.s, [(src, text) for src, text, _ in fresh], self.p, taken)
        unmatched.extend(not_made)
        raw_map = {src.guid: where for src, _, where in fresh}
        for t in made:
            first = raw_map[t.source_guid]  # archive text -> normalised text
            second = t.where  # normalised text -> the transcript's text
            if first is None:
                where = second
            else:
                where = first if second is None else [second[i] for i in first]
            matched[t.source_guid] = _Source(t.transcript_id, t.text, where, self.excerpts_of(t.transcript_id, t.text))
        return [t.transcript_id for t in made], [t.transcript_id for t in made if t.remapped]

    def excerpts_of(self, transcript_id: str, text: str) -> list[ExcerptRow]:
        """The transcript's excerpts (as the run saw them, if it did) that still match its text, in order."""
        found = imports.excerpts_in(self.s, transcript_id, self.run.id if self.run is not None else None)
        return sorted((e for e in found if text[e.start:e.end] == e.text), key=lambda e: (e.start, e.end))

    @staticmethod
    def place(selection: QdaSelection, source: _Source) -> tuple[ExcerptRow, int | None, int | None, str] | None:
        start, end = selection.start, selection.end
        if source.where is not None:
            start, end = source.where[start], source.where[end]
        best, best_key = None, None
        for e in source.excerpts:
            if (e.start, e.end) == (start, end):
                return e, None, None, "excerpt"
            overlap = min(end, e.end) - max(start, e.start)
            if overlap > 0:
                key = (-overlap, e.end - e.start, e.start)
                if best_key is None or key < best_key:
                    best, best_key = e, key
        if best is not None:
            return best, start, end, "overlap"
        if not source.excerpts:
            return None
        nearest = min(source.excerpts, key=lambda e: (max(e.start - end, start - e.end, 0), e.start))
        return nearest, start, end, "nearest"

    # -- the whole import
    def execute(self) -> ImportReport:
        p = self.p
        self.notes_by_guid = {n.guid: n for n in p.notes}
        transcripts = imports.transcript_ids(self.s)
        self.guid_to_transcript = {guid("source", tid): tid for tid in transcripts}
        code_names, unknown, added, codebook_id = self.codes()
        coder = self.person(self.coder, "coder")

        matched: dict[str, _Source] = {}
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

    def write_decisions(self, units: dict[tuple[int, str, int | None, int | None], set[str]]) -> tuple[int, int]:
        """One ``code`` decision per unit whose code set differs from the person's current one."""
        current = current_codes(self.s, {key[1] for key in units})
        run_id = self.run.id if self.run is not None else None
        written = unchanged = 0
        for (user_id, excerpt_id, start, end), names in sorted(
                units.items(), key=lambda kv: (kv[0][1], kv[0][0], -1 if kv[0][2] is None else kv[0][2])):
            codes = sorted(names)
            now = current.get((user_id, excerpt_id, start, end))
            if now is not None and list(now.codes) == codes:
                unchanged += 1
                continue
            imports.add_coding(self.s, run_id=run_id, excerpt_id=excerpt_id, user_id=user_id, codes=codes, start=start,
                            end=end, source="qdpx")
            written += 1
        return written, unchanged

    def write_memos(self, targets: list, notes_skipped: list[tuple[str, str]]) -> tuple[int, int]:
        """A memo per note (or selection description) and place, unless the same one is there."""

        def same(user_id: int, excerpt_id: str | None, transcript_id: str | None, text: str) -> tuple:
            # a memo on an excerpt is the same memo whether or not it also names the transcript
            return (user_id, excerpt_id, None if excerpt_id else transcript_id, text)

        notes = {n.guid: n for n in self.p.notes}
        existing = {same(*memo) for memo in imports.memos(self.s)}
        written = unchanged = 0
        for ref, author, excerpt_id, transcript_id, text in targets:
            if ref is not None:
                note = notes[ref]
                author, text = self.author(note.user), note.text
                if author is None:
                    notes_skipped.append((ref, "written by qualflow itself"))
                    continue
            if not text.strip():
                continue
            key = same(author.id, excerpt_id, transcript_id, text)
            if key in existing:
                unchanged += 1
                continue
            existing.add(key)
            imports.add_memo(self.s, user_id=author.id, excerpt_id=excerpt_id, transcript_id=transcript_id, text=text)
            written += 1
        return written, unchanged

    def _note_name(self, ref: str) -> str:
        note = next((n for n in self.p.notes if n.guid == ref), None)
        return (note.name or note.guid) if note else ref
