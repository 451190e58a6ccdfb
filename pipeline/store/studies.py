"""Studies in the store: which one a run belongs to, its latest run, and what it holds.

Every "latest run" question goes through :func:`latest_run` (and :func:`resolve_run`, which
also names a run): the review app, the CLI, export and import all ask it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.errors import InvalidInput, NotFound
from pipeline.store import models as m

MAX_NAME = 120


def study_name_of(corpus: str | Path) -> str:
    """The default study of a corpus: its folder's name (the last part of the path)."""
    parts = [p for p in re.split(r"[\\/]+", str(corpus).strip()) if p not in ("", ".")]
    if parts and parts[-1] == "..":
        parts = [Path(str(corpus)).resolve().name]
    return (parts[-1] if parts else "default")[:MAX_NAME]


def check_study_name(name: str, where: str = "--study") -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(where, "a study needs a name")
    if len(name) > MAX_NAME:
        raise InvalidInput(where, f"a study's name has at most {MAX_NAME} characters, not {len(name)}")
    if any(ord(ch) < 32 for ch in name):
        raise InvalidInput(where, "a study's name may not contain control characters")
    return name


def ensure_study(session: Session, name: str, *, origin: str = "run", codebook_id: str | None = None) -> m.Study:
    """The study called ``name``, created if new (inside the caller's transaction)."""
    from pipeline.store.models import utcnow
    from pipeline.store.db import insert_ignoring_duplicates

    study = session.get(m.Study, name)
    if study is None:  # two runs of a new study may start at once: the insert that loses adds nothing
        insert_ignoring_duplicates(session, m.Study, [dict(name=name, origin=origin, codebook_id=codebook_id,
                                                           created_at=utcnow())])
        study = session.get(m.Study, name)
    elif codebook_id and study.codebook_id is None:
        study.codebook_id = codebook_id
    return study


def add_transcripts(session: Session, study: str, transcript_ids) -> int:
    """Make transcripts part of a study (those already in it are left); return how many were added."""
    have = set(session.scalars(select(m.StudyTranscript.transcript_id).where(m.StudyTranscript.study == study)))
    new = sorted(set(transcript_ids) - have)
    session.add_all(m.StudyTranscript(study=study, transcript_id=t) for t in new)
    session.flush()
    return len(new)


def add_run_transcripts(session: Session, run_id: str) -> int:
    """Make the transcripts a run coded part of its study."""
    run = session.get(m.Run, run_id)
    if run is None or run.study is None:
        return 0
    ids = session.scalars(select(m.ExcerptRow.transcript_id).distinct()
                          .join(m.RunExcerpt, m.RunExcerpt.excerpt_id == m.ExcerptRow.id)
                          .where(m.RunExcerpt.run_id == run_id))
    return add_transcripts(session, run.study, ids)


def get_run(session: Session, run_id: str) -> m.Run | None:
    return session.get(m.Run, run_id)


def has_study(session: Session, name: str) -> bool:
    return session.get(m.Study, name) is not None


def get_study(session: Session, name: str) -> m.Study:
    study = session.get(m.Study, name)
    if study is None:
        known = ", ".join(session.scalars(select(m.Study.name).order_by(m.Study.name))) or "none yet"
        raise NotFound(f"no study {name!r} in the store (studies: {known})")
    return study


def latest_run(session: Session, study: str | None = None, status: str = "completed") -> m.Run | None:
    """The newest run of ``status`` in ``study`` (in the whole store when ``study`` is None)."""
    q = select(m.Run).where(m.Run.status == status)
    if study is not None:
        q = q.where(m.Run.study == study)
    return session.scalars(q.order_by(m.Run.started_at.desc(), m.Run.id.desc()).limit(1)).first()


def resolve_run(session: Session, run: str | None, study: str | None = None) -> m.Run:
    """The run called ``run``, or for ``None``/``"latest"`` the newest completed run of
    ``study`` (of the store when no study is named). A named run must be in ``study`` if
    one is given."""
    if run and run != "latest":
        found = session.get(m.Run, run)
        if found is None:
            raise NotFound(f"no run {run!r} in the store (`latest` names the newest completed run)")
        if study is not None and found.study != study:
            raise NotFound(f"run {run!r} is in study {found.study!r}, not {study!r}")
        return found
    if study is not None:
        get_study(session, study)
    found = latest_run(session, study)
    if found is None:
        where = f" in study {study!r}" if study is not None else ""
        hint = f"qualflow run --study {study}" if study is not None else "qualflow run CORPUS"
        raise NotFound(f"no completed run{where} yet (run `{hint}` first)")
    return found


def is_latest(session: Session, run: m.Run) -> bool:
    """Whether ``run`` is its study's latest completed run (earlier runs are read-only)."""
    newest = latest_run(session, run.study)
    return newest is not None and newest.id == run.id


@dataclass(frozen=True)
class StudyOverview:
    name: str
    origin: str
    runs: int
    completed_runs: int
    latest_run: str | None
    transcripts: int
    coders: tuple[str, ...]
    """People with a decision on an excerpt of the study's transcripts (an admin's reconciled
    codes do not make them a coder)."""
    signoffs: int


def studies(session: Session) -> list[StudyOverview]:
    """Every study with its runs, transcripts, coders and sign-offs, by name."""
    out = []
    for study in session.scalars(select(m.Study).order_by(m.Study.name)):
        runs = list(session.scalars(select(m.Run).where(m.Run.study == study.name)))
        newest = latest_run(session, study.name)
        in_study = select(m.StudyTranscript.transcript_id).where(m.StudyTranscript.study == study.name)
        transcripts = session.scalar(select(func.count()).select_from(in_study.subquery()))
        coders = session.scalars(
            select(m.User.username).distinct().join(m.Decision, m.Decision.user_id == m.User.id)
            .join(m.ExcerptRow, m.ExcerptRow.id == m.Decision.excerpt_id)
            .where(m.ExcerptRow.transcript_id.in_(in_study), m.Decision.source != "reconciled")
            .order_by(m.User.username))
        signoffs = session.scalar(select(func.count(m.SignOff.id)).join(m.Run, m.Run.id == m.SignOff.run_id)
                                  .where(m.Run.study == study.name))
        out.append(StudyOverview(study.name, study.origin, len(runs), sum(r.status == "completed" for r in runs),
                                 newest.id if newest else None, transcripts or 0, tuple(coders), signoffs or 0))
    return out


def study_names(session: Session) -> list[str]:
    return list(session.scalars(select(m.Study.name).order_by(m.Study.name)))
