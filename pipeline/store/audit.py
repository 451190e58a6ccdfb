"""The append-only audit log: every decision, memo, sign-off and admin action, and its CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.spreadsheet import safe_cell
from pipeline.store import models as m

CSV_COLUMNS = ["id", "at", "user", "action", "object_type", "object_id", "details"]


def record(session: Session, user_id: int | None, action: str, object_type: str, object_id: str,
           details: dict | None = None, *, run_id: str | None = None, study: str | None = None) -> None:
    """Add an audit row inside the caller's transaction, so it commits with the change it records.

    ``run_id`` (or ``study``) files the entry under a study; entries without one (accounts,
    sign-ins) are store-wide and shown with every study's log."""
    if study is None and run_id is not None:
        run = session.get(m.Run, run_id)
        study = run.study if run is not None else None
    session.add(m.AuditEntry(user_id=user_id, action=action, object_type=object_type, object_id=str(object_id)[:200],
                             details=details or {}, at=datetime.now(timezone.utc), study=study))


def _in_study(q, study: str | None):
    if study is None:
        return q
    return q.where((m.AuditEntry.study == study) | m.AuditEntry.study.is_(None))


def entries(session: Session, *, limit: int | None = None, before_id: int | None = None,
            study: str | None = None) -> list[tuple]:
    """``(AuditEntry, username)`` rows, newest first: of ``study`` and store-wide ones when given."""
    q = _in_study(select(m.AuditEntry, m.User.username).outerjoin(m.User, m.User.id == m.AuditEntry.user_id)
                  .order_by(m.AuditEntry.id.desc()), study)
    if before_id is not None:
        q = q.where(m.AuditEntry.id < before_id)
    if limit is not None:
        q = q.limit(limit)
    return list(session.execute(q))


def csv_rows(rows: Iterable[tuple]) -> Iterator[list[str]]:
    for entry, username in rows:
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=timezone.utc)
        yield [str(entry.id), at.isoformat(), safe_cell(username or ""), safe_cell(entry.action),
               safe_cell(entry.object_type), safe_cell(entry.object_id),
               safe_cell(json.dumps(entry.details, ensure_ascii=False, sort_keys=True))]


def export_csv(session: Session, study: str | None = None) -> str:
    """The log (of ``study`` and store-wide entries, when given), oldest first, as CSV (UTF-8;
    the caller adds a BOM if it wants one)."""
    rows = list(session.execute(_in_study(
        select(m.AuditEntry, m.User.username).outerjoin(m.User, m.User.id == m.AuditEntry.user_id)
        .order_by(m.AuditEntry.id), study)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(rows))
    return out.getvalue()
