"""What an import of a REFI-QDA project did (``pipeline.exchange.importer``), for the console
and the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    """Created transcripts whose text differs from the source's (pseudonymised names): positions carried over."""
    machine_codings_as_human: tuple[str, ...] = ()
    """Codings owned by "qualflow" that match no suggestion qualflow made (new span or code):
    a person's work in a program that recorded it as qualflow; recorded for the coder."""
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
