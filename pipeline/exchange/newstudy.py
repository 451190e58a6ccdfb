"""A project from another QDA program as a new study: its text sources become transcripts.

Each text source is written, with its case's variables as a manifest row, into a
temporary corpus folder and read back by the ingest stage, exactly as ``qualflow run``
reads a corpus: so speaker turns come from ``Speaker: text`` lines (the ingest layout
reader), names listed in the pseudonym key are replaced, and a later ``qualflow run
--study NAME`` (which reads the study back from the store the same way) makes the same
transcripts and excerpts. The transcript is segmented with the default configuration so
the project's codings can be placed on excerpts at once.

The ingested text can differ from the source's (pseudonymised names, trimmed blank
lines): positions are then carried over through the longest common blocks of the two
texts, and the report says so.

Case variables become interview metadata: ``city``, ``country``, ``role``, ``date`` (ISO
only; another form is kept as ``date_as_written``) and ``language`` (one of the run's
languages; else detected); the others are kept as extra variables.
"""

from __future__ import annotations

import csv
import difflib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from sqlalchemy.orm import Session

from pipeline.exchange.project import QdaProject, QdaSource
from pipeline.ingest.manifest import _ID  # the manifest's rule for an interview id

KNOWN = ("city", "country", "role", "date", "language")
ALIASES = {"stadt": "city", "ville": "city", "town": "city", "respondent_role": "role", "interview_date": "date",
           "lang": "language", "sprache": "language"}


@dataclass(frozen=True)
class NewTranscript:
    source_guid: str
    transcript_id: str
    text: str
    where: list[int] | None
    """Position in the transcript of each position of the source's normalised text (``None``: the same)."""
    remapped: bool


def machine_path(path: str) -> str:
    """A code path as a codebook's machine name: each level's spaces and punctuation become
    ``_`` (letters of any script stay): ``"Ψηφιακό χάσμα/Γονείς (όλοι)"`` -> ``"Ψηφιακό_χάσμα/Γονείς_όλοι"``."""
    parts = [re.sub(r"[^\w-]+", "_", part).strip("_") or "code" for part in path.split("/")]
    return "/".join(parts)


def case_metadata(project: QdaProject) -> dict[str, dict[str, str]]:
    """source guid -> its case's variables (MAXQDA's variables on the source itself win)."""
    out: dict[str, dict[str, str]] = {}
    for case in project.cases:
        for guid in case.sources:
            out.setdefault(guid, {}).update(case.variables)
    for source in project.sources:
        if source.variables:
            out.setdefault(source.guid, {}).update(source.variables)
    return out


def _manifest_row(tid: str, file: str, variables: dict[str, str], languages: Sequence[str]) -> dict[str, str]:
    import datetime as dt

    row = {"interview_id": tid, "file": file}
    extra: dict[str, str] = {}
    for name, value in variables.items():
        key = name.strip().lower().replace(" ", "_")
        key = ALIASES.get(key, key)
        value = (value or "").strip()
        if not value:
            continue
        if key == "date":
            try:
                row["date"] = dt.date.fromisoformat(value[:10]).isoformat()
            except ValueError:
                extra["date_as_written"] = value
        elif key == "language":
            if value.lower() in languages:
                row["language"] = value.lower()
        elif key in KNOWN:
            row[key] = value
        elif key not in ("interview_id", "file", "names", "interviewer"):
            extra[key] = value
    return {**row, **{k: v for k, v in extra.items() if k not in row}}


def position_map(source: str, transcript: str) -> list[int]:
    """Where each position of ``source`` lands in ``transcript`` (``len(source) + 1`` entries),
    through their common blocks; positions in changed text land at the change's start."""
    where = [0] * (len(source) + 1)
    matcher = difflib.SequenceMatcher(None, source, transcript, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(i1, i2):
            where[k] = j1 + (k - i1) if tag == "equal" else j1
    where[len(source)] = len(transcript)
    return where


def ingest_sources(session: Session, sources: Sequence[tuple[QdaSource, str]], project: QdaProject,
                   taken: set[str]) -> tuple[list[NewTranscript], list[tuple[str, str]], list]:
    """Make transcripts of ``(source, normalised text)`` pairs; write them, their turns, their
    excerpts and new pseudonyms inside ``session``. Returns (made, (source name, why) not made,
    excerpts)."""
    from pipeline.config import load_config
    from pipeline.ingest import PseudonymKey, ingest_corpus
    from pipeline.ingest.transcript import slugify
    from pipeline.segment import segment_transcript
    from pipeline.store.repository import read_pseudonyms, write_excerpts, write_pseudonyms, write_transcripts

    config = load_config(None)
    languages = tuple(code.lower() for code in config.ingest.languages)
    variables = case_metadata(project)
    key = PseudonymKey.from_entries(read_pseudonyms(session))
    ids: dict[str, tuple[QdaSource, str]] = {}
    with tempfile.TemporaryDirectory(prefix="qualflow-import-") as folder:
        rows = []
        for source, text in sources:
            stem = Path(source.name).stem or source.name
            base = stem if _ID.fullmatch(stem) and len(stem) <= 56 else slugify(stem)[:56]
            tid, n = base, 2
            while tid in taken or tid in ids:
                tid, n = f"{base}-{n}", n + 1
            ids[tid] = (source, text)
            (Path(folder) / f"{tid}.txt").write_text(text, encoding="utf-8", newline="\n")
            rows.append(_manifest_row(tid, f"{tid}.txt", variables.get(source.guid, {}), languages))
        columns = list(dict.fromkeys(k for r in rows for k in r))
        with open(Path(folder) / "manifest.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        result = ingest_corpus(Path(folder), languages=languages, key=key)
    from pipeline.ingest.language import release_detectors

    release_detectors()
    write_pseudonyms(session, key.entries())
    write_transcripts(session, result.transcripts)
    excerpts = [e for t in result.transcripts for e in segment_transcript(t, config.segment)]
    write_excerpts(session, excerpts)
    made = []
    for t in result.transcripts:
        source, text = ids[t.id]
        where = None if t.text == text else position_map(text, t.text)
        made.append(NewTranscript(source.guid, t.id, t.text, where, where is not None))
    not_made = [(ids[Path(q.file).stem][0].name if Path(q.file).stem in ids else q.file, q.reason)
                for q in result.quarantined]
    return made, not_made, excerpts
